import { after } from 'node:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerTransport } from '@execnet/core';
import { popenTransport } from '@execnet/transport-popen';

registerTransport(popenTransport());

/** True in CI, where the Python and rsync tests must run instead of skipping. */
export const IN_CI = process.env.CI === 'true';

/** The interpreter whose execnet the Python tests use (Debian's python3-execnet in CI). */
export const PYTHON = '/usr/bin/python3';

/**
 * `undefined` when `check` holds; otherwise the reason to skip, or (in CI) an error: there the
 * tests must run.
 */
export function needs(check: () => boolean, reason: string): string | undefined {
  if (check()) return undefined;
  if (IN_CI) throw new Error(`${reason}: required in CI`);
  return reason;
}

/** Skip reason for tests with Python workers. */
export const skipPython = (): string | undefined =>
  needs(() => spawnSync(PYTHON, ['-c', 'import execnet.rsync_remote'], { stdio: 'ignore' }).status === 0, `${PYTHON} cannot import execnet`);

/** Skip reason for tests comparing with the real rsync. */
export const skipRsync = (): string | undefined => needs(() => spawnSync('rsync', ['--version'], { stdio: 'ignore' }).status === 0, 'rsync is not installed');

/** Worker kinds the reference tests run against. */
export type WorkerKind = 'js' | 'python';

/** The gateway spec of a worker kind. */
export function specFor(kind: WorkerKind, id?: string): string {
  const base = kind === 'js' ? 'popen' : `popen//python=${PYTHON}`;
  return id ? `${base}//id=${id}` : base;
}

/** Gateways opened by a pool (`popen` unless told otherwise) end in `after` of their suite. */
export { gatewayPool } from '@execnet/testkit';

/** A fresh temporary directory, removed in `after` of the current suite or file. */
export function tempDir(prefix = 'execnet-rsync-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs `rsync -a --dry-run --itemize-changes --checksum SRC/ DST/` and returns its lines. */
export function rsyncDifferences(src: string, dst: string): string[] {
  const result = spawnSync('rsync', ['-a', '--dry-run', '--itemize-changes', '--checksum', `${src}/`, `${dst}/`], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`rsync failed (${result.status}): ${result.stderr}`);
  return result.stdout.split('\n').filter((line) => line.trim() !== '');
}

/**
 * Captures the text written to stdout and stderr while `fn` runs (and swallows it). Binary
 * writes pass through: node's test runner reports to its parent over stdout that way.
 */
export async function captureOutput<T>(fn: () => Promise<T>): Promise<{ result: T; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const writeOut = process.stdout.write;
  const writeErr = process.stderr.write;
  const capture = (into: string[], original: typeof process.stdout.write, stream: NodeJS.WriteStream) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (typeof chunk !== 'string') return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
      into.push(chunk);
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = capture(out, writeOut, process.stdout);
  process.stderr.write = capture(err, writeErr, process.stderr);
  try {
    const result = await fn();
    return { result, out: out.join(''), err: err.join('') };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
}
