import { createLog } from './debug.js';
import { ExecnetError, GatewayClosedError, SpecError } from './errors.js';
import type { Gateway, TerminateOptions } from './gateway.js';
import { defaultExecModel, openGateway, type MakeGatewayOptions } from './make-gateway.js';
import { MultiChannel } from './multi-channel.js';
import type { RemoteCode } from './remote-exec.js';
import { installExitHooks, liveGroups } from './exit-hooks.js';
import { XSpec } from './xspec.js';
import { asyncDispose } from './dispose.js';

const log = createLog('core:group');

/** Options of a {@link Group}. */
export interface GroupOptions {
  /** Exec model of the workers, unless a spec says `execmodel=`. @default 'eventloop' */
  execModel?: string;
}

/** What {@link Group.terminate} reports. */
export interface TerminateReport {
  /** Ids of the gateways whose worker had to be killed. */
  killed: string[];
}

/**
 * Owns gateways, gives them ids (`gw0`, `gw1`, …) and ends them all robustly.
 * @see execnet Group
 */
export class Group implements Iterable<Gateway> {
  /** Spec used by makeGateway() without a spec. @default 'popen' */
  defaultSpec = 'popen';
  /** Resolves when the gateways of the constructor's specs are up (rejects if one fails). */
  readonly ready: Promise<void>;
  private execModelLocal: string;
  private execModelRemote: string;
  private readonly members: Gateway[] = [];
  /** Gateways exit()ed but not yet terminated: `terminate` still waits for them. */
  private readonly exiting = new Set<Gateway>();
  /** makeGateway calls whose worker is still starting: `terminate` stops them and waits for them. */
  private readonly starting = new Set<{ id: string; stop: AbortController; settled: Promise<unknown> }>();
  /** The terminate in progress: a second call waits for it, so it too resolves only when all is gone. */
  private terminating: Promise<unknown> = Promise.resolve();
  private counter = 0;

  /**
   * Makes a group, and a gateway for each spec in order (await `group.ready`).
   * @example
   * const group = new Group(['popen', 'popen//id=b'])
   * await group.ready
   */
  constructor(specs: ReadonlyArray<string | XSpec> = [], options?: GroupOptions) {
    this.execModelLocal = options?.execModel ?? 'eventloop';
    this.execModelRemote = this.execModelLocal;
    this.ready = (async () => {
      for (const spec of specs) await this.makeGateway(spec);
    })();
    if (specs.length === 0) this.ready.catch(() => undefined);
  }

  /** Makes a group with the gateways of `specs`, resolving once all are up. */
  static async create(specs: ReadonlyArray<string | XSpec>, options?: GroupOptions): Promise<Group> {
    const group = new Group(specs, options);
    try {
      await group.ready;
    } catch (error) {
      await group.terminate({ timeout: 1000 });
      throw error;
    }
    return group;
  }

  /** Exec model of this side (kept for execnet compatibility; the master is one event loop). */
  get execModel(): string {
    return this.execModelLocal;
  }

  /** Exec model given to workers whose spec has no `execmodel=`. */
  get remoteExecModel(): string {
    return this.execModelRemote;
  }

  /**
   * Sets the exec models; only before the first gateway is made.
   * @throws {ExecnetError} the group has gateways already
   * @see execnet Group.set_execmodel
   */
  setExecModel(execModel: string, remoteExecModel?: string): void {
    if (this.members.length > 0 || this.exiting.size > 0) {
      throw new ExecnetError('cannot set exec models once gateways have been created');
    }
    this.execModelLocal = execModel;
    this.execModelRemote = remoteExecModel ?? execModel;
  }

  /**
   * Starts a worker and adds its gateway to the group.
   * @throws {SpecError} malformed spec, duplicate id, unsupported keys
   * @throws {BootstrapError} the worker could not start
   * @throws {GatewayClosedError} the group was terminated while the worker was starting
   * @example
   * const gw = await group.makeGateway('popen//id=w1')
   */
  async makeGateway(spec?: string | XSpec, options?: MakeGatewayOptions): Promise<Gateway> {
    const xspec = typeof spec === 'string' || spec === undefined ? new XSpec(spec || this.defaultSpec) : spec.clone();
    if (xspec.id === undefined) {
      let id: string;
      do id = `gw${this.counter++}`;
      while (this.has(id));
      xspec.set('id', id);
    } else if (this.has(xspec.id)) {
      throw new SpecError(`already have a gateway with id '${xspec.id}'`, { spec: String(xspec), item: `id=${xspec.id}` });
    }
    const execModel = xspec.execmodel ?? defaultExecModel(xspec.runtime.kind, this.execModelRemote);
    xspec.set('execmodel', execModel);
    const stop = new AbortController();
    const forward = (): void => stop.abort(options?.signal?.reason);
    options?.signal?.addEventListener('abort', forward, { once: true });
    if (options?.signal?.aborted) forward();
    const task = this.startGateway(xspec, execModel, { ...options, signal: stop.signal });
    const start = { id: xspec.id!, stop, settled: task.catch(() => undefined) };
    this.starting.add(start);
    try {
      return await task;
    } finally {
      this.starting.delete(start);
      options?.signal?.removeEventListener('abort', forward);
    }
  }

  private async startGateway(xspec: XSpec, execModel: string, options: MakeGatewayOptions & { signal: AbortSignal }): Promise<Gateway> {
    const gateway = await openGateway(xspec, execModel, options, { lookupGateway: (id) => this.get(id) });
    if (options.signal.aborted) {
      // Stopped (by terminate) right after the handshake.
      await gateway.terminate({ timeout: 1000 });
      throw options.signal.reason;
    }
    if (this.has(gateway.id)) {
      // Another makeGateway with the same explicit id finished first.
      gateway.kill();
      throw new SpecError(`already have a gateway with id '${gateway.id}'`, { spec: String(xspec), item: `id=${gateway.id}` });
    }
    gateway.onExit = (gw) => {
      const i = this.members.indexOf(gw);
      if (i >= 0) this.members.splice(i, 1);
      this.exiting.add(gw);
    };
    this.members.push(gateway);
    liveGroups.add(this);
    installExitHooks();
    return gateway;
  }

  /** The gateway with this id, or at this index. */
  get(key: string | number): Gateway | undefined {
    return typeof key === 'number' ? this.members[key] : this.members.find((gw) => gw.id === key);
  }

  /** True if a gateway with this id (or this gateway) is in the group. */
  has(key: string | Gateway): boolean {
    return typeof key === 'string' ? this.members.some((gw) => gw.id === key) : this.members.includes(key);
  }

  /** Number of gateways (those exit()ed are no longer members, as in execnet). */
  get size(): number {
    return this.members.length;
  }

  /** Iterates over a snapshot, so gateways may leave meanwhile. */
  [Symbol.iterator](): Iterator<Gateway> {
    return [...this.members][Symbol.iterator]();
  }

  /** Runs the same code on every gateway; one channel each, in member order. */
  remoteExec(code: RemoteCode, kwargs?: Record<string, unknown>): MultiChannel {
    return new MultiChannel(this.members.map((gw) => gw.remoteExec(code, kwargs)));
  }

  /**
   * Ends every gateway, including those already exit()ed: gateways that others reach through
   * (`via`, `installvia`) go last; each gets exit, up to `timeout` ms to end, then a kill.
   * Resolves when every worker process is gone, with the ids of those that had to be killed.
   * Gateways still starting are stopped (their makeGateway rejects with GatewayClosedError).
   * A call made while another runs waits for it, then ends whatever is left.
   */
  terminate(options?: TerminateOptions): Promise<TerminateReport> {
    const run = this.terminating.then(() => this.terminateNow(options));
    this.terminating = run.catch(() => undefined);
    return run;
  }

  private async terminateNow(options?: TerminateOptions): Promise<TerminateReport> {
    // Gateways still starting are stopped: their makeGateway rejects, their worker is gone.
    const starting = [...this.starting];
    if (starting.length > 0) this.ready.catch(() => undefined); // rejected on purpose, not unhandled
    for (const { id, stop } of starting) {
      stop.abort(new GatewayClosedError({ gatewayId: id, exitCode: null, signal: null, reason: 'group terminated while the gateway was starting' }));
    }
    await Promise.all(starting.map(({ settled }) => settled));
    const killed: string[] = [];
    while (this.members.length > 0 || this.exiting.size > 0) {
      const all = [...this.members, ...this.exiting];
      // A socket gateway's server runs on its installvia gateway, so that one ends later too.
      const proxies = new Set(all.map((gw) => gw.spec.via ?? gw.spec.installvia).filter((id): id is string => id !== undefined));
      let round = all.filter((gw) => !proxies.has(gw.id));
      if (round.length === 0) round = all; // a via cycle cannot be ordered; end them together
      log(`terminating ${round.map((gw) => gw.id).join(', ')}`);
      for (const gw of round) {
        gw.exit();
        this.exiting.delete(gw);
        const i = this.members.indexOf(gw);
        if (i >= 0) this.members.splice(i, 1);
      }
      const results = await Promise.all(round.map(async (gw) => ({ id: gw.id, ...(await gw.terminate(options)) })));
      for (const r of results) if (r.killed) killed.push(r.id);
    }
    liveGroups.delete(this);
    return { killed };
  }

  /** Typed as the well-known symbol, so `await using` type-checks; at run time the method below (the same symbol where Node has it). */
  declare readonly [Symbol.asyncDispose]: () => Promise<void>;

  /** Terminates the group; for `await using`. */
  async [asyncDispose](): Promise<void> {
    await this.terminate();
  }

  /** @internal Kills every worker at once (the master is exiting). */
  killAll(): void {
    for (const gw of [...this.members, ...this.exiting]) gw.kill();
  }

  toString(): string {
    return `<Group [${this.members.map((gw) => `'${gw.id}'`).join(', ')}]>`;
  }
}

/** The group behind the module-level {@link makeGateway}. */
export const defaultGroup = new Group();

/**
 * Starts a worker in the default group. `spec` defaults to `'popen'`.
 * @example
 * const gw = await makeGateway('popen')
 * const ch = gw.remoteExec('channel.send(await channel.receive() + 1)')
 * await ch.send(1); console.log(await ch.receive()) // 2
 * await gw.terminate()
 * @see execnet makegateway
 */
export function makeGateway(spec?: string | XSpec, options?: MakeGatewayOptions): Promise<Gateway> {
  return defaultGroup.makeGateway(spec, options);
}
