import { spawn, type ChildProcess } from 'node:child_process';
import type { Duplex, Readable, Writable } from 'node:stream';
import { RecordKind } from '../protocol.js';
import type { WorkerExit } from './events.js';
import { RecordWriter } from './record-writer.js';

/** After the worker exited, how long its output streams may take to end (a grandchild may hold them). */
const OUTPUT_GRACE_MS = 500;
/** After our last record, how long the client may take to close its side. */
const CLOSE_GRACE_MS = 5000;
/**
 * After the client ended its side (gw.exit(), or the client is gone), how long the worker may
 * take to exit; a healthy one exits on its own within about 1.5 s of that EOF (its grace for
 * running code), so only a blocked worker is killed, and well within 5 s of the client leaving.
 */
const END_GRACE_MS = 2500;
/** On shutdown, how long workers get between SIGTERM and SIGKILL. */
const TERM_GRACE_MS = 1000;

/** How to start a worker process for an authenticated connection. */
export interface WorkerSpawnConfig {
  /** The runtime to start: the server's own `process.execPath` unless configured. */
  executable: string;
  /** The loader program (`LOADER_SOURCE` of `@execnet/core`), run with `-e`. */
  loader: string;
  cwd: string | undefined;
  env: NodeJS.ProcessEnv;
}

/** How a session ended. */
export interface SessionResult {
  workerPid: number | undefined;
  exit: WorkerExit | undefined;
  /** Why it ended other than by the worker exiting on its own, e.g. `client disconnected`. */
  reason: string | undefined;
  /** The worker could not be started. */
  failed: boolean;
}

/**
 * One authenticated connection and its worker: client bytes go straight to the worker's fd 4;
 * the worker's fd 3, stdout and stderr come back as records, then its exit status. If the
 * connection closes first, the worker is killed at once (nobody can talk to it any more); if
 * the client only ends its side, a worker still running {@link END_GRACE_MS} later is killed.
 */
export class Session {
  readonly done: Promise<SessionResult>;
  private child: ChildProcess | undefined;
  private exit: WorkerExit | undefined;
  private reason: string | undefined;
  private settle!: (result: SessionResult) => void;
  private failed = false;

  constructor(
    private readonly socket: Duplex,
    private readonly config: WorkerSpawnConfig,
  ) {
    this.done = new Promise((resolve) => (this.settle = resolve));
  }

  /** Starts the worker and connects it to the socket. */
  start(): void {
    const writer = new RecordWriter(this.socket);
    let child: ChildProcess;
    try {
      child = spawn(this.config.executable, ['-e', this.config.loader], {
        stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
        cwd: this.config.cwd,
        env: this.config.env,
        windowsHide: true,
      });
    } catch (error) {
      this.startFailed(writer, error as Error);
      return;
    }
    this.child = child;
    const [, stdout, stderr, fromWorker, toWorker] = child.stdio as [null, Readable, Readable, Readable, Writable];
    let socketClosed = false;
    let exited = false;
    const maybeDone = (): void => {
      if (socketClosed && exited) this.finish();
    };

    child.once('error', (error) => {
      // Spawn failures (ENOENT, EACCES) come here instead of 'spawn'.
      if (child.pid === undefined) this.startFailed(writer, error);
    });
    child.once('spawn', () => {
      toWorker.on('error', () => undefined); // EPIPE once the worker is gone
      this.socket.pipe(toWorker);
      this.socket.resume();
    });
    const outputs = Promise.all([
      writer.add(fromWorker, RecordKind.FRAMES),
      writer.add(stdout, RecordKind.STDOUT),
      writer.add(stderr, RecordKind.STDERR),
    ]);
    child.once('exit', (code, signal) => {
      this.exit = { code, signal };
      // pipe() paused the socket when the worker's fd 4 closed; keep reading (and dropping)
      // so the client's end of the connection is still noticed.
      this.socket.resume();
      const grace = setTimeout(() => {
        for (const stream of [stdout, stderr, fromWorker]) stream.destroy();
      }, OUTPUT_GRACE_MS);
      void outputs.then(() => {
        clearTimeout(grace);
        writer.finish(this.exit!);
        const linger = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
        this.socket.once('close', () => clearTimeout(linger));
        exited = true;
        maybeDone();
      });
    });
    this.socket.once('end', () => {
      const timer = setTimeout(() => {
        if (this.exit !== undefined) return;
        this.reason ??= 'client ended the connection, worker did not exit';
        child.kill('SIGKILL');
      }, END_GRACE_MS);
      child.once('exit', () => clearTimeout(timer));
    });
    this.socket.on('error', () => undefined); // followed by 'close'
    this.socket.once('close', () => {
      socketClosed = true;
      if (this.exit === undefined && child.pid !== undefined) {
        this.reason ??= 'client disconnected';
        child.kill('SIGKILL');
      }
      maybeDone();
    });
  }

  /** Ends the worker for a server shutdown: SIGTERM, then SIGKILL after a grace period. */
  stop(): void {
    this.reason ??= 'server shutting down';
    const child = this.child;
    if (!child || this.exit !== undefined || child.pid === undefined) {
      this.socket.destroy();
      return;
    }
    child.kill('SIGTERM');
    setTimeout(() => {
      if (this.exit === undefined) child.kill('SIGKILL');
    }, TERM_GRACE_MS).unref();
  }

  private startFailed(writer: RecordWriter, error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.reason = `cannot start worker ${this.config.executable}: ${error.message}`;
    writer.write(RecordKind.STDERR, Buffer.from(`execnet-socketserver: ${this.reason}\n`));
    writer.finish({ code: null, signal: null });
    this.socket.resume(); // discard what the client sends meanwhile
    const linger = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
    this.socket.once('close', () => clearTimeout(linger));
    this.socket.once('close', () => this.finish());
  }

  private finish(): void {
    this.settle({ workerPid: this.child?.pid, exit: this.exit, reason: this.reason, failed: this.failed });
  }
}
