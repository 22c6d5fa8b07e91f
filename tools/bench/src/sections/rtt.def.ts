/**
 * Report definition of section `rtt`. Measurement: `rtt.ts` (parts `two_cpus`, `one_cpu`, `alone`) and
 * `sec_rtt` in `python/py_bench.py` (after `alone`). Target from the baseline RESULTS.md:
 * ≤ 1.1x raw Node stdio ping-pong.
 */
import { atMostX, listAt, num, type Row, type SectionData, type SectionDef, type SectionPart, vsPython } from '../lib/section.js';

const VS_RAW = atMostX(1.1);

function rows(ts: SectionData | undefined, py: SectionData | undefined): Row[] {
  const t = (k: string): number | undefined => num(ts, k);
  const p = (k: string): number | undefined => num(py, k);
  const out: Row[] = [];
  const parts = [
    ['two_cpus', ', the ends on two CPUs'],
    ['one_cpu', ', both ends on one CPU'],
    ['alone', ', unpinned, one connection at a time'],
  ] as const;
  for (const [part, label] of parts) {
    // The target is judged where the placement is fixed: unpinned rounds switch between the two cases.
    const target = part === 'alone' ? undefined : VS_RAW;
    const python = part === 'alone' ? p('alone.us_per_roundtrip') : undefined;
    out.push(
      vsPython(`round trip, small int echo, execnet codec${label}`, 'µs', t(`${part}.execnet.us_per_roundtrip`), python),
      vsPython(`round trip, small int echo, msgpack codec${label}`, 'µs', t(`${part}.msgpack.us_per_roundtrip`), python),
      vsPython(`raw node stdio ping-pong (8 bytes, node echo child)${label}`, 'µs', t(`${part}.raw_stdio.us_per_roundtrip`), python),
      { figure: `execnet codec round trip ÷ raw node stdio${label}`, unit: 'x', ratio: t(`${part}.execnet.ratio_to_raw`), target },
      { figure: `msgpack codec round trip ÷ raw node stdio${label}`, unit: 'x', ratio: t(`${part}.msgpack.ratio_to_raw`), target },
    );
    if (python !== undefined) {
      const rawUs = t('alone.raw_stdio.us_per_roundtrip');
      out.push({ figure: 'Python execnet round trip ÷ raw node stdio (medians)', unit: 'x', ratio: rawUs ? python / rawUs : undefined });
    }
  }
  return out;
}

function notes(ts: SectionData | undefined): string[] {
  const list = (path: string): string => listAt(ts, path);
  return [
    `Pinned parts: ${num(ts, 'two_cpus.warmup') ?? '?'} warm-up round trips per connection, then ${num(ts, 'two_cpus.rounds') ?? '?'} rounds of ${num(ts, 'two_cpus.n_per_round') ?? '?'} timed round trips on each; the three connections are open at once and take turns within a round, in each of the 6 orders in turn. Unpinned part: one connection at a time (opened, warmed up, timed, closed), ${num(ts, 'alone.rounds') ?? '?'} cycles of ${num(ts, 'alone.n_per_round') ?? '?'} round trips, in a rotating order. µs figures are medians over the rounds; a ratio to raw is the median over the rounds of that round's ratio.`,
    'Placement (`taskset`): "two CPUs" pins the children (echo child and workers) to one CPU and this process to the other, so every message wakes a process on the other CPU (the reference\'s raw figure, 57 µs, is this case). "one CPU" pins all of them to one CPU: a round trip is then the CPU time of both ends plus two context switches. Unpinned, this 2-vCPU machine mostly runs the two ends on different CPUs, but switches to one CPU for some rounds (about 20 instead of 60 µs), for raw Node stdio as much as for the gateways; with several connections open at once, which one gets the fast case depended on the others\' activity. So the target is judged on the pinned parts, and the unpinned ratio is shown for comparison.',
    `Rounds, two CPUs (µs): execnet ${list('two_cpus.execnet.rounds_us')}; msgpack ${list('two_cpus.msgpack.rounds_us')}; raw ${list('two_cpus.raw_stdio.rounds_us')}.`,
    `Rounds, one CPU (µs): execnet ${list('one_cpu.execnet.rounds_us')}; msgpack ${list('one_cpu.msgpack.rounds_us')}; raw ${list('one_cpu.raw_stdio.rounds_us')}.`,
    `Cycles, unpinned (µs): execnet ${list('alone.execnet.rounds_us')}; msgpack ${list('alone.msgpack.rounds_us')}; raw ${list('alone.raw_stdio.rounds_us')}.`,
  ];
}

/** The `rtt` section. */
export const rttSection: SectionDef = {
  name: 'rtt',
  title: 'round trip of a small int through a remote echo loop, vs raw node stdio ping-pong',
  parts: [{ name: 'two_cpus' }, { name: 'one_cpu' }, { name: 'alone', python: 'rtt' }] satisfies SectionPart[],
  rows,
  notes,
};
