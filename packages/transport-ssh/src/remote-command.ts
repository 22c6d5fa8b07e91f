import { randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { WorkerCommand } from '@execnet/core';

/** The worker command as run through a remote login shell, with what errors need to know. */
export interface RemoteCommand {
  /** The shell command line sent to the server. */
  readonly line: string;
  /** The command for messages, with the loader program abbreviated. */
  readonly display: string;
  /** The runtime executable the shell must find. */
  readonly executable: string;
  /** The spec key that names it (`node`, `bun`, `deno`, `python`). */
  readonly runtimeKey: string;
  /** Printed by the shell, before it becomes the worker, followed by its pid. */
  readonly marker: string;
}

/** The runtime used on a remote host when the spec names no path: found on the login shell's PATH. */
export function remoteDefaultExecutable(runtime: string): string {
  return runtime === 'python' ? 'python3' : runtime;
}

/**
 * Wraps the worker command for a POSIX login shell (bash, dash, zsh, ksh):
 * 1. `command -v` checks the runtime exists, else the shell exits 127 before printing anything,
 *    which the transport turns into RemoteCommandNotFound;
 * 2. the shell prints a marker line with its pid on stdout: whatever a noisy rc file printed
 *    before it is not mistaken for protocol bytes;
 * 3. `exec` replaces the shell with the worker (same pid), so signals and the parent watchdog
 *    reach the worker itself; the worker command moves the protocol to fds 3/4 (DESIGN §6).
 */
export function remoteWorkerCommand(worker: WorkerCommand, nonce = randomBytes(6).toString('hex')): RemoteCommand {
  const executable = worker.executable ?? remoteDefaultExecutable(worker.runtime);
  const marker = `execnet-ready-${nonce}`;
  const line = `command -v ${shellQuote(executable)} >/dev/null 2>&1 || exit 127; printf '%s %s\\n' ${marker} "$$"; exec ${worker.shellCommand(
    remoteDefaultExecutable(worker.runtime),
  )}`;
  const display =
    worker.runtime === 'python' ? `${executable} -c <execnet bootstrap>` : [executable, ...worker.args.slice(0, -1), '<execnet loader>'].join(' ');
  return { line, display, executable, runtimeKey: worker.runtime, marker };
}

/** Quotes one word for a POSIX shell. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Bytes kept while looking for the marker; earlier ones are passed on as noise. */
const SCAN_LIMIT = 64 * 1024;

/**
 * The worker's stdout as core reads it: everything up to and including the marker line is
 * taken out (what came before it goes to `onNoise`: output of the remote rc files), the rest
 * passes through untouched. Emits `marker` with the pid from the marker line.
 */
export class MarkerFilter extends Transform {
  private readonly needle: Buffer;
  private pending: Buffer | undefined = Buffer.alloc(0);

  constructor(
    marker: string,
    private readonly onNoise: (noise: Buffer) => void,
  ) {
    super({ readableHighWaterMark: 256 * 1024, writableHighWaterMark: 256 * 1024 });
    this.needle = Buffer.from(`${marker} `);
  }

  /** True once the marker went by. */
  get started(): boolean {
    return this.pending === undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.pending === undefined) return callback(null, chunk);
    let pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const start = pending.indexOf(this.needle);
    const newline = start >= 0 ? pending.indexOf(0x0a, start) : -1;
    if (newline < 0) {
      if (start < 0 && pending.length > SCAN_LIMIT) {
        this.onNoise(pending.subarray(0, pending.length - this.needle.length));
        pending = Buffer.from(pending.subarray(pending.length - this.needle.length));
      }
      this.pending = pending;
      return callback();
    }
    this.pending = undefined;
    if (start > 0) this.onNoise(pending.subarray(0, start));
    this.emit('marker', Number(pending.subarray(start + this.needle.length, newline).toString('latin1')));
    const rest = pending.subarray(newline + 1);
    callback(null, rest.length ? rest : undefined);
  }

  override _flush(callback: TransformCallback): void {
    if (this.pending?.length) this.onNoise(this.pending);
    callback();
  }
}
