/**
 * Report definition of section `rtt`. Measurement: `rtt.ts` and `sec_rtt` in
 * `python/py_bench.py`. Target from the baseline RESULTS.md: ≤ 1.1x raw Node stdio ping-pong.
 */
import { atMostX, num, ratioRow, type Row, type SectionData, type SectionDef, vsPython } from '../lib/section.js';

const VS_RAW = atMostX(1.1);

function rows(ts: SectionData | undefined, py: SectionData | undefined): Row[] {
  const t = (k: string): number | undefined => num(ts, k);
  const p = (k: string): number | undefined => num(py, k);
  return [
    vsPython('round trip, small int echo, execnet codec', 'µs', t('execnet.us_per_roundtrip'), p('us_per_roundtrip')),
    vsPython('round trip, small int echo, msgpack codec', 'µs', t('msgpack.us_per_roundtrip'), p('us_per_roundtrip')),
    vsPython('raw node stdio ping-pong (8 bytes, node echo child)', 'µs', t('raw_stdio.us_per_roundtrip'), p('us_per_roundtrip')),
    ratioRow('execnet codec round trip ÷ raw node stdio', t('execnet.us_per_roundtrip'), t('raw_stdio.us_per_roundtrip'), VS_RAW),
    ratioRow('msgpack codec round trip ÷ raw node stdio', t('msgpack.us_per_roundtrip'), t('raw_stdio.us_per_roundtrip'), VS_RAW),
    ratioRow('Python execnet round trip ÷ raw node stdio', p('us_per_roundtrip'), t('raw_stdio.us_per_roundtrip')),
  ];
}

function notes(ts: SectionData | undefined): string[] {
  const reps = (k: string): string => {
    const xs = ts?.[k] && (ts[k] as { inner_reps_us?: number[] }).inner_reps_us;
    return Array.isArray(xs) ? xs.join(' / ') : '–';
  };
  return [
    `200 warm-up round trips, then 3 x ${num(ts, 'n') ?? '?'} timed; median of the 3. The three connections are open at once and their repetitions take turns (raw, execnet, msgpack, raw, ...). Inner repetitions (µs): execnet ${reps('execnet')}, msgpack ${reps('msgpack')}, raw ${reps('raw_stdio')}.`,
  ];
}

/** The `rtt` section. */
export const rttSection: SectionDef = {
  name: 'rtt',
  title: 'round trip of a small int through a remote echo loop, vs raw node stdio ping-pong',
  python: 'rtt',
  rows,
  notes,
};
