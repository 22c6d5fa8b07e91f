import { execa } from 'execa';
import type { Readable, Writable } from 'node:stream';

/** A started local process with the five stdio slots the worker protocol uses. */
export interface SpawnedProcess {
  readonly pid: number | undefined;
  /** fd 1 and 2 of the worker: its own output. */
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** fd 3: frames from the worker; fd 4: frames to the worker. */
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
  cwd?: string;
  env?: Record<string, string | undefined>;
}

/**
 * Starts `argv` with stdin ignored, stdout/stderr and fds 3/4 as pipes. Resolves once the
 * process runs; rejects with the OS error (ENOENT, EACCES, …) when it cannot start.
 * This is the only place execa is used.
 */
export async function spawnWorker(argv: readonly string[], options: SpawnOptions): Promise<SpawnedProcess> {
  const [file, ...args] = argv;
  const child = execa(file!, args, {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
    buffer: false,
    reject: false,
    stripFinalNewline: false,
    cleanup: true,
    cwd: options.cwd,
    env: options.env,
    extendEnv: true,
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const exited = child.then(
    (result) => ({ code: result.exitCode ?? null, signal: result.signal ?? null }),
    () => ({ code: null, signal: null }),
  );
  const streams = child.stdio as unknown as [null, Readable, Readable, Readable, Writable];
  const handles = [streams[1], streams[2], streams[3], streams[4]] as unknown as Array<{ ref?(): void; unref?(): void }>;
  return {
    pid: child.pid,
    stdout: streams[1],
    stderr: streams[2],
    fromWorker: streams[3],
    toWorker: streams[4],
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
