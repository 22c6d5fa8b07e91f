/**
 * Section `channels` (TypeScript side): many concurrent channels on one gateway. No
 * reference figure; Python execnet runs the same steps (`sec_channels` in python/py_bench.py).
 *
 * One round with C = 1,000 channels (100 with --quick), in phases, each phase over all
 * channels before the next starts:
 *   open   C x gw.remoteExec(ECHO), ECHO = `for await (const x of channel) await channel.send(x)`
 *   send   ch.send(i) on every channel
 *   echo   receive() on every channel (each must return its i)
 *   close  ch.close() on every channel, then waitClose() on every channel (the remote loop
 *          ends, its exec finishes and the remote closes its side)
 * total = open + send + echo + close. One warm-up round, then 3 timed rounds on the same
 * gateway; medians. µs per channel = total / C. Afterwards remoteStatus() must report no open
 * channel and nothing executing (polled for up to 5 s; the time it took is reported).
 * Measured with the execnet codec (`popen//codec=execnet`).
 *
 * Run alone: node --import tsx --conditions=@execnet/source tools/bench/src/sections/channels.ts [--quick]
 */
import type { Channel, Gateway } from '@execnet/core';
import { runSectionMain } from '../lib/child.js';
import { log, median, now, round } from '../lib/measure.js';
import { openGateway, sleep } from '../lib/remote.js';
import { type Check, type MeasureOptions, type SectionData } from '../lib/section.js';

const ECHO = 'for await (const x of channel) await channel.send(x)';
const REPS = 3;

interface Round {
  open: number;
  send: number;
  echo: number;
  close: number;
  total: number;
  wrong: number;
}

async function round1(gw: Gateway, c: number): Promise<Round> {
  const t0 = now();
  const chans: Channel[] = new Array<Channel>(c);
  for (let i = 0; i < c; i++) chans[i] = gw.remoteExec(ECHO);
  const t1 = now();
  await Promise.all(chans.map((ch, i) => ch.send(i)));
  const t2 = now();
  const got = await Promise.all(chans.map((ch) => ch.receive({ timeout: 60_000 })));
  const t3 = now();
  for (const ch of chans) ch.close();
  await Promise.all(chans.map((ch) => ch.waitClose({ timeout: 60_000 })));
  const t4 = now();
  let wrong = 0;
  for (let i = 0; i < c; i++) if (got[i] !== i) wrong++;
  return { open: t1 - t0, send: t2 - t1, echo: t3 - t2, close: t4 - t3, total: t4 - t0, wrong };
}

/** Measure the channels section; see the file header. */
export async function measureChannels({ quick }: MeasureOptions): Promise<SectionData> {
  const c = quick ? 100 : 1000;
  const checks: Check[] = [];
  const gw = await openGateway('execnet');
  log(`[bench] channels: warm-up round of ${c} ...`);
  const warm = await round1(gw, c);
  const rounds: Round[] = [];
  for (let r = 0; r < REPS; r++) {
    log(`[bench] channels: round ${r + 1} of ${REPS} ...`);
    rounds.push(await round1(gw, c));
  }
  // Remote execs may still be winding down after their channels closed: poll.
  const s0 = now();
  let status = await gw.remoteStatus({ timeout: 10_000 });
  while ((status.numChannels !== 0 || status.numExecuting !== 0) && now() - s0 < 5000) {
    await sleep(10);
    status = await gw.remoteStatus({ timeout: 10_000 });
  }
  const settleMs = now() - s0;
  await gw.terminate();
  const wrong = warm.wrong + rounds.reduce((a, r) => a + r.wrong, 0);
  checks.push({ name: `every echo returned its own value (${(REPS + 1) * c} channels)`, ok: wrong === 0, detail: wrong ? `${wrong} wrong` : undefined });
  checks.push({
    name: 'afterwards the worker has no open channel and runs no exec',
    ok: status.numChannels === 0 && status.numExecuting === 0,
    detail: `numChannels ${status.numChannels}, numExecuting ${status.numExecuting}`,
  });
  const ms = (k: keyof Round): number => round(median(rounds.map((r) => r[k])), 2);
  return {
    channels: c,
    reps: REPS,
    total_ms: ms('total'),
    open_ms: ms('open'),
    send_ms: ms('send'),
    echo_ms: ms('echo'),
    close_ms: ms('close'),
    us_per_channel: round((median(rounds.map((r) => r.total)) * 1000) / c, 1),
    remote_settle_ms: round(settleMs, 1),
    checks,
  };
}

runSectionMain(measureChannels);
