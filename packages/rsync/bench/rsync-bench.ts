/**
 * RSync benchmark on the standard tree of the baseline benchmarks (2,004 files, 206.8 MB:
 * d00..d19/f000..f099.bin of 1 KiB..256 KiB plus big/big0..3.bin of 16 MiB).
 *
 * Tools, each into its own destination, steps interleaved (tool A, tool B, …) K times:
 * - `ts-js`: this package's RSync to a JavaScript popen worker;
 * - `ts-py`: this package's RSync to a Python popen worker (execnet's own rsync_remote);
 * - `rsync`: `rsync -a SRC/ DST/`;
 * - `execnet`: Python execnet's RSync to a popen gateway (bench/py_rsync_server.py).
 * Gateways are opened before and not timed. Steps: full copy into an empty directory, no-change
 * resync, resync after touching 1% (20 files, utime only), resync after rewriting 1% (20 files,
 * new content of the same size). New mtimes move by >= 2 s (rsync's quick check compares whole
 * seconds). `sync` before every timed step. Every copy is verified at the end.
 *
 * Run by hand:
 *   node --import tsx --conditions=@execnet/source packages/rsync/bench/rsync-bench.ts [--reps 3]
 *     [--workdir /tmp/execnet_bench] [--tools ts-js,ts-py,rsync,execnet] [--json out.json]
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { makeGateway, registerTransport, type Gateway } from '@execnet/core';
import { popenTransport } from '@execnet/transport-popen';
import { RSync } from '@execnet/rsync';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback;
};
const REPS = Number(option('reps', '3'));
const WORKDIR = resolve(option('workdir', '/tmp/execnet_bench'));
const TOOLS = option('tools', 'ts-js,ts-py,rsync,execnet').split(',');
const JSON_OUT = option('json', '');
const PYTHON = process.env.EXECNET_PYTHON ?? '/usr/bin/python3';

// The standard tree (py_execnet_bench.py make_tree).
const TREE_DIRS = 20;
const FILES_PER_DIR = 100;
const SIZES = [1024, 4096, 16384, 65536, 262144];
const BIG = 4;
const BIG_SIZE = 16 * 1024 * 1024;
const TOUCH_SET = Array.from({ length: 20 }, (_, k) => 7 + 101 * k);
const MODIFY_SET = Array.from({ length: 20 }, (_, k) => 51 + 97 * k);
const treeFile = (root: string, j: number) =>
  join(root, `d${String(Math.floor(j / FILES_PER_DIR)).padStart(2, '0')}`, `f${String(j % FILES_PER_DIR).padStart(3, '0')}.bin`);

/** Pseudo-random bytes from a seed (xorshift32): incompressible enough, and fast. */
function randomBytes(seed: number, size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let x = seed | 1;
  for (let i = 0; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf.writeInt32LE(x, i);
  }
  return buf;
}

/** The standard tree: made by the baseline script when it is there (same bytes), else here. */
function makeTree(root: string): void {
  const marker = `${root}.tree-ok-${TREE_DIRS}-${BIG}`;
  if (existsSync(marker)) return;
  const script = resolve(here, '../../../../shared/reference/baseline-bench/py_execnet_bench.py');
  if (existsSync(script) && spawnSync(PYTHON, [script, '--make-tree', root], { stdio: 'inherit' }).status === 0) return;
  rmSync(root, { recursive: true, force: true });
  for (let d = 0; d < TREE_DIRS; d++) {
    mkdirSync(join(root, `d${String(d).padStart(2, '0')}`), { recursive: true });
    for (let f = 0; f < FILES_PER_DIR; f++) {
      const j = d * FILES_PER_DIR + f;
      writeFileSync(treeFile(root, j), randomBytes(j + 1, SIZES[j % 5] as number));
    }
  }
  mkdirSync(join(root, 'big'));
  for (let b = 0; b < BIG; b++) writeFileSync(join(root, 'big', `big${b}.bin`), randomBytes(100_000 + b, BIG_SIZE));
  writeFileSync(marker, '');
}

function treeStats(root: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    files++;
    bytes += statSync(join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name)).size;
  }
  return { files, bytes };
}

function treeDigest(root: string): string {
  const hash = createHash('md5');
  const files = (readdirSync(root, { recursive: true }) as string[]).filter((p) => statSync(join(root, p)).isFile()).sort();
  for (const rel of files) {
    hash.update(rel);
    hash.update(readFileSync(join(root, rel)));
  }
  return hash.digest('hex');
}

function bumpMtime(path: string, oldMs: number): void {
  const t = Math.max(Date.now(), oldMs + 2000) / 1000;
  utimesSync(path, t, t);
}

function touch(root: string): void {
  for (const j of TOUCH_SET) bumpMtime(treeFile(root, j), statSync(treeFile(root, j)).mtimeMs);
}

function modify(root: string, seed: number): void {
  for (const j of MODIFY_SET) {
    const p = treeFile(root, j);
    const st = statSync(p);
    writeFileSync(p, randomBytes(seed * 7919 + j, st.size));
    bumpMtime(p, st.mtimeMs);
  }
}

/** Flushes dirty pages before a timed step (as the baseline does); says so when that takes long. */
function syncDisks(): void {
  const t0 = performance.now();
  spawnSync('sync', { timeout: 120_000 });
  const ms = performance.now() - t0;
  if (ms > 2000) process.stderr.write(`sync took ${(ms / 1000).toFixed(1)} s: other I/O on this machine\n`);
}

/** Python execnet's RSync, in a Python process that keeps its gateway open. */
async function startExecnet(): Promise<{ step(src: string, dst: string): Promise<number>; close(): void }> {
  const child = spawn(PYTHON, [join(here, 'py_rsync_server.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => String((await lines.next()).value);
  if ((await next()) !== 'ready') throw new Error('py_rsync_server.py did not start');
  return {
    async step(src, dst) {
      child.stdin.write(`${src} ${dst}\n`);
      return Number(await next());
    },
    close() {
      child.stdin.end();
    },
  };
}

type Step = 'full_s' | 'nochange_s' | 'touch1pct_s' | 'modify1pct_s';
const STEPS: Step[] = ['full_s', 'nochange_s', 'touch1pct_s', 'modify1pct_s'];

async function main(): Promise<void> {
  registerTransport(popenTransport());
  const src = join(WORKDIR, 'src');
  mkdirSync(WORKDIR, { recursive: true });
  makeTree(src);
  const stats = treeStats(src);
  treeDigest(src); // warm the page cache for every tool alike
  const gateways: Gateway[] = [];
  const runners: Record<string, (dst: string) => Promise<number>> = {};
  let execnet: Awaited<ReturnType<typeof startExecnet>> | undefined;
  for (const tool of TOOLS) {
    if (tool === 'ts-js' || tool === 'ts-py') {
      const gw = await makeGateway(tool === 'ts-js' ? 'popen' : `popen//python=${PYTHON}`);
      gateways.push(gw);
      runners[tool] = async (dst) => {
        const t0 = performance.now();
        await new RSync(src, { verbose: false }).addTarget(gw, dst).send();
        return (performance.now() - t0) / 1000;
      };
    } else if (tool === 'rsync') {
      runners[tool] = async (dst) => {
        const t0 = performance.now();
        const r = spawnSync('rsync', ['-a', `${src}/`, `${dst}/`]);
        if (r.status !== 0) throw new Error(`rsync failed: ${r.stderr}`);
        return (performance.now() - t0) / 1000;
      };
    } else if (tool === 'execnet') {
      execnet = await startExecnet();
      const ex = execnet;
      runners[tool] = (dst) => ex.step(src, dst);
    } else {
      throw new Error(`unknown tool ${tool}`);
    }
  }
  const dst = (tool: string) => join(WORKDIR, `dst_${tool}`);
  const times: Record<string, Record<Step, number[]>> = {};
  for (const tool of TOOLS) {
    rmSync(dst(tool), { recursive: true, force: true });
    times[tool] = { full_s: [], nochange_s: [], touch1pct_s: [], modify1pct_s: [] };
  }
  const timed = async (tool: string, step: Step) => {
    syncDisks();
    const seconds = await (runners[tool] as (d: string) => Promise<number>)(dst(tool));
    (times[tool] as Record<Step, number[]>)[step].push(seconds);
    process.stderr.write(`${step} ${tool} ${seconds.toFixed(4)}\n`);
  };
  for (let rep = 0; rep < REPS; rep++) {
    for (const tool of TOOLS) {
      rmSync(dst(tool), { recursive: true, force: true });
      await timed(tool, 'full_s');
    }
  }
  for (let rep = 0; rep < REPS; rep++) for (const tool of TOOLS) await timed(tool, 'nochange_s');
  for (let rep = 0; rep < REPS; rep++) {
    touch(src);
    for (const tool of TOOLS) await timed(tool, 'touch1pct_s');
  }
  const seed = Math.floor(Date.now() / 1000);
  for (let rep = 0; rep < REPS; rep++) {
    modify(src, seed + rep);
    for (const tool of TOOLS) await timed(tool, 'modify1pct_s');
  }
  const expected = treeDigest(src);
  for (const tool of TOOLS) {
    if (treeDigest(dst(tool)) !== expected) throw new Error(`${tool}: copy differs from the source`);
    rmSync(dst(tool), { recursive: true, force: true });
  }
  execnet?.close();
  await Promise.all(gateways.map((gw) => gw.terminate()));

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const result: Record<string, unknown> = { files: stats.files, bytes: stats.bytes, reps: REPS, node: process.version };
  for (const tool of TOOLS) {
    result[tool] = Object.fromEntries(STEPS.map((s) => [s, Number(median((times[tool] as Record<Step, number[]>)[s]).toFixed(4))]));
  }
  const med = (tool: string, step: Step) => (result[tool] as Record<Step, number>)[step];
  const lines = [
    `RSync, standard tree: ${stats.files} files, ${(stats.bytes / 1e6).toFixed(1)} MB; median of ${REPS}, seconds`,
    '',
    `| step | ${TOOLS.join(' | ')} |${TOOLS.includes('rsync') ? ' ts-js / rsync |' : ''}${TOOLS.includes('execnet') ? ' ts-js / execnet |' : ''}`,
    `|---|${TOOLS.map(() => '--:').join('|')}|${TOOLS.includes('rsync') ? '--:|' : ''}${TOOLS.includes('execnet') ? '--:|' : ''}`,
  ];
  for (const step of STEPS) {
    const cells = TOOLS.map((t) => med(t, step).toFixed(4));
    const ratios: string[] = [];
    if (TOOLS.includes('ts-js') && TOOLS.includes('rsync')) ratios.push(`${(med('ts-js', step) / med('rsync', step)).toFixed(2)}x`);
    if (TOOLS.includes('ts-js') && TOOLS.includes('execnet')) ratios.push(`${(med('ts-js', step) / med('execnet', step)).toFixed(2)}x`);
    lines.push(`| ${step.replace('_s', '')} | ${cells.join(' | ')} |${ratios.map((r) => ` ${r} |`).join('')}`);
  }
  console.log(lines.join('\n'));
  if (JSON_OUT) writeFileSync(JSON_OUT, `${JSON.stringify({ ...result, times }, null, 2)}\n`);
}

await main();
