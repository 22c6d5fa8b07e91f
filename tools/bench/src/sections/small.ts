/**
 * Section `small` (TypeScript side): small-item throughput one way, one fresh process per part.
 * Mirrors `sec_small_r2l` / `sec_small_l2r` of the reference py_execnet_bench.py, N = 200,000
 * items of each kind: int `i`, str `'item-' + i`, dict `{ id: i, name: 'x' }`; a new
 * remoteExec channel per kind on one gateway.
 *
 * Parts (`--part`):
 *   r2l_<codec>  the remote receives `[kind, n]`, waits for 'go', then sends the n items and a
 *                null (`await channel.send(x)` each: the documented backpressure). Timed at the
 *                receiver from sending 'go' to receiving the null; items/s = n / time.
 *   l2r_<codec>  the remote counts received items until a null, then replies the count. The
 *                local side sends 0 first (remote up; counted, so the reply is n + 1), builds the
 *                items, sleeps 0.2 s, then times from the first send (`await ch.send(x)` each)
 *                to the reply.
 *   framed       the raw limit: the framed-msgpackr-over-stdio prototype of node_limits.mjs
 *                (`stdio_framed`), child -> this process, same n and kinds.
 * <codec> is `execnet` or `msgpack` (`popen//codec=...`). After each timed run the remote
 * also reports its peak RSS (outside the timed region).
 *
 * Run alone: node --import tsx --conditions=@execnet/source tools/bench/src/sections/small.ts --part r2l_execnet [--quick]
 */
import type { Channel } from '@execnet/core';
import { runSectionMain } from '../lib/child.js';
import { log, now } from '../lib/measure.js';
import { rawFramedBlast } from '../lib/raw.js';
import { kibToMiB, openGateway, parsePart, sleep } from '../lib/remote.js';
import { type Check, type MeasureOptions, type SectionData } from '../lib/section.js';

const KINDS = ['int', 'str', 'dict'] as const;
type Kind = (typeof KINDS)[number];

const SMALL_R2L = `
const [kind, n] = await channel.receive();
if ((await channel.receive()) !== 'go') throw new Error('expected go');
if (kind === 'int') {
  for (let i = 0; i < n; i++) await channel.send(i);
} else if (kind === 'str') {
  for (let i = 0; i < n; i++) await channel.send('item-' + i);
} else if (kind === 'dict') {
  for (let i = 0; i < n; i++) await channel.send({ id: i, name: 'x' });
}
await channel.send(null);
await channel.send(process.resourceUsage().maxRSS);
`;

const SMALL_L2R = `
let c = 0;
for (;;) {
  const x = await channel.receive();
  if (x === null) break;
  c++;
}
await channel.send(c);
await channel.send(process.resourceUsage().maxRSS);
`;

function makeItems(kind: Kind, n: number): unknown[] {
  const items = new Array<unknown>(n);
  for (let i = 0; i < n; i++) items[i] = kind === 'int' ? i : kind === 'str' ? `item-${i}` : { id: i, name: 'x' };
  return items;
}

async function r2l(ch: Channel, kind: Kind, n: number, checks: Check[]): Promise<number> {
  await ch.send([kind, n]);
  let bad = -1;
  const t0 = now();
  await ch.send('go');
  for (let i = 0; i < n; i++) {
    const x = await ch.receive();
    if (bad < 0 && i % 9973 === 0) {
      const ok = kind === 'int' ? x === i : kind === 'str' ? x === `item-${i}` : (x as { id?: unknown }).id === i;
      if (!ok) bad = i;
    }
  }
  const last = await ch.receive();
  const dt = (now() - t0) / 1000;
  checks.push({ name: `${kind}: ${n} items arrived in order, then null`, ok: bad < 0 && last === null, detail: bad >= 0 ? `item ${bad} differs` : undefined });
  return Math.round(n / dt);
}

async function l2r(ch: Channel, kind: Kind, n: number, checks: Check[]): Promise<number> {
  await ch.send(0); // the remote is up before timing; counted, so the reply is n + 1
  const items = makeItems(kind, n);
  await sleep(200);
  const t0 = now();
  for (let i = 0; i < n; i++) await ch.send(items[i]);
  await ch.send(null);
  const c = await ch.receive();
  const dt = (now() - t0) / 1000;
  checks.push({ name: `${kind}: the remote counted ${n} + 1 items`, ok: c === n + 1, detail: c === n + 1 ? undefined : `got ${String(c)}` });
  return Math.round(n / dt);
}

/** Measure one part of the small section; see the file header. */
export async function measureSmall({ quick, part }: MeasureOptions): Promise<SectionData> {
  const n = quick ? 20_000 : 200_000;
  const out: SectionData = { n };
  const checks: Check[] = [];
  if (part === 'framed') {
    for (const kind of KINDS) {
      log(`[bench] small/framed: ${kind} ...`);
      out[`${kind}_items_per_s`] = await rawFramedBlast(kind, n);
    }
    return out;
  }
  const p = parsePart(part);
  if (!p) throw new Error(`small: unknown part '${part}' (r2l_execnet, r2l_msgpack, l2r_execnet, l2r_msgpack, framed)`);
  out.codec = p.codec;
  const gw = await openGateway(p.codec);
  const remotePeaks: number[] = [];
  for (const kind of KINDS) {
    log(`[bench] small/${part}: ${kind} ...`);
    const ch = gw.remoteExec(p.direction === 'r2l' ? SMALL_R2L : SMALL_L2R);
    out[`${kind}_items_per_s`] = p.direction === 'r2l' ? await r2l(ch, kind, n, checks) : await l2r(ch, kind, n, checks);
    remotePeaks.push((await ch.receive()) as number);
    await ch.waitClose({ timeout: 10_000 });
  }
  await gw.terminate();
  out.remote_peak_rss_MiB = kibToMiB(Math.max(...remotePeaks));
  out.checks = checks;
  return out;
}

runSectionMain(measureSmall);
