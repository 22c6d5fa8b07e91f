/**
 * Section `bulk` (TypeScript side): 1 GiB as 1024 x 1 MiB Uint8Array items, one fresh
 * process per part. Mirrors `sec_bulk_r2l` / `sec_bulk_l2r` of the reference
 * py_execnet_bench.py.
 *
 * Parts (`--part`):
 *   r2l_<codec>  the remote receives `[n, size]`, makes `size` random bytes (crypto.randomBytes,
 *                like os.urandom), waits for 'go', sends them n times (`await channel.send(buf)`
 *                each: the documented backpressure), then its peak RSS. Locally: 0.3 s sleep,
 *                RSS before, then timed from sending 'go' to the n-th receive().
 *   l2r_<codec>  the remote receives n, then n items, summing their lengths, and replies
 *                `[total, memory]`. Locally: sends n, makes the random buffer, 0.3 s sleep, RSS
 *                before, then timed from the first `await ch.send(buf)` to the reply.
 *   raw          the raw limit, in the same harness: 1 GiB as 1 MiB writes over child stdio,
 *                node child -> this process and this process -> node child (reference
 *                node_limits.mjs `pipe`: c2p_node_stream, p2c_node_stream); and child -> this
 *                process again, copying each MiB into a fresh buffer that is then dropped (what
 *                a receiver of 1 MiB items must at least do): MB/s and RSS growth.
 * MB/s = bytes / time (MB = 10^6 bytes), the median of 3 transfers (the gateway parts make them on
 * one gateway, one remoteExec each; the raw part repeats its child -> parent and parent -> child runs).
 *
 * Memory, both ends. "before" is VmRSS just before the timed transfer; the peak is VmHWM
 * after the transfer, with VmHWM reset to the current RSS right before it
 * (`echo 5 > /proc/self/clear_refs`), so start-up and tsx compilation peaks do not count.
 * The remote also reports process.resourceUsage().maxRSS (its whole-life peak). The local side
 * also samples process.memoryUsage().rss at every receive/send (sampled peak). Both ends record
 * process.memoryUsage() (heap, external, arrayBuffers) before and after, to tell V8 heap,
 * not yet collected ArrayBuffers and other native memory apart.
 * Growth = peak - before; the target is ≤ 16 MiB on either side.
 *
 * Run alone: node --import tsx --conditions=@execnet/source tools/bench/src/sections/bulk.ts --part r2l_execnet [--quick]
 */
import { randomBytes } from 'node:crypto';
import { runSectionMain } from '../lib/child.js';
import { type Gateway } from '@execnet/core';
import { log, median, now, round } from '../lib/measure.js';
import { rawStdioC2p, rawStdioC2pItems, rawStdioP2c } from '../lib/raw.js';
import { kibToMiB, memoryUsageMiB, openGateway, parsePart, procStatusKiB, REMOTE_MEMORY_PROBES, resetPeakRss, sleep } from '../lib/remote.js';
import { type Check, type MeasureOptions, type SectionData } from '../lib/section.js';

const SIZE = 1 << 20;
/** Timed transfers per part, on one gateway; MB/s is their median, memory that of the first. */
const TRANSFERS = 3;

const BULK_R2L = `${REMOTE_MEMORY_PROBES}
const [n, size] = await channel.receive();
const buf = require('crypto').randomBytes(size);
const usageBefore = __usage();
const before = __status('VmRSS');
const reset = __resetPeak();
if ((await channel.receive()) !== 'go') throw new Error('expected go');
for (let i = 0; i < n; i++) await channel.send(buf);
await channel.send({ maxrss: process.resourceUsage().maxRSS, hwm: reset ? __status('VmHWM') : -1, before, after: __status('VmRSS'), usageBefore, usageAfter: __usage() });
`;

const BULK_L2R = `${REMOTE_MEMORY_PROBES}
const n = await channel.receive();
const usageBefore = __usage();
const before = __status('VmRSS');
const reset = __resetPeak();
let total = 0;
for (let i = 0; i < n; i++) total += (await channel.receive()).length;
await channel.send([total, { maxrss: process.resourceUsage().maxRSS, hwm: reset ? __status('VmHWM') : -1, before, after: __status('VmRSS'), usageBefore, usageAfter: __usage() }]);
`;

interface RemoteMemory {
  maxrss: number;
  hwm: number;
  before: number;
  after: number;
  usageBefore: Record<string, number>;
  usageAfter: Record<string, number>;
}

/** Local memory bookkeeping around a timed transfer. */
class LocalMemory {
  readonly beforeKiB: number;
  readonly resetOk: boolean;
  readonly usageBefore = memoryUsageMiB();
  private sampledPeak = 0;

  constructor() {
    this.beforeKiB = procStatusKiB('VmRSS') ?? Math.round(process.memoryUsage.rss() / 1024);
    this.resetOk = resetPeakRss();
  }

  sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.sampledPeak) this.sampledPeak = rss;
  }

  figures(): SectionData {
    const hwm = this.resetOk ? procStatusKiB('VmHWM') : undefined;
    const sampled = Math.round(this.sampledPeak / 1024);
    const peak = hwm ?? sampled;
    return {
      local_rss_before_MiB: kibToMiB(this.beforeKiB),
      local_peak_rss_MiB: kibToMiB(peak),
      local_peak_rss_sampled_MiB: kibToMiB(sampled),
      local_rss_growth_MiB: kibToMiB(peak - this.beforeKiB),
      local_peak_is: hwm === undefined ? 'sampled at every item' : 'VmHWM after a reset before the transfer',
      local_memory_usage_before_MiB: this.usageBefore,
      local_memory_usage_after_MiB: memoryUsageMiB(),
    };
  }
}

function remoteFigures(m: RemoteMemory): SectionData {
  const peak = m.hwm > 0 ? m.hwm : m.maxrss;
  return {
    remote_rss_before_MiB: kibToMiB(m.before),
    remote_peak_rss_MiB: kibToMiB(peak),
    remote_maxrss_MiB: kibToMiB(m.maxrss),
    remote_rss_after_MiB: kibToMiB(m.after),
    remote_rss_growth_MiB: kibToMiB(peak - m.before),
    remote_memory_usage_before_MiB: m.usageBefore,
    remote_memory_usage_after_MiB: m.usageAfter,
  };
}

/** Measure one part of the bulk section; see the file header. */
export async function measureBulk({ quick, part }: MeasureOptions): Promise<SectionData> {
  const n = quick ? 64 : 1024;
  const checks: Check[] = [];
  if (part === 'raw') {
    // First, while no garbage of an earlier transfer is resident: it would hide the growth.
    log('[bench] bulk/raw: node stdio child -> parent, each MiB into a fresh buffer ...');
    const items = await rawStdioC2pItems(n);
    const c2p: number[] = [];
    const p2c: number[] = [];
    for (let run = 0; run < TRANSFERS; run++) {
      log(`[bench] bulk/raw: node stdio child -> parent, then parent -> child, ${run + 1} of ${TRANSFERS} ...`);
      c2p.push((await rawStdioC2p(n)).MB_per_s);
      p2c.push((await rawStdioP2c(n)).MB_per_s);
    }
    return {
      bytes: n * SIZE,
      c2p_items_MB_per_s: round(items.MB_per_s, 1),
      c2p_items_rss_growth_MiB: round(items.rss_growth_MiB, 1),
      c2p_MB_per_s: round(median(c2p), 1),
      c2p_transfers_MB_per_s: c2p.map((x) => round(x, 1)),
      p2c_MB_per_s: round(median(p2c), 1),
      p2c_transfers_MB_per_s: p2c.map((x) => round(x, 1)),
    };
  }
  const p = parsePart(part);
  if (!p) throw new Error(`bulk: unknown part '${part}' (r2l_execnet, r2l_msgpack, l2r_execnet, l2r_msgpack, raw)`);
  const gw = await openGateway(p.codec);
  const runs: Transfer[] = [];
  for (let run = 0; run < TRANSFERS; run++) {
    log(`[bench] bulk/${part}, transfer ${run + 1} of ${TRANSFERS} ...`);
    runs.push(await (p.direction === 'r2l' ? receiveFrom(gw, n) : sendTo(gw, n)));
  }
  await gw.terminate();
  const rates = runs.map((r) => r.total / r.seconds / 1e6);
  const badType = runs.reduce((sum, r) => sum + r.badType, 0);
  if (p.direction === 'r2l') checks.push({ name: 'every item arrived as a Uint8Array', ok: badType === 0, detail: badType ? `${badType} were not` : undefined });
  for (const [i, r] of runs.entries()) {
    checks.push({ name: `transfer ${i + 1}: ${n} x 1 MiB arrived (${n * SIZE} bytes)`, ok: r.total === n * SIZE, detail: r.total === n * SIZE ? undefined : `${r.total} bytes` });
  }
  const first = runs[0]!;
  return {
    codec: p.codec,
    bytes: first.total,
    MB_per_s: round(median(rates), 1),
    transfers_MB_per_s: rates.map((x) => round(x, 1)),
    seconds: round(first.seconds, 3),
    // Memory figures of the first transfer; the growth of each is listed too.
    ...first.local,
    ...remoteFigures(first.remote),
    // (A peak below the RSS before, after the previous transfer's garbage was freed, is 0 growth.)
    local_rss_growth_MiB_per_transfer: runs.map((r) => r.local.local_rss_growth_MiB ?? 0),
    remote_rss_growth_MiB_per_transfer: runs.map((r) => remoteFigures(r.remote).remote_rss_growth_MiB ?? 0),
    checks,
  };
}

/** One timed transfer of `n` MiB and the memory both ends saw. */
interface Transfer {
  total: number;
  seconds: number;
  badType: number;
  /** Local memory figures, taken right after the transfer. */
  local: SectionData;
  remote: RemoteMemory;
}

async function receiveFrom(gw: Gateway, n: number): Promise<Transfer> {
  const ch = gw.remoteExec(BULK_R2L);
  await ch.send([n, SIZE]);
  await sleep(300);
  const mem = new LocalMemory();
  let badType = 0;
  let total = 0;
  const t0 = now();
  await ch.send('go');
  for (let i = 0; i < n; i++) {
    const x = (await ch.receive()) as Uint8Array;
    if (!(x instanceof Uint8Array)) badType++;
    total += x.length;
    mem.sample();
  }
  const seconds = (now() - t0) / 1000;
  const local = mem.figures();
  const remote = (await ch.receive()) as RemoteMemory;
  await ch.waitClose({ timeout: 10_000 });
  return { total, seconds, badType, local, remote };
}

async function sendTo(gw: Gateway, n: number): Promise<Transfer> {
  const ch = gw.remoteExec(BULK_L2R);
  await ch.send(n);
  const buf = randomBytes(SIZE);
  await sleep(300);
  const mem = new LocalMemory();
  const t0 = now();
  for (let i = 0; i < n; i++) {
    await ch.send(buf);
    mem.sample();
  }
  const [total, remote] = (await ch.receive()) as [number, RemoteMemory];
  const seconds = (now() - t0) / 1000;
  const local = mem.figures();
  await ch.waitClose({ timeout: 10_000 });
  return { total, seconds, badType: 0, local, remote };
}

runSectionMain(measureBulk);
