/**
 * Section `rtt` (TypeScript side). Mirrors `sec_rtt` of the reference py_execnet_bench.py:
 * remote echo loop `for await (const x of channel) await channel.send(x)`; 200 warm-up round
 * trips, then 3 repetitions of N = 10,000 timed `await ch.send(i); await ch.receive()` of a
 * small int; µs per round trip = median of the 3 repetitions / N.
 * Measured for both codecs (`popen//codec=execnet`, `popen//codec=msgpack`), each on its own
 * gateway, and, in the same process, the raw Node limit: an 8-byte ping-pong with a node echo
 * child over child stdio (reference node_limits.mjs `stdio_rtt`, same 200 + 3 x N).
 * All three connections are opened and warmed up first; then the repetitions take turns
 * (raw, execnet, msgpack, raw, ...), so that load changes on the machine hit all three alike.
 *
 * Run alone: node --import tsx --conditions=@execnet/source tools/bench/src/sections/rtt.ts [--quick]
 */
import { type Gateway } from '@execnet/core';
import { runSectionMain } from '../lib/child.js';
import { log, median, now, round } from '../lib/measure.js';
import { startRawEcho } from '../lib/raw.js';
import { CODECS, openGateway } from '../lib/remote.js';
import { type Check, type MeasureOptions, type SectionData } from '../lib/section.js';

const WARMUP = 200;
const REPS = 3;
const ECHO = 'for await (const x of channel) await channel.send(x)';

/** One connection under test: a round trip of the small int `i`. */
interface Subject {
  key: string;
  roundTrip(i: number): Promise<void>;
  close(): Promise<void>;
  wrong: number;
}

async function gatewaySubject(key: string, gw: Gateway): Promise<Subject> {
  const ch = gw.remoteExec(ECHO);
  const subject: Subject = {
    key,
    wrong: 0,
    roundTrip: async (i) => {
      await ch.send(i);
      if ((await ch.receive()) !== i) subject.wrong++;
    },
    close: async () => {
      ch.close();
      await ch.waitClose({ timeout: 10_000 });
      await gw.terminate();
    },
  };
  return subject;
}

/** Measure the rtt section; see the file header. */
export async function measureRtt({ quick }: MeasureOptions): Promise<SectionData> {
  const n = quick ? 1000 : 10_000;
  const checks: Check[] = [];
  const echo = startRawEcho();
  const subjects: Subject[] = [{ key: 'raw_stdio', wrong: 0, roundTrip: () => echo.ping(), close: () => echo.close() }];
  for (const codec of CODECS) subjects.push(await gatewaySubject(codec, await openGateway(codec)));
  for (const s of subjects) for (let i = 0; i < WARMUP; i++) await s.roundTrip(i);
  const reps = new Map<string, number[]>(subjects.map((s) => [s.key, []]));
  for (let rep = 0; rep < REPS; rep++) {
    for (const s of subjects) {
      log(`[bench] rtt: ${s.key}, repetition ${rep + 1} of ${REPS} ...`);
      const t0 = now();
      for (let i = 0; i < n; i++) await s.roundTrip(i);
      reps.get(s.key)!.push(((now() - t0) * 1000) / n);
    }
  }
  const out: SectionData = { n, warmup: WARMUP, reps: REPS };
  for (const s of subjects) {
    await s.close();
    const xs = reps.get(s.key)!;
    out[s.key] = { us_per_roundtrip: round(median(xs)), inner_reps_us: xs.map((x) => round(x)) };
    if (s.key !== 'raw_stdio') {
      checks.push({ name: `${s.key} codec: every echo came back unchanged`, ok: s.wrong === 0, detail: s.wrong ? `${s.wrong} differed` : undefined });
    }
  }
  out.checks = checks;
  return out;
}

runSectionMain(measureRtt);
