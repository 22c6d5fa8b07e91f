/**
 * Section `rsync` (TypeScript side): runs the rsync package's own benchmark,
 * packages/rsync/bench/rsync-bench.ts, in a child process and returns its JSON. That script
 * times, on the standard tree of the baseline benchmarks (2,004 files, about 207 MB; made by the
 * baseline's `py_execnet_bench.py --make-tree` when that file exists, else by its own TypeScript
 * mirror of make_tree), each tool into its own destination, steps interleaved, medians of the
 * repetitions (5): full copy, no-change resync, touch 1% (utime only), modify 1% (same sizes).
 * Tools: `ts-js` (our RSync to a Node popen worker), `ts-py` (our RSync to a Python execnet
 * popen worker), `rsync` (`rsync -a SRC/ DST/`), `execnet` (Python execnet's RSync over popen).
 * Every copy is verified against the source at the end (the script fails otherwise).
 *
 * Run alone: node --import tsx --conditions=@execnet/source tools/bench/src/sections/rsync.ts [--quick]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runSectionMain } from '../lib/child.js';
import { log } from '../lib/measure.js';
import { type Check, type MeasureOptions, type SectionData } from '../lib/section.js';
import { REPO_ROOT } from '../lib/spawn.js';
import { packageDir, usingSources } from '../lib/workspace.js';

/**
 * Tools to run (rsync-bench.ts `--tools`), all four by default; EXECNET_BENCH_RSYNC_TOOLS picks
 * others (e.g. `ts-js,rsync` for a quicker run).
 */
const TOOLS = process.env.EXECNET_BENCH_RSYNC_TOOLS ?? 'ts-js,ts-py,rsync,execnet';
/** Seconds before rsync-bench.ts and everything it started are killed (below the harness's 600). */
const TIMEOUT_S = Number(process.env.EXECNET_BENCH_RSYNC_TIMEOUT ?? 540) || 540;

/** Where the tree and the copies go (about 1 GB while running; the copies are removed). */
const WORKDIR = process.env.EXECNET_BENCH_RSYNC_WORKDIR ?? path.join(os.tmpdir(), 'execnet_bench_rsync');

/** Measure the rsync section; see the file header. */
export async function measureRsync({ quick }: MeasureOptions): Promise<SectionData> {
  const script = path.join(packageDir('rsync'), 'bench', 'rsync-bench.ts');
  if (!existsSync(script)) throw new Error(`missing ${path.relative(REPO_ROOT, script)}`);
  // Five: the first repetition of a run is often slow for every tool (disk state), and a median
  // of three then rests on two.
  const reps = quick ? 1 : 5;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'execnet-bench-rsync-'));
  const jsonOut = path.join(tmp, 'rsync.json');
  const args = ['--import', 'tsx', ...(usingSources() ? ['--conditions=@execnet/source'] : []), script, '--reps', String(reps), '--tools', TOOLS, '--workdir', WORKDIR, '--json', jsonOut];
  log(`[bench] rsync: ${path.relative(REPO_ROOT, script)} --reps ${reps} --workdir ${WORKDIR} ...`);
  // Its own process group, so that a hang can be ended with its gateways' workers and the
  // Python server (a plain kill of the script would leave them behind).
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  const killGroup = (): void => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killGroup);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, TIMEOUT_S * 1000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => process.stderr.write(d)); // its table, as progress
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  });
  clearTimeout(timer);
  process.removeListener('exit', killGroup);
  if (timedOut) throw new Error(`rsync-bench.ts (--tools ${TOOLS}) still running after ${TIMEOUT_S} s: killed with its children`);
  if (code !== 0) throw new Error(`rsync-bench.ts exited with ${code}`);
  const data = JSON.parse(readFileSync(jsonOut, 'utf8')) as SectionData;
  rmSync(tmp, { recursive: true, force: true });
  delete data.times;
  const checks: Check[] = [{ name: 'every tool produced a copy identical to the source (verified by rsync-bench.ts)', ok: true }];
  return { ...data, tools: TOOLS, workdir: WORKDIR, tree_from: treeOrigin(), checks };
}

/**
 * Who made the tree: the baseline's make_tree (random.Random(12345).randbytes, so the first
 * file starts with these bytes) or rsync-bench.ts's own mirror (same layout and sizes).
 */
function treeOrigin(): string {
  try {
    const head = readFileSync(path.join(WORKDIR, 'src', 'd00', 'f000.bin')).subarray(0, 8).toString('hex');
    return head === '8799a76a3a4391bb' ? "the baseline's make_tree (py_execnet_bench.py --make-tree; same bytes)" : "rsync-bench.ts's TypeScript mirror of make_tree (same layout and sizes, other bytes)";
  } catch {
    return 'unknown';
  }
}

runSectionMain(measureRsync);
