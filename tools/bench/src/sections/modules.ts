/**
 * Section `modules` (TypeScript side): `gw.remoteExec(new URL(<module>), kwargs)` of
 * packages/transport-popen/test/fixtures/modules/task.ts, a TypeScript module that imports an
 * npm package (msgpackr) and a sibling file; each call sends back one small object. Each part
 * (`--part run1`, ...) is a fresh process, so each has one cold call:
 * - inline: `remoteExec('channel.send(1)').receive()` on an open popen gateway (median of 20),
 *   the floor of any remoteExec round trip;
 * - cold: the first module call in the process (bundling with esbuild + shipping the bundle);
 * - warm: later calls on the same gateway (the worker has the bundle; only a reference is sent),
 *   median of 20;
 * - second gateway: the first call on a new gateway (bundle cached in the master, shipped
 *   again), then warm calls there (median of 20).
 * Bytes sent by the master per call come from `gw.stats.bytesSent`. Gateways are opened before
 * and not timed.
 *
 * Run alone: node --import tsx --conditions=@execnet/source tools/bench/src/sections/modules.ts --part run1 [--quick]
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Gateway } from '@execnet/core';
import { runSectionMain } from '../lib/child.js';
import { log, median, now, round } from '../lib/measure.js';
import { openGateway } from '../lib/remote.js';
import { type Check, type MeasureOptions, type SectionData } from '../lib/section.js';
import { REPO_ROOT } from '../lib/spawn.js';

export const FIXTURE = 'packages/transport-popen/test/fixtures/modules/task.ts';

async function call(gw: Gateway, url: URL, n: number): Promise<{ ms: number; bytes: number; ok: boolean }> {
  const before = gw.stats.bytesSent;
  const t0 = now();
  const v = (await gw.remoteExec(url, { n }).receive({ timeout: 60_000 })) as { squared?: number } | null;
  const ms = now() - t0;
  return { ms, bytes: gw.stats.bytesSent - before, ok: v?.squared === n * n };
}

async function warm(gw: Gateway, url: URL, reps: number): Promise<{ ms: number; bytes: number; ok: boolean }> {
  const xs: number[] = [];
  let bytes = 0;
  let ok = true;
  for (let i = 0; i < reps; i++) {
    const c = await call(gw, url, i + 2);
    xs.push(c.ms);
    bytes = c.bytes;
    ok &&= c.ok;
  }
  return { ms: median(xs), bytes, ok };
}

/** Measure one run of the modules section; see the file header. */
export async function measureModules({ quick }: MeasureOptions): Promise<SectionData> {
  const reps = quick ? 5 : 20;
  const url = pathToFileURL(path.join(REPO_ROOT, FIXTURE));
  const checks: Check[] = [];
  const gwA = await openGateway();
  const gwB = await openGateway();
  const inline: number[] = [];
  for (let i = 0; i < reps + 2; i++) {
    const t0 = now();
    if ((await gwA.remoteExec('channel.send(1)').receive()) !== 1) throw new Error('inline exec failed');
    if (i >= 2) inline.push(now() - t0);
  }
  log('[bench] modules: cold call ...');
  const cold = await call(gwA, url, 7);
  const warmA = await warm(gwA, url, reps);
  log('[bench] modules: second gateway ...');
  const second = await call(gwB, url, 9);
  const warmB = await warm(gwB, url, reps);
  await gwA.terminate();
  await gwB.terminate();
  for (const [name, r] of [['cold', cold], ['warm', warmA], ['second gateway first call', second], ['second gateway warm', warmB]] as const) {
    checks.push({ name: `${name}: the module answered n * n`, ok: r.ok });
  }
  checks.push({ name: 'warm calls send no bundle (< 1,000 bytes)', ok: warmA.bytes < 1000 && warmB.bytes < 1000, detail: `${warmA.bytes} / ${warmB.bytes} bytes` });
  return {
    fixture: FIXTURE,
    reps,
    inline_ms: round(median(inline), 3),
    cold_ms: round(cold.ms, 2),
    cold_bytes: cold.bytes,
    warm_ms: round(warmA.ms, 3),
    warm_bytes: warmA.bytes,
    second_gateway_first_ms: round(second.ms, 2),
    second_gateway_first_bytes: second.bytes,
    second_gateway_warm_ms: round(warmB.ms, 3),
    checks,
  };
}

runSectionMain(measureModules);
