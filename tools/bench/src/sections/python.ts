/**
 * Section `python` (TypeScript side): a TypeScript master driving a Python execnet worker
 * (`popen//python=/usr/bin/python3`, the interpreter that has execnet; remote code is Python
 * source). The same definitions as `rtt` and `small`, so the Python column (Python execnet
 * master, same worker, `sec_python` = sec_rtt + sec_small_r2l + sec_small_l2r) compares the
 * two masters:
 * - round trip: `for x in channel: channel.send(x)`, 200 warm-up + 3 x N small ints, median;
 * - small items remote→local: the worker sends 200,000 ints / strs 'item-%d' / dicts
 *   {'id': i, 'name': 'x'} after 'go'; items/s at the receiver from 'go' to the final None;
 * - small items local→remote: the master sends 0 (worker up), builds the items, sleeps 0.2 s,
 *   then sends them and a null; the worker counts and replies; items/s from the first send.
 *
 * Run alone: node --import tsx --conditions=@execnet/source tools/bench/src/sections/python.ts [--quick]
 */
import { type Channel, makeGateway, registerTransport } from '@execnet/core';
import { popenTransport } from '@execnet/transport-popen';
import { runSectionMain } from '../lib/child.js';
import { log, now } from '../lib/measure.js';
import { sleep } from '../lib/remote.js';
import { type Check, type MeasureOptions, type SectionData } from '../lib/section.js';
import { PY_ECHO, roundTrips } from '../lib/transfer.js';

registerTransport(popenTransport());

const PYTHON = process.env.EXECNET_BENCH_PYTHON ?? '/usr/bin/python3';
const KINDS = ['int', 'str', 'dict'] as const;
type Kind = (typeof KINDS)[number];

// The same remote code as SMALL_R2L / SMALL_L2R of python/py_bench.py.
const SMALL_R2L = `
kind, n = channel.receive()
assert channel.receive() == 'go'
send = channel.send
if kind == 'int':
    for i in range(n):
        send(i)
elif kind == 'str':
    for i in range(n):
        send('item-%d' % i)
elif kind == 'dict':
    for i in range(n):
        send({'id': i, 'name': 'x'})
send(None)
`;

const SMALL_L2R = `
c = 0
receive = channel.receive
while True:
    x = receive()
    if x is None:
        break
    c += 1
channel.send(c)
`;

function idOf(x: unknown): unknown {
  if (x instanceof Map) return x.get('id');
  return (x as { id?: unknown } | null)?.id;
}

async function r2l(ch: Channel, kind: Kind, n: number, checks: Check[]): Promise<number> {
  await ch.send([kind, n]);
  let bad = -1;
  const t0 = now();
  await ch.send('go');
  for (let i = 0; i < n; i++) {
    const x = await ch.receive({ timeout: 60_000 });
    if (bad < 0 && i % 9973 === 0) {
      const ok = kind === 'int' ? x === i : kind === 'str' ? x === `item-${i}` : idOf(x) === i;
      if (!ok) bad = i;
    }
  }
  const last = await ch.receive({ timeout: 60_000 });
  const dt = (now() - t0) / 1000;
  checks.push({ name: `remote→local ${kind}: ${n} items arrived in order, then null`, ok: bad < 0 && last === null, detail: bad >= 0 ? `item ${bad} differs` : undefined });
  return Math.round(n / dt);
}

async function l2r(ch: Channel, kind: Kind, n: number, checks: Check[]): Promise<number> {
  await ch.send(0);
  const items = new Array<unknown>(n);
  for (let i = 0; i < n; i++) items[i] = kind === 'int' ? i : kind === 'str' ? `item-${i}` : { id: i, name: 'x' };
  await sleep(200);
  const t0 = now();
  for (let i = 0; i < n; i++) await ch.send(items[i]);
  await ch.send(null);
  const c = await ch.receive({ timeout: 60_000 });
  const dt = (now() - t0) / 1000;
  checks.push({ name: `local→remote ${kind}: the worker counted ${n} + 1 items`, ok: c === n + 1, detail: c === n + 1 ? undefined : `got ${String(c)}` });
  return Math.round(n / dt);
}

/** Measure the python section; see the file header. */
export async function measurePython({ quick }: MeasureOptions): Promise<SectionData> {
  const rttN = quick ? 1000 : 10_000;
  const n = quick ? 20_000 : 200_000;
  const checks: Check[] = [];
  const spec = `popen//python=${PYTHON}`;
  const out: SectionData = { spec, rtt_n: rttN, n };
  const gw = await makeGateway(spec);
  log('[bench] python: round trips ...');
  const rtt = await roundTrips(gw, PY_ECHO, rttN);
  out.rtt = { us_per_roundtrip: rtt.us_per_roundtrip, inner_reps_us: rtt.inner_reps_us };
  checks.push({ name: 'every echo came back unchanged', ok: rtt.wrong === 0, detail: rtt.wrong ? `${rtt.wrong} differed` : undefined });
  for (const dir of ['r2l', 'l2r'] as const) {
    const res: Record<string, number> = {};
    for (const kind of KINDS) {
      log(`[bench] python: small ${dir} ${kind} ...`);
      const ch = gw.remoteExec(dir === 'r2l' ? SMALL_R2L : SMALL_L2R);
      res[`${kind}_items_per_s`] = dir === 'r2l' ? await r2l(ch, kind, n, checks) : await l2r(ch, kind, n, checks);
      await ch.waitClose({ timeout: 10_000 });
    }
    out[`small_${dir}`] = res;
  }
  await gw.terminate();
  out.checks = checks;
  return out;
}

runSectionMain(measurePython);
