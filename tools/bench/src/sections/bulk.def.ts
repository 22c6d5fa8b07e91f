/**
 * Report definition of section `bulk`. Measurement: `bulk.ts` (parts r2l/l2r per codec and
 * the raw stdio limit), `sec_bulk_r2l` / `sec_bulk_l2r` in `python/py_bench.py`. Targets from
 * the baseline RESULTS.md: ≥ 1.8 GB/s (50% of raw Node stdio) and ≤ 16 MiB RSS growth on
 * either side.
 */
import { atLeast, atMost, listAt, num, ratioRow, type Row, type SectionData, type SectionDef, type SectionPart, vsPython } from '../lib/section.js';

const RATE = atLeast(1800);
const GROWTH = atMost(16);
const DIRECTIONS = [
  ['r2l', 'remote→local', 'c2p'],
  ['l2r', 'local→remote', 'p2c'],
] as const;

function rows(ts: SectionData | undefined, py: SectionData | undefined): Row[] {
  const t = (k: string): number | undefined => num(ts, k);
  const p = (k: string): number | undefined => num(py, k);
  const out: Row[] = [];
  for (const [dir, label, raw] of DIRECTIONS) {
    const pyPart = `${dir}_execnet`;
    out.push(
      vsPython(`${label} 1 MiB items, execnet codec`, 'MB/s', t(`${dir}_execnet.MB_per_s`), p(`${pyPart}.MB_per_s`), RATE),
      vsPython(`${label} 1 MiB items, msgpack codec`, 'MB/s', t(`${dir}_msgpack.MB_per_s`), p(`${pyPart}.MB_per_s`), RATE),
      vsPython(`raw node stdio ${raw === 'c2p' ? 'child→parent' : 'parent→child'}, 1 MiB writes`, 'MB/s', t(`raw.${raw}_MB_per_s`), p(`${pyPart}.MB_per_s`)),
      ratioRow(`${label}, execnet codec ÷ raw node stdio`, t(`${dir}_execnet.MB_per_s`), t(`raw.${raw}_MB_per_s`)),
      ratioRow(`${label}, msgpack codec ÷ raw node stdio`, t(`${dir}_msgpack.MB_per_s`), t(`raw.${raw}_MB_per_s`)),
    );
    if (raw === 'c2p') {
      out.push(
        vsPython('raw node stdio child→parent, each MiB copied into a fresh buffer', 'MB/s', t('raw.c2p_items_MB_per_s'), undefined),
        vsPython('raw node stdio child→parent, each MiB copied into a fresh buffer: RSS growth', 'MiB', t('raw.c2p_items_rss_growth_MiB'), undefined),
      );
    }
    for (const codec of ['execnet', 'msgpack'] as const) {
      const part = `${dir}_${codec}`;
      const py1 = codec === 'execnet' ? (k: string): number | undefined => p(`${pyPart}.${k}`) : (): undefined => undefined;
      out.push(
        vsPython(`${label} ${codec}: local RSS before`, 'MiB', t(`${part}.local_rss_before_MiB`), py1('local_rss_before_MiB')),
        vsPython(`${label} ${codec}: local peak RSS during the transfer`, 'MiB', t(`${part}.local_peak_rss_MiB`), py1('local_peak_rss_MiB')),
        vsPython(`${label} ${codec}: local RSS growth`, 'MiB', t(`${part}.local_rss_growth_MiB`), py1('local_rss_growth_MiB'), GROWTH),
        vsPython(`${label} ${codec}: worker RSS before`, 'MiB', t(`${part}.remote_rss_before_MiB`), py1('remote_rss_before_MiB')),
        vsPython(`${label} ${codec}: worker peak RSS during the transfer`, 'MiB', t(`${part}.remote_peak_rss_MiB`), py1('remote_peak_rss_MiB')),
        vsPython(`${label} ${codec}: worker RSS growth`, 'MiB', t(`${part}.remote_rss_growth_MiB`), py1('remote_rss_growth_MiB'), GROWTH),
      );
    }
  }
  return out;
}

/** The `bulk` section. */
export const bulkSection: SectionDef = {
  name: 'bulk',
  title: '1 GiB as 1024 x 1 MiB Uint8Array items, both directions, both codecs; throughput and RSS',
  parts: [
    { name: 'raw' },
    { name: 'r2l_execnet', python: 'bulk_r2l' },
    { name: 'r2l_msgpack' },
    { name: 'l2r_execnet', python: 'bulk_l2r' },
    { name: 'l2r_msgpack' },
  ] satisfies SectionPart[],
  rows,
  notes: (ts) => [
    `${(num(ts, 'r2l_execnet.bytes') ?? num(ts, 'raw.bytes') ?? 0) / 2 ** 20} MiB per transfer (1 MiB items). Each direction and codec runs in its own process on both sides. Local "before" = VmRSS right before the timed transfer; TS peak = VmHWM after a reset (\`/proc/self/clear_refs\`) just before the transfer, so earlier peaks (start-up, tsx) do not count; the worker does the same and also reports process.resourceUsage().maxRSS. Python: local peak = VmHWM (no reset, as in the reference), worker peak = ru_maxrss, worker "before" = VmRSS before the transfer.`,
    'The worker sends with `await channel.send(buf)` per item; the local side awaits each send (l2r) or receive (r2l).',
    `TS MB/s are medians of 3 transfers (gateway parts: on one gateway, one remoteExec each; raw: its child→parent and parent→child runs repeated), since single transfers on this machine vary by up to 1.5x. Transfers (MB/s): remote→local execnet ${listAt(ts, 'r2l_execnet.transfers_MB_per_s')}, msgpack ${listAt(ts, 'r2l_msgpack.transfers_MB_per_s')}; local→remote execnet ${listAt(ts, 'l2r_execnet.transfers_MB_per_s')}, msgpack ${listAt(ts, 'l2r_msgpack.transfers_MB_per_s')}; raw child→parent ${listAt(ts, 'raw.c2p_transfers_MB_per_s')}, parent→child ${listAt(ts, 'raw.p2c_transfers_MB_per_s')}. Memory figures are those of the first transfer; the RSS growth of the receiving side in each (MiB): remote→local execnet ${listAt(ts, 'r2l_execnet.local_rss_growth_MiB_per_transfer')}, local→remote execnet ${listAt(ts, 'l2r_execnet.remote_rss_growth_MiB_per_transfer')}. Python execnet is measured once per direction, as in the reference.`,
    'The raw rows "each MiB copied into a fresh buffer" are the floor of any receiver that hands each 1 MiB item to its user as a buffer of its own: V8 frees dropped ArrayBuffers at its next scavenge, which external memory pressure triggers after about 32 MiB of new backing stores, so that much garbage is resident at the peak whatever the transport does.',
  ],
};
