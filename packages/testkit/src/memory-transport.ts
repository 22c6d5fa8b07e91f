import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PassThrough, Writable, type Readable } from 'node:stream';
import {
  SpecError,
  serveWorker,
  transportSymbol,
  type Connection,
  type ExitStatus,
  type OpenContext,
  type ServeWorkerConfig,
  type Transport,
  type XSpec,
} from '@execnet/core';

/** One direction pair of in-memory byte streams, as a worker process would see its pipes. */
export interface MemoryIOPair {
  /** The master's end: `readable` carries frames from the worker, `writable` frames to it. */
  readonly master: { readonly readable: Readable; readonly writable: Writable };
  /** The worker's end: `readable` carries the master's bytes, `writable` the worker's. */
  readonly worker: { readonly readable: Readable; readonly writable: Writable };
}

/**
 * Two in-memory pipes wired as a connection: what the master writes the worker reads, and
 * the other way round. Both directions have the usual stream backpressure.
 * @example
 * const { master, worker } = createMemoryIOPair()
 * worker.readable.on('data', (chunk) => worker.writable.write(chunk)) // an echo "worker"
 */
export function createMemoryIOPair(): MemoryIOPair {
  const toWorker = new PassThrough();
  const fromWorker = new PassThrough();
  return { master: { readable: fromWorker, writable: toWorker }, worker: { readable: toWorker, writable: fromWorker } };
}

/** Options of {@link memoryTransport}. */
export interface MemoryTransportOptions {
  /**
   * The spec key the transport serves. Register different names to have several memory
   * transports side by side. @default 'memory'
   */
  name?: string;
}

/** The exit status of a memory worker that was killed (it cannot really be stopped, see below). */
const KILLED: ExitStatus = { code: null, signal: 'SIGKILL' };
/** The loader's exit code when the stream closes during bootstrap (see core's worker-command.ts). */
const BOOTSTRAP_EXIT_CODE = 70;

/**
 * A transport whose workers run **inside this process**, on in-memory streams: the worker's
 * gateway (core's `serveWorker`) reads the master's frames and answers exactly as a worker
 * process does, handshake and bootstrap framing included. No process, pipe or socket is
 * involved, so tests of channels, the message layer and groups run fast and anywhere.
 *
 * Remote code runs in this process's global scope, not isolated: it sees the test's globals
 * and `process`, and `process.exit()` or a `while (true) {}` in remote code ends or blocks the
 * test itself. `kill()` disconnects the worker (its streams end and `wait()` reports
 * `SIGKILL`) but cannot stop code that is running. Use it for the message layer, never for
 * isolation, process lifetime or output handling.
 *
 * Spec items that would change this process (`chdir`, `nice`, `env:NAME`), a runtime other
 * than node and the `thread` exec model are rejected with a `SpecError`.
 * @example
 * registerTransport(memoryTransport())
 * const gw = await new Group().makeGateway('memory')
 * const ch = gw.remoteExec('channel.send(await channel.receive() * 2)')
 * await ch.send(21); await ch.receive() // 42
 */
export function memoryTransport(options: MemoryTransportOptions = {}): Transport {
  return new MemoryTransport(options.name ?? 'memory');
}

class MemoryTransport implements Transport {
  readonly [transportSymbol] = true as const;
  readonly [Symbol.toStringTag] = '@execnet/testkit/memory';

  constructor(readonly name: string) {}

  async open(spec: XSpec, context: OpenContext): Promise<Connection> {
    if (context.signal.aborted) throw context.signal.reason;
    checkSpec(spec, context);
    const worker = new MemoryWorker();
    context.signal.addEventListener('abort', () => worker.kill(), { once: true });
    return worker.connection();
  }
}

/** Rejects what an in-process worker cannot do without changing the test process. */
function checkSpec(spec: XSpec, context: OpenContext): void {
  const refuse = (item: string, why: string) => {
    throw new SpecError(`memory workers run in this process: ${why}`, { spec: String(spec), item });
  };
  if (context.worker.runtime !== 'node') refuse(context.worker.runtime, 'only the node runtime is available');
  if (spec.chdir !== undefined) refuse(`chdir=${spec.chdir}`, 'chdir would change the test process');
  if (spec.nice !== undefined) refuse(`nice=${spec.nice}`, 'nice would change the test process');
  const names = Object.keys(spec.env);
  if (names.length > 0) refuse(`env:${names[0]}`, 'env would change the test process');
  if (spec.execmodel === 'thread') refuse('execmodel=thread', 'the thread exec model needs the shipped worker script');
}

/** One in-process worker: reads the bootstrap like the loader, then serves frames. */
class MemoryWorker {
  private readonly toWorker = new PassThrough();
  private readonly fromWorker = new PassThrough();
  /** The worker's output; swallows writes once the worker was killed, as a closed pipe would fail them. */
  private readonly workerOut: Writable;
  private status: ExitStatus | undefined;
  private readonly exited: Promise<ExitStatus>;
  private resolveExit!: (status: ExitStatus) => void;
  private pendingWrite: (() => void) | undefined;

  constructor() {
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
    const fromWorker = this.fromWorker;
    this.workerOut = new Writable({
      write: (chunk: Uint8Array, _encoding, callback) => {
        if (this.status) return callback(new Error('memory worker disconnected'));
        if (fromWorker.write(chunk)) return callback();
        this.pendingWrite = () => {
          this.pendingWrite = undefined;
          callback();
        };
        fromWorker.once('drain', () => this.pendingWrite?.());
      },
      final: (callback) => {
        fromWorker.end();
        callback();
      },
    });
    this.workerOut.on('error', () => undefined);
    this.readBootstrap();
  }

  connection(): Connection {
    return {
      readable: this.fromWorker,
      writable: this.toWorker,
      command: 'memory worker (in this process)',
      kill: () => this.kill(),
      wait: () => this.exited,
    };
  }

  /** Disconnects the worker: both streams end and the exit status says it was killed. */
  kill(): void {
    if (this.status) return;
    this.end(KILLED);
    this.toWorker.end();
    this.fromWorker.end();
    this.pendingWrite?.();
  }

  private end(status: ExitStatus): void {
    if (this.status) return;
    this.status = status;
    this.resolveExit(status);
  }

  /**
   * Reads the 4-byte length and the bootstrap script as the loader does, and the worker
   * runtime's block after it as the bootstrap script does, takes the worker configuration from
   * the script, and hands everything after both to the worker gateway.
   */
  private readBootstrap(): void {
    const input = this.toWorker;
    const chunks: Buffer[] = [];
    let have = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      have += chunk.length;
      if (have < 4) return;
      const head = Buffer.concat(chunks);
      const length = head.readUInt32BE(0);
      // The worker runtime's block follows the bootstrap script; the script would read it.
      if (have < 4 + length + 4) return;
      const runtimeLength = head.readUInt32BE(4 + length);
      if (have < 4 + length + 4 + runtimeLength) return;
      input.off('data', onData);
      input.off('end', onEnd);
      input.pause();
      const rest = head.subarray(4 + length + 4 + runtimeLength);
      let config: ServeWorkerConfig;
      try {
        config = workerConfigOf(head.subarray(4, 4 + length).toString('utf8'));
      } catch {
        this.bootstrapFailed();
        return;
      }
      if (rest.length > 0) input.unshift(rest);
      const localRequire = createRequire(join(process.cwd(), 'noop.js')); // like `node -e` in the cwd
      serveWorker(input, this.workerOut, config, {
        localRequire,
        onExit: (code) => {
          this.end({ code, signal: null });
          this.fromWorker.end();
        },
      });
      input.resume();
    };
    const onEnd = () => this.bootstrapFailed();
    input.on('data', onData);
    input.on('end', onEnd);
  }

  /** Like the loader: the stream closed (or carried no worker script) before the worker ran. */
  private bootstrapFailed(): void {
    this.end({ code: BOOTSTRAP_EXIT_CODE, signal: null });
    this.fromWorker.end();
  }
}

const MAIN_CALL = 'module.exports.main(';
const MAIN_CALL_END = ', require, host); })';

/**
 * The configuration core writes into the bootstrap script (`module.exports.main(CONFIG, require, host)`,
 * see core's worker-script.ts). The script itself is not evaluated: the worker runtime is
 * already loaded in this process.
 */
function workerConfigOf(script: string): ServeWorkerConfig {
  const start = script.lastIndexOf(MAIN_CALL);
  const end = script.lastIndexOf(MAIN_CALL_END);
  if (start < 0 || end < start) throw new Error('no worker configuration in the bootstrap script');
  const config = JSON.parse(script.slice(start + MAIN_CALL.length, end)) as ServeWorkerConfig;
  if (typeof config.id !== 'string' || typeof config.codec !== 'string' || typeof config.execModel !== 'string') {
    throw new Error('malformed worker configuration in the bootstrap script');
  }
  return config;
}
