/**
 * Section `rtt` (TypeScript side). Mirrors `sec_rtt` of the reference py_execnet_bench.py:
 * remote echo loop `for await (const x of channel) await channel.send(x)`; 200 warm-up round
 * trips, then 3 repetitions of N = 10,000 timed `await ch.send(i); await ch.receive()` of a
 * small int; µs per round trip = median of the 3 repetitions / N.
 * Measured for both codecs (`popen//codec=execnet`, `popen//codec=msgpack`), each on its own
 * gateway, and, in the same process, the raw Node limit: an 8-byte ping-pong with a node echo
 * child over child stdio (reference node_limits.mjs `stdio_rtt`, same 200 + 3 x N).
 *
 * Run alone: node --import tsx --conditions=@execnet/source tools/bench/src/sections/rtt.ts [--quick]
 */
import { runSectionMain } from '../lib/child.js';
import { log, median, now, round } from '../lib/measure.js';
import { rawStdioRtt } from '../lib/raw.js';
import { CODECS, type CodecName, openGateway } from '../lib/remote.js';
import { type Check, type MeasureOptions, type SectionData } from '../lib/section.js';

const WARMUP = 200;
const REPS = 3;
const ECHO = 'for await (const x of channel) await channel.send(x)';

async function gatewayRtt(codec: CodecName, n: number, checks: Check[]): Promise<SectionData> {
  const gw = await openGateway(codec);
  const ch = gw.remoteExec(ECHO);
  let wrong = 0;
  for (let i = 0; i < WARMUP; i++) {
    await ch.send(i);
    if ((await ch.receive()) !== i) wrong++;
  }
  const xs: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    const t0 = now();
    for (let i = 0; i < n; i++) {
      await ch.send(i);
      await ch.receive();
    }
    xs.push(((now() - t0) * 1000) / n);
  }
  ch.close();
  await ch.waitClose({ timeout: 10_000 });
  await gw.terminate();
  checks.push({ name: `${codec} codec: warm-up echoes came back unchanged`, ok: wrong === 0, detail: wrong ? `${wrong} differed` : undefined });
  return { us_per_roundtrip: round(median(xs)), inner_reps_us: xs.map((x) => round(x)) };
}

/** Measure the rtt section; see the file header. */
export async function measureRtt({ quick }: MeasureOptions): Promise<SectionData> {
  const n = quick ? 1000 : 10_000;
  const checks: Check[] = [];
  const out: SectionData = { n, warmup: WARMUP };
  log('[bench] rtt: raw node stdio ping-pong ...');
  const raw = await rawStdioRtt(n, WARMUP, REPS);
  out.raw_stdio = { us_per_roundtrip: round(raw.us_per_roundtrip), inner_reps_us: raw.inner_reps_us.map((x) => round(x)) };
  for (const codec of CODECS) {
    log(`[bench] rtt: ${codec} codec ...`);
    out[codec] = await gatewayRtt(codec, n, checks);
  }
  out.checks = checks;
  return out;
}

runSectionMain(measureRtt);
