/**
 * Report definition of section `small`. Measurement: `small.ts` (parts r2l/l2r per codec and
 * the framed-msgpackr prototype), `sec_small_r2l` / `sec_small_l2r` in `python/py_bench.py`.
 * Targets from the baseline RESULTS.md: ≥ 1 M ints/s and ≥ 0.8 M small dicts/s one way.
 */
import { atLeast, num, ratioRow, type Row, type SectionData, type SectionDef, type SectionPart, vsPython } from '../lib/section.js';

const KINDS = [
  ['int', 'int i', atLeast(1_000_000)],
  ['str', "str 'item-'+i", undefined],
  ['dict', "dict {id: i, name: 'x'}", atLeast(800_000)],
] as const;
const DIRECTIONS = [
  ['r2l', 'remote→local'],
  ['l2r', 'local→remote'],
] as const;

function rows(ts: SectionData | undefined, py: SectionData | undefined): Row[] {
  const t = (k: string): number | undefined => num(ts, k);
  const p = (k: string): number | undefined => num(py, k);
  const out: Row[] = [];
  for (const [dir, dirLabel] of DIRECTIONS) {
    for (const [kind, kindLabel, target] of KINDS) {
      const e = t(`${dir}_execnet.${kind}_items_per_s`);
      const m = t(`${dir}_msgpack.${kind}_items_per_s`);
      const pyv = p(`${dir}_execnet.${kind}_items_per_s`);
      out.push(
        vsPython(`${dirLabel} ${kindLabel}, execnet codec`, 'items/s', e, pyv, target),
        vsPython(`${dirLabel} ${kindLabel}, msgpack codec`, 'items/s', m, pyv, target),
        ratioRow(`${dirLabel} ${kind}: msgpack codec ÷ execnet codec`, m, e),
      );
    }
  }
  for (const [kind, kindLabel] of KINDS) {
    out.push(vsPython(`raw limit: framed msgpackr over stdio, child→parent, ${kindLabel}`, 'items/s', t(`framed.${kind}_items_per_s`), p(`r2l_execnet.${kind}_items_per_s`)));
  }
  for (const [kind] of KINDS) {
    out.push(ratioRow(`remote→local ${kind}, execnet codec ÷ framed prototype`, t(`r2l_execnet.${kind}_items_per_s`), t(`framed.${kind}_items_per_s`)));
    out.push(ratioRow(`remote→local ${kind}, msgpack codec ÷ framed prototype`, t(`r2l_msgpack.${kind}_items_per_s`), t(`framed.${kind}_items_per_s`)));
  }
  for (const [dir, dirLabel] of DIRECTIONS) {
    out.push(
      vsPython(`${dirLabel}: local process peak RSS, execnet codec`, 'MiB', t(`${dir}_execnet.max_rss_MiB`), p(`${dir}_execnet.section_peak_rss_MiB`)),
      vsPython(`${dirLabel}: worker peak RSS, execnet codec`, 'MiB', t(`${dir}_execnet.remote_peak_rss_MiB`), undefined),
      vsPython(`${dirLabel}: worker peak RSS, msgpack codec`, 'MiB', t(`${dir}_msgpack.remote_peak_rss_MiB`), undefined),
    );
  }
  return out;
}

function notes(ts: SectionData | undefined): string[] {
  const ratios: number[] = [];
  for (const [dir] of DIRECTIONS) {
    for (const [kind] of KINDS) {
      const e = num(ts, `${dir}_execnet.${kind}_items_per_s`);
      const m = num(ts, `${dir}_msgpack.${kind}_items_per_s`);
      if (e && m) ratios.push(m / e);
    }
  }
  const out = [
    `N = ${num(ts, 'r2l_execnet.n') ?? num(ts, 'framed.n') ?? '?'} items per kind; each direction and codec in its own process. The Python column is Python execnet with its default (execnet) serializer; ratios are TS / Python.`,
  ];
  if (ratios.length) {
    const geo = Math.exp(ratios.reduce((a, r) => a + Math.log(r), 0) / ratios.length);
    const wins = ratios.filter((r) => r > 1).length;
    out.push(
      `Codec comparison: msgpack is faster than execnet in ${wins} of ${ratios.length} small-item figures; geometric mean msgpack ÷ execnet = ${geo.toFixed(2)}x.`,
    );
  }
  return out;
}

const PARTS: readonly SectionPart[] = [
  { name: 'framed' },
  { name: 'r2l_execnet', python: 'small_r2l' },
  { name: 'r2l_msgpack' },
  { name: 'l2r_execnet', python: 'small_l2r' },
  { name: 'l2r_msgpack' },
];

/** The `small` section. */
export const smallSection: SectionDef = {
  name: 'small',
  title: 'small items one way (200,000 ints / strs / dicts), both directions, both codecs',
  parts: PARTS,
  rows,
  notes,
};
