/**
 * A small distributed test runner in the spirit of pytest-xdist: spreads node:test files over a
 * group of gateways, load-balanced (each worker takes the next file when it is free), streams
 * every test result back over the workers' channels as it happens, and re-runs the files of a
 * worker that dies on another one.
 *
 *   node --import tsx --conditions=@execnet/source examples/xdist.ts [-n 3] [FILE|DIR ...]
 *
 * Without files it runs this repository's serializer tests. Options: `-n N` workers (popen),
 * `--spec SPEC` (repeatable) for other gateways, e.g. `ssh=host//chdir=/same/checkout`,
 * `--crash ID` makes that worker die during its first file (to watch the re-run).
 * Workers run the files with this process's Node flags (`--import tsx …`) in `--cwd`.
 * Exits 1 if a test failed.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Group, isExecnetError, type Channel, type Gateway } from 'execnet';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    workers: { type: 'string', short: 'n', default: '3' },
    spec: { type: 'string', multiple: true },
    crash: { type: 'string' },
    cwd: { type: 'string', default: root },
  },
});
const cwd = resolve(options.cwd!);
const files = findTestFiles(positionals.length ? positionals : [join(root, 'packages/serializer/test')]).map((f) => relative(cwd, f));
const specs = options.spec ?? Array.from({ length: Number(options.workers) }, (_, i) => `popen//id=w${i}`);

// ---- the worker side: a function shipped to each gateway ---------------------------------

/** What a worker sends back: a test result as it happens, and one summary per file. */
type Report =
  | ['test', string, { status: 'pass' | 'fail' | 'skip' | 'todo'; name: string; nesting: number; ms: number; error?: string }]
  | ['file', string, { exitCode: number | null; ms: number; stderr: string }];

/**
 * A custom node:test reporter (run inside each `node --test` child) that prints one JSON line
 * per finished test; passed to the child as a data: URL, so nothing is installed remotely.
 */
const REPORTER = `
export default async function* (source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { name, nesting, skip, todo, details } = event.data;
    if (details.type === 'suite') continue;
    const error = details.error ? String(details.error.cause ?? details.error).split('\\n')[0] : undefined;
    const status = skip !== undefined ? 'skip' : todo !== undefined ? 'todo' : event.type === 'test:pass' ? 'pass' : 'fail';
    yield JSON.stringify({ status, name, nesting, ms: details.duration_ms, error }) + '\\n';
  }
}`;

async function testWorker(channel: Channel, kwargs: { execArgv: string[]; reporter: string; cwd: string; crash: boolean }): Promise<void> {
  const { spawn } = await import('node:child_process');
  const { createInterface } = await import('node:readline');
  const reporterUrl = `data:text/javascript;base64,${Buffer.from(kwargs.reporter).toString('base64')}`;
  for (let file = await channel.receive(); file !== null; file = await channel.receive()) {
    const started = Date.now();
    const child = spawn(process.execPath, [...kwargs.execArgv, '--test', `--test-reporter=${reporterUrl}`, String(file)], {
      cwd: kwargs.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // --crash: this worker's host "dies", with everything running on it.
    if (kwargs.crash) setTimeout(() => (child.kill('SIGKILL'), process.exit(13)), 200);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    // Each result goes back as soon as the child reports it.
    for await (const line of createInterface({ input: child.stdout })) {
      if (line.startsWith('{')) await channel.send(['test', file, JSON.parse(line)]);
    }
    await channel.send(['file', file, { exitCode: await exited, ms: Date.now() - started, stderr }]);
  }
}

// ---- the master side: scheduling, re-runs, reporting ---------------------------------------

/** Hands out files to free workers; knows which files are running where. */
class Scheduler {
  private readonly pending: string[];
  private readonly running = new Map<string, string>();
  private readonly waiters: Array<(file: string | undefined) => void> = [];
  constructor(files: string[]) {
    this.pending = [...files];
  }
  /** The next file for `worker`; undefined when every file is done. Waits while others still run files that may come back. */
  next(worker: string): Promise<string | undefined> {
    const file = this.pending.shift();
    if (file !== undefined) {
      this.running.set(file, worker);
      return Promise.resolve(file);
    }
    if (this.running.size === 0) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push((f) => (f !== undefined && this.running.set(f, worker), resolve(f))));
  }
  done(file: string): void {
    this.running.delete(file);
    if (this.running.size === 0 && this.pending.length === 0) for (const wake of this.waiters.splice(0)) wake(undefined);
  }
  /** A worker died: its file goes back, to the first idle worker if there is one. */
  requeue(file: string): void {
    this.running.delete(file);
    const wake = this.waiters.shift();
    if (wake) wake(file);
    else this.pending.unshift(file);
  }
  get leftover(): string[] {
    return [...this.pending, ...this.running.keys()];
  }
}

const totals = { pass: 0, fail: 0, skip: 0, todo: 0, files: 0, failedFiles: [] as string[], reruns: [] as string[] };
const started = Date.now();
const group = await Group.create(specs);
console.log(`xdist: ${files.length} files on ${group.size} workers (${[...group].map((gw) => gw.id).join(', ')})`);
const scheduler = new Scheduler(files);

async function drive(gw: Gateway): Promise<void> {
  const channel = gw.remoteExec(testWorker, {
    execArgv: process.execArgv,
    reporter: REPORTER,
    cwd,
    crash: gw.id === options.crash,
  });
  for (let file = await scheduler.next(gw.id); file !== undefined; file = await scheduler.next(gw.id)) {
    try {
      await channel.send(file);
      await collect(gw.id, channel, file);
      scheduler.done(file);
    } catch (error) {
      if (!isExecnetError(error) || error.code !== 'ERR_EXECNET_GATEWAY_CLOSED') throw error;
      console.log(`[${gw.id}] worker lost while running ${file}; re-running it on another worker`);
      totals.reruns.push(file);
      scheduler.requeue(file);
      return;
    }
  }
  await channel.send(null);
  await channel.waitClose();
}

/** Prints a file's results as they stream in, until its summary arrives. */
async function collect(worker: string, channel: Channel, file: string): Promise<void> {
  const failures: string[] = [];
  const counts = { pass: 0, fail: 0, skip: 0, todo: 0 };
  for (;;) {
    const report = (await channel.receive()) as Report;
    if (report[0] === 'test') {
      const result = report[2];
      counts[result.status]++;
      if (result.status === 'fail') failures.push(`  ✗ ${result.name}: ${result.error ?? 'failed'}`);
      continue;
    }
    const { exitCode, ms, stderr } = report[2];
    const ok = exitCode === 0 && counts.fail === 0;
    const tests = counts.pass + counts.fail + counts.skip + counts.todo;
    console.log(`[${worker}] ${ok ? 'PASS' : 'FAIL'} ${file} (${tests} tests, ${(ms / 1000).toFixed(1)} s)`);
    for (const line of failures) console.log(line);
    if (!ok && failures.length === 0) console.log(`  exit code ${exitCode}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    for (const key of ['pass', 'fail', 'skip', 'todo'] as const) totals[key] += counts[key];
    totals.files++;
    if (!ok) totals.failedFiles.push(file);
    return;
  }
}

try {
  await Promise.all([...group].map((gw) => drive(gw)));
} finally {
  await group.terminate({ timeout: 2000 });
}
const lost = scheduler.leftover;
const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(
  `xdist: ${totals.files} files, ${totals.pass} passed, ${totals.fail} failed, ${totals.skip} skipped, ${totals.todo} todo` +
    ` in ${seconds} s${totals.reruns.length ? `; re-ran ${totals.reruns.length} file(s) of lost workers` : ''}`,
);
if (lost.length) console.log(`xdist: no worker left for ${lost.join(', ')}`);
process.exitCode = totals.failedFiles.length || lost.length ? 1 : 0;

function findTestFiles(paths: string[]): string[] {
  return paths.flatMap((path) => {
    const full = resolve(path);
    if (!statSync(full).isDirectory()) return [full];
    return readdirSync(full)
      .filter((name) => /\.test\.(ts|mts|js|mjs)$/.test(name))
      .sort()
      .map((name) => join(full, name));
  });
}
