/**
 * Runs one measurement in a child process and collects the JSON object it prints.
 * stderr (progress) is passed through; stdout must hold exactly one JSON object.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type SectionData } from './section.js';

/** Root of the repository (three levels above `tools/bench/src/lib`). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Directory of this package, `tools/bench`. */
export const BENCH_DIR = path.join(REPO_ROOT, 'tools', 'bench');

/** Outcome of a child run: its JSON, or why there is none. */
export type ChildResult =
  | { ok: true; data: SectionData }
  | { ok: false; error: string; exitCode?: number | null };

/** Seconds a section child may run before it is killed (`EXECNET_BENCH_TIMEOUT`, default 600). */
const CHILD_TIMEOUT_S = Number(process.env.EXECNET_BENCH_TIMEOUT ?? 600) || 600;

/**
 * Spawn `cmd args` in the repo root and parse its stdout as one JSON object. A child still
 * running after {@link CHILD_TIMEOUT_S} seconds is killed (SIGKILL) and reported as failed,
 * so one hanging measurement does not stop the whole run.
 */
export function runJsonChild(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: env ?? process.env });
    const chunks: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, CHILD_TIMEOUT_S * 1000);
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, error: `cannot start ${cmd}: ${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (timedOut) {
        resolve({ ok: false, error: `${path.basename(cmd)} ${args.slice(-3).join(' ')} still running after ${CHILD_TIMEOUT_S} s: killed`, exitCode: code });
        return;
      }
      if (code !== 0) {
        resolve({ ok: false, error: `${path.basename(cmd)} exited with ${signal ?? code}`, exitCode: code });
        return;
      }
      try {
        const data: unknown = JSON.parse(text);
        if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new Error('not a JSON object');
        resolve({ ok: true, data: data as SectionData });
      } catch (err) {
        resolve({ ok: false, error: `unparsable output (${(err as Error).message}): ${text.slice(0, 200)}` });
      }
    });
  });
}

/**
 * Run the TypeScript side of a section: `node --import tsx --conditions=@execnet/source
 * tools/bench/src/sections/<name>.ts [--quick] [--part <part>]`, in a fresh process with
 * its own heap. With `dist`, the `@execnet/source` condition is left out, so the workspace
 * packages load from their built `dist/` (run `pnpm build` first); only the bench scripts go
 * through tsx.
 */
export async function runTsSection(name: string, quick: boolean, dist = false, part?: string, env?: Record<string, string>): Promise<ChildResult> {
  const script = path.join(BENCH_DIR, 'src', 'sections', `${name}.ts`);
  if (!existsSync(script)) return { ok: false, error: `missing ${path.relative(REPO_ROOT, script)}` };
  const args = ['--import', 'tsx', ...(dist ? [] : ['--conditions=@execnet/source']), script];
  if (quick) args.push('--quick');
  if (part !== undefined) args.push('--part', part);
  const res = await runJsonChild(process.execPath, args, env ? { ...process.env, ...env } : undefined);
  return !res.ok && dist ? { ...res, error: `${res.error} (--dist needs the packages built: pnpm build)` } : res;
}

/** Exit status with which `py_bench.py` says Python execnet cannot be imported. */
const PY_NO_EXECNET = 3;

/**
 * Run the Python execnet side of a section: `python/py_bench.py --section <name>` with
 * `$EXECNET_BENCH_PYTHON` (default `/usr/bin/python3`, the interpreter that has execnet).
 * Resolves `{ ok: false }` with the reason when Python or execnet is unavailable.
 */
export async function runPySection(name: string, quick: boolean, env?: Record<string, string>): Promise<ChildResult> {
  const python = process.env.EXECNET_BENCH_PYTHON ?? '/usr/bin/python3';
  if (!existsSync(python)) return { ok: false, error: `${python} not found (set EXECNET_BENCH_PYTHON)` };
  const script = path.join(BENCH_DIR, 'python', 'py_bench.py');
  const args = [script, '--section', name];
  if (quick) args.push('--quick');
  const res = await runJsonChild(python, args, env ? { ...process.env, ...env } : undefined);
  if (!res.ok && res.exitCode === PY_NO_EXECNET) {
    return { ok: false, error: `execnet is not importable by ${python} (apt-get install python3-execnet)` };
  }
  return res;
}
