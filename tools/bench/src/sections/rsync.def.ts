/**
 * Report definition of section `rsync`. Measurement: `rsync.ts`, which runs
 * packages/rsync/bench/rsync-bench.ts. Targets from the rsync issue: full copy ≤ 1.0x
 * `rsync -a`, no-change resync ≤ 0.5x `rsync -a`, 1% touched ≤ Python execnet's RSync.
 * The Python column is Python execnet's RSync, measured by the same script in the same run.
 */
import { atMostX, num, ratioRow, type Row, type SectionData, type SectionDef, type Target, vsPython } from '../lib/section.js';

const STEPS: ReadonlyArray<readonly [string, string, Target | undefined, Target | undefined]> = [
  ['full_s', 'full copy into an empty directory', atMostX(1.0), undefined],
  ['nochange_s', 'no-change resync', atMostX(0.5), undefined],
  ['touch1pct_s', 'resync after touching 1% (20 files, utime only)', undefined, atMostX(1.0)],
  ['modify1pct_s', 'resync after rewriting 1% (20 files, same sizes)', undefined, undefined],
];

function rows(ts: SectionData | undefined): Row[] {
  const t = (k: string): number | undefined => num(ts, k);
  const out: Row[] = [];
  const withPyWorker = ts?.['ts-py'] !== undefined;
  for (const [step, label, vsRsync, vsExecnet] of STEPS) {
    out.push(vsPython(`${label}: our RSync (Node worker) vs Python execnet RSync`, 's', t(`ts-js.${step}`), t(`execnet.${step}`), vsExecnet));
    if (withPyWorker) out.push(vsPython(`${label}: our RSync to a Python worker vs Python execnet RSync`, 's', t(`ts-py.${step}`), t(`execnet.${step}`)));
    out.push(
      vsPython(`${label}: rsync -a`, 's', t(`rsync.${step}`), undefined),
      ratioRow(`${label}: our RSync (Node worker) ÷ rsync -a`, t(`ts-js.${step}`), t(`rsync.${step}`), vsRsync),
    );
  }
  return out;
}

function notes(ts: SectionData | undefined): string[] {
  const mb = num(ts, 'bytes');
  return [
    `Standard tree of the baseline benchmarks: ${num(ts, 'files') ?? '?'} files, ${mb === undefined ? '?' : (mb / 1e6).toFixed(1)} MB, made by ${String(ts?.tree_from ?? '?')} and kept between runs (the modify step rewrites 20 files with new bytes of the same sizes), local disk (${String(ts?.workdir ?? '?')}); popen gateways opened before and not timed; \`sync\` before every timed step; tools interleaved; median of ${num(ts, 'reps') ?? '?'} repetitions, seconds. New mtimes move by ≥ 2 s (rsync's quick check compares whole seconds).`,
    `Tools: ${String(ts?.tools ?? '?')} (EXECNET_BENCH_RSYNC_TOOLS). \`ts-py\` is our RSync to a Python execnet worker (execnet's own rsync_remote).`,
    'Measured by packages/rsync/bench/rsync-bench.ts (run as a child by this section): TS column = our RSync to a Node worker (or a Python execnet worker), Python column = Python execnet 1.9 RSync (bench/py_rsync_server.py), and `rsync -a SRC/ DST/`, all in the same run. Ratios: TS ÷ Python execnet, or ÷ rsync -a where the figure says so.',
  ];
}

/** The `rsync` section. */
export const rsyncSection: SectionDef = {
  name: 'rsync',
  title: 'RSync of the standard tree (full, no change, touch 1%, modify 1%): ours vs rsync -a vs Python execnet RSync',
  python: 'rsync', // versions only: the Python execnet figures come from the TS side's run
  rows,
  notes,
};
