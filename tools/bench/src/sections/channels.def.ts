/**
 * Report definition of section `channels` (no reference figure or target). Measurement:
 * `channels.ts` and `sec_channels` in `python/py_bench.py`.
 */
import { type Check, num, type Row, type SectionData, type SectionDef, vsPython } from '../lib/section.js';

function rows(ts: SectionData | undefined, py: SectionData | undefined): Row[] {
  const t = (k: string): number | undefined => num(ts, k);
  const p = (k: string): number | undefined => num(py, k);
  const c = t('channels') ?? p('channels');
  return [
    vsPython(`${c ?? '?'} echo channels: open + echo + close, total`, 'ms', t('total_ms'), p('total_ms')),
    vsPython('  open (remoteExec each)', 'ms', t('open_ms'), p('open_ms')),
    vsPython('  send one int on each', 'ms', t('send_ms'), p('send_ms')),
    vsPython('  receive the echo on each', 'ms', t('echo_ms'), p('echo_ms')),
    vsPython('  close each, then waitClose each', 'ms', t('close_ms'), p('close_ms')),
    vsPython('per channel', 'µs', t('us_per_channel'), p('us_per_channel')),
    vsPython('peak RSS of the local process', 'MiB', t('max_rss_MiB'), p('section_peak_rss_MiB')),
    vsPython('until remoteStatus shows no channel and no exec (polled)', 'ms', t('remote_settle_ms'), p('remote_settle_ms')),
  ];
}

function checks(_ts: SectionData | undefined, py: SectionData | undefined): Check[] {
  if (!py) return [];
  const n = num(py, 'remote_numchannels_after');
  const e = num(py, 'remote_numexecuting_after');
  return [{ name: 'Python execnet: afterwards the worker has no open channel and runs no exec', ok: n === 0 && e === 0, detail: `numchannels ${n}, numexecuting ${e}` }];
}

/** The `channels` section. */
export const channelsSection: SectionDef = {
  name: 'channels',
  title: '1,000 concurrent remoteExec echo channels on one gateway: open, echo, close',
  python: 'channels',
  rows,
  checks,
  notes: () => [
    'One warm-up round, then the median of 3 rounds on the same gateway; each phase covers all channels before the next starts. Python execnet runs each remote_exec in its own thread (default thread execmodel). No reference figure or target.',
    'Afterwards remoteStatus() is polled every 10 ms for up to 5 s until the worker reports no open channel and no running exec; Python execnet\'s exec threads keep running for a while after their channels closed.',
  ],
};
