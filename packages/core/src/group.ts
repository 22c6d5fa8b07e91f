import { createLog } from './debug.js';
import { SpecError } from './errors.js';
import type { Gateway, TerminateOptions } from './gateway.js';
import { openGateway, type MakeGatewayOptions } from './make-gateway.js';
import { XSpec } from './xspec.js';

const log = createLog('core:group');
const asyncDispose: symbol = (Symbol as { asyncDispose?: symbol }).asyncDispose ?? Symbol.for('nodejs.asyncDispose');
const liveGroups = new Set<Group>();
let exitHookInstalled = false;

/** Options of a {@link Group}. */
export interface GroupOptions {
  /** Exec model of the workers, unless a spec says `execmodel=`. @default 'eventloop' */
  execModel?: string;
}

/**
 * Owns gateways, gives them ids (`gw0`, `gw1`, …) and ends them all robustly.
 * @see execnet Group
 */
export class Group implements Iterable<Gateway> {
  /** Spec used by makeGateway() without a spec. @default 'popen' */
  defaultSpec = 'popen';
  /** Exec model for workers whose spec has none. */
  remoteExecModel: string;
  private readonly members: Gateway[] = [];
  private counter = 0;

  constructor(options?: GroupOptions) {
    this.remoteExecModel = options?.execModel ?? 'eventloop';
  }

  /**
   * Starts a worker and adds its gateway to the group.
   * @throws {SpecError} malformed spec, duplicate id, unsupported keys
   * @throws {BootstrapError} the worker could not start
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
    const execModel = xspec.execmodel ?? this.remoteExecModel;
    xspec.set('execmodel', execModel);
    const gateway = await openGateway(xspec, execModel, options);
    this.members.push(gateway);
    liveGroups.add(this);
    installExitHook();
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

  /** Number of gateways. */
  get size(): number {
    return this.members.length;
  }

  /** Iterates over a snapshot, so gateways may leave meanwhile. */
  [Symbol.iterator](): Iterator<Gateway> {
    return [...this.members][Symbol.iterator]();
  }

  /**
   * Terminates every gateway in parallel: exit, wait up to `timeout` ms, kill. Resolves when
   * every worker process is gone, with the ids of those that had to be killed.
   */
  async terminate(options?: TerminateOptions): Promise<{ killed: string[] }> {
    const gateways = this.members.splice(0);
    log(`terminating ${gateways.length} gateways`);
    const results = await Promise.all(gateways.map(async (gw) => ({ id: gw.id, ...(await gw.terminate(options)) })));
    if (this.members.length === 0) liveGroups.delete(this);
    return { killed: results.filter((r) => r.killed).map((r) => r.id) };
  }

  /** Terminates the group; for `await using`. */
  async [asyncDispose](): Promise<void> {
    await this.terminate();
  }

  /** @internal Kills every worker at once (the master is exiting). */
  killAll(): void {
    for (const gw of this.members) gw.kill();
  }

  toString(): string {
    return `<Group [${this.members.map((gw) => `'${gw.id}'`).join(', ')}]>`;
  }
}

/** Kill workers synchronously when the master exits: no async work is possible in 'exit'. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const group of liveGroups) group.killAll();
  });
}

/** The group behind the module-level {@link makeGateway}. */
export const defaultGroup = new Group();

/**
 * Starts a worker in the default group. `spec` defaults to `'popen'`.
 * @example
 * const gw = await makeGateway('popen')
 * const ch = gw.remoteExec('channel.send(await channel.receive() + 1)')
 * await ch.send(1); console.log(await ch.receive()) // 2
 * gw.exit()
 * @see execnet makegateway
 */
export function makeGateway(spec?: string | XSpec, options?: MakeGatewayOptions): Promise<Gateway> {
  return defaultGroup.makeGateway(spec, options);
}
