import type { Readable, Writable } from 'node:stream';
import { frameSocketPair } from './frame-socket.js';

/** A started local worker process and its streams. */
export interface SpawnedProcess {
  readonly pid: number | undefined;
  /** The worker's own output (stdout is absent when the protocol uses it). */
  readonly stdout: Readable | undefined;
  readonly stderr: Readable;
  /** Frames from and to the worker. */
  readonly fromWorker: Readable;
  readonly toWorker: Writable;
  kill(signal: NodeJS.Signals): void;
  /** Resolves when the process ended. */
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  /** Lets this process's event loop end while the child still runs, or not. */
  ref(): void;
  unref(): void;
}

/** Options of {@link spawnWorker}. */
export interface SpawnOptions {
  /**
   * `fds`: stdin ignored, stdout/stderr the worker's own, fds 3/4 carry frames (JavaScript
   * workers). `stdio`: frames on stdin/stdout (Python workers).
   */
  protocol: 'fds' | 'stdio';
  cwd?: string;
  env?: Record<string, string | undefined>;
  /**
   * Kill the process when this one exits (execa's `cleanup`, signal handlers of signal-exit).
   * Not needed when the orphan guard watches the worker. @default true
   */
  cleanup?: boolean;
  /**
   * `fds` only: the worker's frames come over a local socket read in place (see
   * frame-socket.ts) instead of a pipe that Node reads into 64 KiB chunks. The number is how many
   * bytes precede the first frame (the handshake byte). @default undefined (a pipe)
   */
  framesInPlace?: number;
}

/**
 * Starts `argv` with the stdio layout of `options.protocol`. Resolves once the process runs;
 * rejects with the OS error (ENOENT, EACCES, …) when it cannot start.
 * This is the only place execa is used.
 */
export async function spawnWorker(argv: readonly string[], options: SpawnOptions): Promise<SpawnedProcess> {
  const [file, ...args] = argv;
  // Imported when first needed: execa is ESM-only, and the CJS build must load on Node 18,
  // where require() of an ES module fails (import() works from CommonJS everywhere).
  const fds = options.protocol === 'fds';
  const [{ execa }, frameSocket] = await Promise.all([import('execa'), fds && options.framesInPlace !== undefined ? frameSocketPair(options.framesInPlace) : undefined]);
  const child = execa(file!, args, {
    // A descriptor number is handed to child_process as it is (execa's typings omit numbers past fd 2).
    stdio: fds ? ['ignore', 'pipe', 'pipe', (frameSocket?.childFd ?? 'pipe') as 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe', 'ignore', 'ignore'],
    buffer: false,
    reject: false,
    stripFinalNewline: false,
    cleanup: options.cleanup ?? true,
    cwd: options.cwd,
    // This process's environment as it is now, handed over as one object (cheaper for execa
    // than extending it; the same variables reach the worker).
    env: options.env ? { ...process.env, ...options.env } : process.env,
    extendEnv: false,
  });
  // The 'exit' event, not execa's promise: that one also waits for the stdio pipes to close,
  // which a grandchild that inherited them (a background job of remote code) can delay forever.
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  child.catch(() => undefined);
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
  } catch (error) {
    frameSocket?.local.destroy();
    throw error;
  } finally {
    frameSocket?.releaseChildEnd(); // the child has its own copy now
  }
  const streams = child.stdio as unknown as [Writable | null, Readable, Readable, Readable | null, Writable | null];
  const fromWorker = frameSocket?.local ?? (fds ? streams[3]! : streams[1]);
  const toWorker = fds ? streams[4]! : streams[0]!;
  const stdout = fds ? streams[1] : undefined;
  const handles = [fromWorker, toWorker, streams[2], stdout].filter(Boolean) as unknown as Array<{ ref?(): void; unref?(): void }>;
  return {
    pid: child.pid,
    stdout,
    stderr: streams[2],
    fromWorker,
    toWorker,
    kill: (signal) => {
      child.kill(signal);
    },
    exited,
    ref: () => {
      child.ref();
      for (const h of handles) h.ref?.();
    },
    unref: () => {
      child.unref();
      for (const h of handles) h.unref?.();
    },
  };
}
