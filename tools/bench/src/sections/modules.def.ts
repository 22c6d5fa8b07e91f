/**
 * Report definition of section `modules`. Measurement: `modules.ts`, three runs in fresh
 * processes (parts run1..run3), medians over the runs. No Python counterpart, no targets.
 */
import { median } from '../lib/measure.js';
import { num, ratioRow, type Row, type SectionData, type SectionDef, type SectionPart, vsPython } from '../lib/section.js';

const RUNS = ['run1', 'run2', 'run3'];

function med(ts: SectionData | undefined, key: string): number | undefined {
  const xs = RUNS.map((r) => num(ts, `${r}.${key}`)).filter((x): x is number => x !== undefined);
  return xs.length ? median(xs) : undefined;
}

function rows(ts: SectionData | undefined): Row[] {
  const m = (k: string): number | undefined => med(ts, k);
  return [
    vsPython('inline source remoteExec round trip (`channel.send(1)`)', 'ms', m('inline_ms'), undefined),
    vsPython('module, cold: first call in a fresh process (bundle + ship)', 'ms', m('cold_ms'), undefined),
    vsPython('module, warm: later call on the same gateway (cached in the worker)', 'ms', m('warm_ms'), undefined),
    vsPython('module, second gateway, first call (bundle cached in the master, shipped again)', 'ms', m('second_gateway_first_ms'), undefined),
    vsPython('module, second gateway, later call', 'ms', m('second_gateway_warm_ms'), undefined),
    vsPython('bytes sent, call that ships the bundle', 'bytes', m('cold_bytes'), undefined),
    vsPython('bytes sent, warm call', 'bytes', m('warm_bytes'), undefined),
    ratioRow('cold ÷ warm', m('cold_ms'), m('warm_ms')),
    ratioRow('second gateway first call ÷ warm', m('second_gateway_first_ms'), m('warm_ms')),
    ratioRow('warm module call ÷ inline source call', m('warm_ms'), m('inline_ms')),
  ];
}

function notes(ts: SectionData | undefined): string[] {
  const cold = RUNS.map((r) => num(ts, `${r}.cold_ms`) ?? '–').join(' / ');
  return [
    '`gw.remoteExec(new URL(task.ts), { n })` on popen gateways (default codec) of packages/transport-popen/test/fixtures/modules/task.ts, which imports msgpackr (npm) and a sibling file. Gateways are opened before and not timed; a call is timed from remoteExec to its one answer.',
    `Three runs, each in a fresh process (one cold call each); medians over the runs, and within a run the median of ${num(ts, 'run1.reps') ?? '?'} warm calls. Cold calls per run (ms): ${cold}.`,
    'No Python counterpart: Python execnet ships source strings, functions or modules by their source text, without dependencies.',
  ];
}

const PARTS: readonly SectionPart[] = RUNS.map((name) => ({ name }));

/** The `modules` section. */
export const modulesSection: SectionDef = {
  name: 'modules',
  title: 'remoteExec of a TypeScript module with an npm dependency: cold (bundle + ship), warm (cached), second gateway',
  parts: PARTS,
  rows,
  notes,
};
