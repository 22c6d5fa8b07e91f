import type { Codec, StringOptions } from '@execnet/serializer';
import { BaseGateway, streamSink } from './base-gateway.js';
import { reconfigureItem, type Channel } from './channel.js';
import { createLog } from './debug.js';
import { BootstrapError, GatewayClosedError, TimeoutError } from './errors.js';
import type { Message } from './message.js';
import { OutputTail } from './output-tail.js';
import { HANDSHAKE_BYTE, MessageCode } from './protocol.js';
import type { Connection, ExitStatus } from './registry.js';
import { execPayload, type RemoteCode } from './remote-exec.js';
import { BUNDLE_URL_PREFIX, bundleModule, mapBundleFrames } from './module-bundle.js';
import { tuple } from '@execnet/serializer';
import { waitWith, type WaitOptions } from './wait.js';
import type { XSpec } from './xspec.js';
import { asyncDispose } from './dispose.js';

const log = createLog('core:gateway');
/** How long to wait for the exit status after the stream ended, so errors can include it. */
const EXIT_STATUS_WAIT_MS = 300;

/** Where remote stdout/stderr goes; by default to this process's stderr. */
export type OutputHandler = (text: string, stream: 'stdout' | 'stderr') => void;

/** What `remoteStatus()` reports. @see execnet Gateway.remote_status */
export interface RemoteStatus {
  /** Channels open on the worker. */
  numChannels: number;
  /** remoteExec calls running right now. */
  numExecuting: number;
  /** The worker's exec model. */
  execModel: string;
}

/** What `remoteInfo()` reports about the worker process. @see execnet Gateway._rinfo */
export interface RemoteInfo {
  executable: string;
  version: string;
  platform: string;
  cwd: string;
  pid: number;
}

/** What Python execnet's `_rinfo` asks a Python worker. */
const PYTHON_RINFO_SOURCE =
  'import sys, os\nchannel.send(dict(executable=sys.executable, version_info=sys.version_info[:5], platform=sys.platform, cwd=os.getcwd(), pid=os.getpid()))';

/** Options of {@link Gateway.terminate}. */
export interface TerminateOptions {
  /** Milliseconds to wait for a clean exit before the worker is killed. @default 5000 */
  timeout?: number;
}

/**
 * One connection to one worker process. Made by `makeGateway()` or `group.makeGateway()`.
 * @see execnet Gateway
 */
export class Gateway extends BaseGateway {
  /** The spec this gateway was made from (with `id` and `execmodel` filled in). */
  readonly spec: XSpec;
  /** Python workers and JS workers differ in what remoteExec accepts. */
  readonly remoteKind: 'js' | 'python';
  /** Resolves at the worker's handshake; rejects with a BootstrapError if it never comes. */
  readonly ready: Promise<void>;
  private readonly connection: Connection;
  private readonly stderrTail = new OutputTail();
  private handshaken = false;
  private readonly ended: Promise<void>;
  private resolveEnded!: () => void;
  private readySettle!: { resolve: () => void; reject: (error: Error) => void };
  private exitStatus: ExitStatus | undefined;
  private readonly exitPromise: Promise<ExitStatus>;
  private info: RemoteInfo | undefined;
  private readonly pendingExecs = new Map<number, Array<(error?: Error) => void>>();
  /** Names of shipped functions, by channel, to explain a ReferenceError (weak: no leak). */
  private readonly functionNames = new WeakMap<Channel, string>();
  /** Hashes of the module bundles this worker has (it caches them). */
  private readonly bundlesSent = new Set<string>();
  private exited = false;
  private endStarted = false;
  /** @internal Set by the owning group: moves the gateway to its "exiting" list. */
  onExit: ((gateway: Gateway) => void) | undefined;

  /** @internal Made by makeGateway after the transport opened the connection. */
  constructor(id: string, spec: XSpec, codec: Codec, connection: Connection, onOutput: OutputHandler | undefined, remoteKind: 'js' | 'python') {
    super(id, codec, false);
    this.spec = spec;
    this.connection = connection;
    this.remoteKind = remoteKind;
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    this.ready = new Promise<void>((resolve, reject) => (this.readySettle = { resolve, reject }));
    this.ready.catch(() => undefined); // observed by makeGateway
    this.exitPromise = connection.wait().then(
      (status) => (this.exitStatus = status),
      () => (this.exitStatus = { code: null, signal: null }),
    );
    // A child of the worker may keep the protocol stream open after the worker died; its exit
    // then ends the connection anyway.
    void this.exitPromise.then(() => {
      setTimeout(() => void this.onEnd(), EXIT_STATUS_WAIT_MS).unref();
    });
    const writable = connection.writable;
    this.sink = streamSink(writable, connection.readable, connection.copiesWrites === true);
    writable.on('error', (error) => log(this.id, 'write error:', error.message));
    this.forwardOutput(onOutput);
    const readable = connection.readable;
    readable.on('data', (chunk: Uint8Array) => this.onData(chunk));
    readable.on('end', () => void this.onEnd());
    readable.on('error', (error) => void this.onEnd(error));
    this.hold(1); // until the handshake: a bootstrapping gateway keeps the master alive
  }

  /** The worker's process id, when the transport knows it (popen). */
  get pid(): number | undefined {
    return this.connection.pid;
  }

  /** Where the worker runs: the ssh host, socket address, …; undefined for popen. */
  get remoteAddress(): string | undefined {
    return this.connection.remoteAddress;
  }

  /**
   * Runs code on the worker and returns the channel connected to it, at once (it does not
   * wait for the code to run). For a JavaScript worker `code` is an async function body with
   * `channel` and each kwarg in scope, a function called as `fn(channel, kwargs)`, or the URL
   * of a module whose default export is called that way.
   * @throws {GatewayClosedError} the connection is gone
   * @throws {DumpError} kwargs cannot be serialized
   * @throws {ClosureError} a function uses variables of its closure (found from its source when esbuild is installed)
   * @example
   * const ch = gw.remoteExec('channel.send(await channel.receive() * 2)')
   * await ch.send(21); await ch.receive() // 42
   * @see execnet Gateway.remote_exec
   */
  remoteExec(code: RemoteCode, kwargs?: Record<string, unknown>): Channel {
    if (code instanceof URL && this.remoteKind === 'js') return this.remoteExecModule(code, kwargs);
    const payload = this.host.encode(execPayload(code, kwargs, this.remoteKind));
    const channel = this.newChannel();
    if (typeof code === 'function') this.functionNames.set(channel, code.name || 'anonymous');
    void this.writeMessage(MessageCode.CHANNEL_EXEC, channel.id, payload);
    return channel;
  }

  /**
   * A module is bundled first (asynchronously); the channel is returned at once and whatever is
   * sent on it waits until the CHANNEL_EXEC went out. Each bundle goes to a worker once.
   */
  private remoteExecModule(url: URL, kwargs: Record<string, unknown> | undefined): Channel {
    this.host.encode(kwargs ?? {}); // unserializable kwargs fail now, like any remoteExec
    const channel = this.newChannel();
    const queued: Array<(error?: Error) => void> = [];
    this.pendingExecs.set(channel.id, queued);
    const flush = (error?: Error) => {
      this.pendingExecs.delete(channel.id);
      for (const send of queued) send(error);
    };
    bundleModule(url).then(
      (bundle) => {
        const first = !this.bundlesSent.has(bundle.hash);
        this.bundlesSent.add(bundle.hash);
        const payload = this.host.encode(tuple<unknown>(first ? bundle.code : '', `${BUNDLE_URL_PREFIX}${bundle.hash}:${bundle.url}`, 'default', kwargs ?? {}));
        try {
          void this.writeMessage(MessageCode.CHANNEL_EXEC, channel.id, payload);
        } finally {
          flush();
        }
      },
      (error: Error) => {
        flush(error);
        channel.endReceive(undefined, error, true);
      },
    );
    return channel;
  }

  /** Messages of channels whose CHANNEL_EXEC is still being prepared wait here, in order. */
  protected override deferredWrites(code: MessageCode, channelId: number): Array<(error?: Error) => void> | undefined {
    return code === MessageCode.CHANNEL_EXEC ? undefined : this.pendingExecs.get(channelId);
  }

  protected override mapRemoteError(text: string, channel: Channel): string {
    const mapped = mapBundleFrames(text);
    const name = this.functionNames.get(channel);
    const unknown = name === undefined ? null : /ReferenceError: (\S+) is not defined/.exec(mapped);
    if (!unknown) return mapped;
    // The usual cause: the shipped function used a variable of its closure, which stays here.
    return `${mapped}\nnote: function ${name} runs on the worker without its closure; pass ${unknown[1]} in kwargs or define it inside the function`;
  }

  /**
   * Asks the worker how busy it is.
   * @throws {TimeoutError} no answer within `timeout` ms
   */
  async remoteStatus(options?: WaitOptions): Promise<RemoteStatus> {
    const channel = this.newChannel();
    void this.writeMessage(MessageCode.STATUS, channel.id, new Uint8Array(0));
    const status = (await channel.receive(options)) as Record<string, unknown> | Map<string, unknown>;
    const get = (key: string) => (status instanceof Map ? status.get(key) : status[key]);
    channel.close();
    return {
      numChannels: Number(get('numchannels')),
      numExecuting: Number(get('numexecuting')),
      execModel: String(get('execmodel')),
    };
  }

  /**
   * Sets how Python strings load, here and on the worker, for gateway messages and for
   * channels made from now on (a channel's own {@link Channel.reconfigure} overrides it).
   * Each call sets both options; the defaults are execnet's.
   * @throws {GatewayClosedError} the connection is gone
   * @see execnet Gateway.reconfigure
   */
  reconfigure(options?: StringOptions): void {
    const { config, item } = reconfigureItem(options);
    void this.writeMessage(MessageCode.RECONFIGURE, 0, this.host.encode(item));
    this.strconfig = config;
  }

  /** Facts about the worker process; cached unless `update` is true. */
  async remoteInfo(options?: WaitOptions & { update?: boolean }): Promise<RemoteInfo> {
    if (this.info && !options?.update) return this.info;
    if (this.remoteKind === 'python') {
      const channel = this.remoteExec(PYTHON_RINFO_SOURCE);
      const info = (await channel.receive(options)) as Record<string, unknown>;
      this.info = {
        executable: String(info.executable),
        version: (info.version_info as unknown[]).slice(0, 3).join('.'),
        platform: String(info.platform),
        cwd: String(info.cwd),
        pid: Number(info.pid),
      };
      return this.info;
    }
    const channel = this.remoteExec(
      'channel.send({ executable: process.execPath, version: process.version, platform: process.platform, cwd: process.cwd(), pid: process.pid })',
    );
    this.info = (await channel.receive(options)) as RemoteInfo;
    return this.info;
  }

  /**
   * Asks the worker to finish and closes our write side; does not wait (see {@link join}).
   * Calling it again does nothing.
   * @see execnet Gateway.exit
   */
  exit(): void {
    if (this.exited) return;
    this.exited = true;
    this.onExit?.(this);
    if (this.isOpen) {
      try {
        void this.writeMessage(MessageCode.GATEWAY_TERMINATE, 0, new Uint8Array(0));
      } catch {
        // Already gone.
      }
    }
    this.terminating = true;
    this.flushWrites();
    this.connection.writable.end();
  }

  /**
   * Waits until the worker's stream has ended (after `exit()`, or when it died).
   * @throws {TimeoutError} still running after `timeout` ms
   */
  join(options?: WaitOptions): Promise<void> {
    if (this.connectionError) return Promise.resolve();
    return waitWith<void>(options, `join ${this.id}`, (resolve) => {
      let live = true;
      this.hold(1);
      void this.ended.then(() => live && resolve());
      return () => {
        live = false;
        this.hold(-1);
      };
    });
  }

  /**
   * Ends the worker for sure: `exit()`, wait up to `timeout` ms for the process to end,
   * then kill it and wait for that. Resolves with how it ended and whether it had to be killed.
   */
  async terminate(options?: TerminateOptions): Promise<{ killed: boolean; status: ExitStatus }> {
    this.exit();
    const timeout = options?.timeout ?? 5000;
    this.hold(1);
    try {
      const status = await this.waitExit(timeout);
      if (status) return { killed: false, status };
      log(this.id, `still running after ${timeout} ms: killing`);
      this.connection.kill();
      const killedStatus = (await this.waitExit(5000)) ?? { code: null, signal: 'SIGKILL' };
      return { killed: true, status: killedStatus };
    } finally {
      this.hold(-1);
    }
  }

  /** Typed as the well-known symbol, so `await using` type-checks; at run time the method below (the same symbol where Node has it). */
  declare readonly [Symbol.asyncDispose]: () => Promise<void>;

  /** Terminates the gateway; for `await using`. */
  async [asyncDispose](): Promise<void> {
    await this.terminate();
  }

  /** Kills the worker at once, without waiting (used when the master exits). */
  kill(): void {
    this.connection.kill();
  }

  override toString(): string {
    return `<Gateway id='${this.id}' ${this.connectionError ? 'not-receiving' : 'receive-live'}, ${this.numChannels} active channels>`;
  }

  protected override get publicGateway(): unknown {
    return this;
  }

  protected override handleOther(message: Message): void {
    if (message.code === MessageCode.CHANNEL_EXEC) {
      // The master never runs code sent by a worker.
      this.channelFor(message.channelId).closeNow('execution disallowed');
    } else {
      log(this.id, `ignored ${message.toString()}`);
    }
  }

  protected override holdsChanged(busy: boolean): void {
    if (busy) this.connection.ref?.();
    else this.connection.unref?.();
  }

  /** Resolves when the worker's stderr has ended (it has none: at once), or after `ms`. */
  private stderrEnd(ms: number): Promise<void> {
    const stderr = this.connection.stderr;
    if (!stderr || stderr.readableEnded || stderr.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stderr.off('end', done).off('close', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      stderr.once('end', done).once('close', done);
    });
  }

  private waitExit(ms: number): Promise<ExitStatus | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), ms);
      void this.exitPromise.then((status) => {
        clearTimeout(timer);
        resolve(status);
      });
    });
  }

  private onData(chunk: Uint8Array): void {
    if (!this.handshaken) {
      if (chunk.length === 0) return;
      if (chunk[0] !== HANDSHAKE_BYTE) {
        const error = new BootstrapError({
          command: this.connection.command,
          reason: `unexpected first byte 0x${chunk[0]!.toString(16)} instead of the handshake`,
          stderrTail: this.stderrTail.get(),
        });
        this.readySettle.reject(error);
        this.connectionLost(error);
        this.connection.kill();
        return;
      }
      this.handshaken = true;
      this.hold(-1);
      this.readySettle.resolve();
      chunk = chunk.subarray(1);
      if (chunk.length === 0) return;
    }
    this.receiveBytes(chunk);
  }

  private async onEnd(streamError?: Error): Promise<void> {
    if (this.endStarted) return;
    this.endStarted = true;
    if (this.connectionError && this.handshaken) {
      this.resolveEnded();
      return;
    }
    // Wait briefly for the exit status and the rest of stderr, so the error can say how the
    // worker ended and what it said last (the streams end in no particular order).
    await Promise.all([this.waitExit(EXIT_STATUS_WAIT_MS), this.stderrEnd(EXIT_STATUS_WAIT_MS)]);
    const status = this.exitStatus ?? { code: null, signal: null };
    const stderrTail = this.stderrTail.get();
    if (!this.handshaken) {
      const error = new BootstrapError({ command: this.connection.command, exitCode: status.code, signal: status.signal, stderrTail }, { cause: streamError });
      this.readySettle.reject(error);
      this.hold(-1);
      this.connectionLost(error);
    } else {
      const reason = this.exited ? 'gateway exited' : undefined;
      this.connectionLost(
        new GatewayClosedError({ gatewayId: this.id, exitCode: status.code, signal: status.signal, stderrTail, reason }, { cause: streamError }),
      );
    }
    this.resolveEnded();
  }

  private forwardOutput(onOutput: OutputHandler | undefined): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = this.connection[stream];
      if (!source) continue;
      source.setEncoding('utf8');
      source.on('data', (text: string) => {
        if (stream === 'stderr') this.stderrTail.push(text);
        if (onOutput) onOutput(text, stream);
        else process.stderr.write(text);
      });
      source.on('error', () => undefined);
    }
  }
}

/** Rejects with a TimeoutError unless `promise` settles within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(`${what}: no result after ${ms} ms`, { timeout: ms })), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
