/**
 * Report definition of section `python`. Measurement: `python.ts` (TypeScript master) and
 * `sec_python` in `python/py_bench.py` (Python execnet master), both driving a Python execnet
 * worker over popen. No targets.
 */
import { num, type Row, type SectionData, type SectionDef, vsPython } from '../lib/section.js';

const KINDS = [
  ['int', 'int i'],
  ['str', "str 'item-%d' % i"],
  ['dict', "dict {'id': i, 'name': 'x'}"],
] as const;

function rows(ts: SectionData | undefined, py: SectionData | undefined): Row[] {
  const t = (k: string): number | undefined => num(ts, k);
  const p = (k: string): number | undefined => num(py, k);
  const out: Row[] = [vsPython('round trip, small int echo', 'µs', t('rtt.us_per_roundtrip'), p('rtt.us_per_roundtrip'))];
  for (const [dir, label] of [
    ['r2l', 'worker→master'],
    ['l2r', 'master→worker'],
  ] as const) {
    for (const [kind, kindLabel] of KINDS) {
      out.push(vsPython(`${label} ${kindLabel}`, 'items/s', t(`small_${dir}.${kind}_items_per_s`), p(`small_${dir}.${kind}_items_per_s`)));
    }
  }
  return out;
}

function notes(ts: SectionData | undefined): string[] {
  return [
    'TS column: a TypeScript master with `makeGateway("popen//python=/usr/bin/python3")`, remote code as Python source. Python column: a Python execnet 1.9 master (`makegateway("popen")`, same interpreter). The worker is Python execnet 1.9 on both sides, so the ratios (TS master ÷ Python master) compare the masters; for round trips lower is better, for items/s higher is better.',
    `Round trip: 200 warm-up + 3 x ${num(ts, 'rtt_n') ?? '?'}, median. Small items: N = ${num(ts, 'n') ?? '?'} per kind, definitions of the \`small\` section (a new channel per kind, on one gateway).`,
  ];
}

/** The `python` section. */
export const pythonSection: SectionDef = {
  name: 'python',
  title: 'a Python execnet worker driven by a TypeScript master vs by a Python execnet master: round trip, small items both ways',
  python: 'python',
  rows,
  notes,
};
