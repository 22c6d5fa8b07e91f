/**
 * Measurements shared by the transport sections (`ssh`, `socket`, `python`): one gateway
 * cycle, round trips through an echo loop, 1 MiB items one way. The same definitions as the
 * `startup`, `rtt` and `bulk` sections, on any gateway and with fewer repetitions.
 */
import { randomBytes } from 'node:crypto';
import { type Gateway } from '@execnet/core';
import { median, now, round } from './measure.js';

/** Remote echo loop of a JavaScript worker (the `rtt` section's). */
export const JS_ECHO = 'for await (const x of channel) await channel.send(x)';
/** Remote echo loop of a Python worker (execnet's `for x in channel: channel.send(x)`). */
export const PY_ECHO = 'for x in channel:\n    channel.send(x)\n';

/** One gateway cycle, ms: t0 open t1 remoteExec('channel.send(1)').receive() t2 exit() t3, join t4. */
export interface Cycle {
  total: number;
  create: number;
  firstexec: number;
  exit: number;
  reap: number;
}

/**
 * makeGateway (`open`) + `remoteExec('channel.send(1)').receive()` + `exit()`, then waits for
 * the gateway to end (join, then terminate as a safety net). Throws if the answer is not 1.
 */
export async function gatewayCycle(open: () => Promise<Gateway>): Promise<Cycle> {
  const t0 = now();
  const gw = await open();
  const t1 = now();
  const v = await gw.remoteExec('channel.send(1)').receive({ timeout: 30_000 });
  const t2 = now();
  gw.exit();
  const t3 = now();
  await gw.join({ timeout: 30_000 }).catch(() => undefined);
  await gw.terminate();
  const t4 = now();
  if (v !== 1) throw new Error(`gateway cycle: expected 1, got ${String(v)}`);
  return { total: t3 - t0, create: t1 - t0, firstexec: t2 - t1, exit: t3 - t2, reap: t4 - t0 };
}

/** Medians (ms, 2 decimals) of a list of cycles, keyed `<prefix>_ms`, `<prefix>_create_ms`, .... */
export function cycleMedians(prefix: string, cycles: readonly Cycle[]): Record<string, number> {
  const m = (k: keyof Cycle): number => round(median(cycles.map((c) => c[k])), 2);
  return {
    [`${prefix}_ms`]: m('total'),
    [`${prefix}_min_ms`]: round(Math.min(...cycles.map((c) => c.total)), 2),
    [`${prefix}_create_ms`]: m('create'),
    [`${prefix}_firstexec_ms`]: m('firstexec'),
    [`${prefix}_exit_ms`]: m('exit'),
    [`${prefix}_reap_ms`]: m('reap'),
  };
}

/** Result of {@link roundTrips}. */
export interface RttResult {
  us_per_roundtrip: number;
  inner_reps_us: number[];
  wrong: number;
}

/**
 * Round trips of a small int through the echo loop `echo` on `gw`: `warmup` untimed, then
 * `reps` x `n` timed; µs per round trip, median of the repetitions.
 */
export async function roundTrips(gw: Gateway, echo: string, n: number, reps = 3, warmup = 200): Promise<RttResult> {
  const ch = gw.remoteExec(echo);
  let wrong = 0;
  for (let i = 0; i < warmup; i++) {
    await ch.send(i);
    if ((await ch.receive({ timeout: 30_000 })) !== i) wrong++;
  }
  const xs: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const t0 = now();
    for (let i = 0; i < n; i++) {
      await ch.send(i);
      if ((await ch.receive({ timeout: 30_000 })) !== i) wrong++;
    }
    xs.push(((now() - t0) * 1000) / n);
  }
  ch.close();
  await ch.waitClose({ timeout: 10_000 });
  return { us_per_roundtrip: round(median(xs)), inner_reps_us: xs.map((x) => round(x)), wrong };
}

const JS_BULK_R2L = `
const [n, size] = await channel.receive();
const buf = new Uint8Array(require('crypto').randomBytes(size));
if ((await channel.receive()) !== 'go') throw new Error('expected go');
for (let i = 0; i < n; i++) await channel.send(buf);
await channel.send(null);
`;
const JS_BULK_L2R = `
const n = await channel.receive();
let total = 0;
for (let i = 0; i < n; i++) total += (await channel.receive()).length;
await channel.send(total);
`;
const PY_BULK_R2L = `
import os
n, size = channel.receive()
buf = os.urandom(size)
assert channel.receive() == 'go'
for i in range(n):
    channel.send(buf)
channel.send(None)
`;
const PY_BULK_L2R = `
n = channel.receive()
total = 0
for i in range(n):
    total += len(channel.receive())
channel.send(total)
`;

/** Result of {@link bulk}: MB/s (10^6 bytes) and seconds of one transfer. */
export interface BulkResult {
  bytes: number;
  MB_per_s: number;
  seconds: number;
  ok: boolean;
}

/**
 * `n` items of `size` random bytes one way, as the `bulk` section: remote→local timed at the
 * receiver from 'go' to the last item, local→remote from the first send to the remote's count.
 */
export async function bulk(gw: Gateway, direction: 'r2l' | 'l2r', n: number, size = 1 << 20): Promise<BulkResult> {
  const py = gw.remoteKind === 'python';
  let total = 0;
  let ok = true;
  let seconds: number;
  if (direction === 'r2l') {
    const ch = gw.remoteExec(py ? PY_BULK_R2L : JS_BULK_R2L);
    await ch.send([n, size]);
    const t0 = now();
    await ch.send('go');
    for (let i = 0; i < n; i++) {
      const x = (await ch.receive({ timeout: 60_000 })) as Uint8Array;
      if (!(x instanceof Uint8Array)) ok = false;
      total += x.length;
    }
    seconds = (now() - t0) / 1000;
    if ((await ch.receive({ timeout: 60_000 })) !== null) ok = false;
    await ch.waitClose({ timeout: 10_000 });
  } else {
    const ch = gw.remoteExec(py ? PY_BULK_L2R : JS_BULK_L2R);
    await ch.send(n);
    const buf = new Uint8Array(randomBytes(size));
    const t0 = now();
    for (let i = 0; i < n; i++) await ch.send(buf);
    total = (await ch.receive({ timeout: 60_000 })) as number;
    seconds = (now() - t0) / 1000;
    await ch.waitClose({ timeout: 10_000 });
  }
  if (total !== n * size) ok = false;
  return { bytes: total, MB_per_s: round(total / seconds / 1e6, 1), seconds: round(seconds, 3), ok };
}
