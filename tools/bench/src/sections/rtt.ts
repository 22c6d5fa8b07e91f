/**
 * Section `rtt` (TypeScript side). Mirrors `sec_rtt` of the reference py_execnet_bench.py:
 * remote echo loop `for await (const x of channel) await channel.send(x)`; timed
 * `await ch.send(i); await ch.receive()` of a small int.
 * Measured for both codecs (`popen//codec=execnet`, `popen//codec=msgpack`), each on its own
 * gateway, and, in the same process, the raw Node limit: an 8-byte ping-pong with a node echo
 * child over child stdio (reference node_limits.mjs `stdio_rtt`).
 *
 * Three parts, each in fresh processes. In the two pinned parts all three connections are open
 * at once and warmed up with 2,000 round trips each (JIT); the timed round trips run in 18 rounds
 * of 2,000 per connection, within a round the connections take turns, in each of the 6 orders
 * three times. `two_cpus` pins the children to one CPU and this process to another (`taskset`), so
 * every message wakes a process on the other CPU; `one_cpu` pins them all to one CPU, so a round
 * trip is the CPU time of both ends plus two context switches. `alone` pins nothing and runs one
 * connection at a time (see measureAlone), 6 cycles of 5,000 round trips, as the reference did.
 * µs per round trip = median over the rounds; the ratio to raw = median over the rounds of that
 * round's ratio, which pairs measurements taken close together.
 *
 * Run alone: node --import tsx --conditions=@execnet/source tools/bench/src/sections/rtt.ts --part two_cpus|one_cpu|alone [--quick]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { type Gateway } from '@execnet/core';
import { runSectionMain } from '../lib/child.js';
import { log, median, now, round } from '../lib/measure.js';
import { startRawEcho } from '../lib/raw.js';
import { CODECS, openGateway } from '../lib/remote.js';
import { type Check, type MeasureOptions, type SectionData } from '../lib/section.js';

const WARMUP = 2000;
const ROUNDS = 18;
/** The 6 orders of three connections (indexes), taken in turn. */
const ORDERS = [[0, 1, 2], [2, 1, 0], [1, 2, 0], [0, 2, 1], [2, 0, 1], [1, 0, 2]];
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

/** The CPUs this process may run on (`Cpus_allowed_list` of /proc/self/status). */
function allowedCpus(): number[] {
  const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0';
  return list.split(',').flatMap((range) => {
    const [from, to = from] = range.split('-').map(Number) as [number, number?];
    return Array.from({ length: to! - from + 1 }, (_, i) => from + i);
  });
}

/** Pins this process (all its threads) to `cpu`; children started later inherit it. */
function pinTo(cpu: number): void {
  execFileSync('taskset', ['--all-tasks', '--cpu-list', '--pid', String(cpu), String(process.pid)], { stdio: 'ignore' });
}

const RAW = 'raw_stdio';
/** The connections compared: raw Node stdio first, then a gateway per codec. */
const KEYS = [RAW, ...CODECS];

async function openSubject(key: string): Promise<Subject> {
  if (key !== RAW) return gatewaySubject(key, await openGateway(key as (typeof CODECS)[number]));
  const echo = startRawEcho();
  return { key, wrong: 0, roundTrip: () => echo.ping(), close: () => echo.close() };
}

/** Measure one part of the rtt section; see the file header. */
export async function measureRtt({ quick, part }: MeasureOptions): Promise<SectionData> {
  if (part === 'alone') return measureAlone(quick);
  if (part !== 'one_cpu' && part !== 'two_cpus') throw new Error(`rtt: unknown part '${part}' (two_cpus, one_cpu or alone)`);
  const cpus = allowedCpus();
  if (part === 'two_cpus' && cpus.length < 2) throw new Error(`rtt two_cpus: this process may only run on CPU ${cpus.join(',')}`);
  // one_cpu: everything on the first CPU. two_cpus: the children on the second, then this process on the first.
  const placement = part === 'one_cpu' ? { local: cpus[0]!, children: cpus[0]! } : { local: cpus[0]!, children: cpus[1]! };
  pinTo(placement.children);
  const n = quick ? 200 : 2000;
  const subjects: Subject[] = [];
  for (const key of KEYS) subjects.push(await openSubject(key));
  pinTo(placement.local);
  for (const s of subjects) for (let i = 0; i < (quick ? 200 : WARMUP); i++) await s.roundTrip(i);
  const rounds = new Map<string, number[]>(KEYS.map((key) => [key, []]));
  for (let r = 0; r < ROUNDS; r++) {
    log(`[bench] rtt ${part}: round ${r + 1} of ${ROUNDS} ...`);
    for (const index of ORDERS[r % ORDERS.length]!) {
      const s = subjects[index]!;
      const t0 = now();
      for (let i = 0; i < n; i++) await s.roundTrip(i);
      rounds.get(s.key)!.push(((now() - t0) * 1000) / n);
    }
  }
  for (const s of subjects) await s.close();
  return summarize({ n_per_round: n, rounds: ROUNDS, warmup: WARMUP, cpus: placement }, rounds, subjects);
}

/**
 * Unpinned, one connection at a time, as the reference measured (each in its own run): with
 * several connections open, which CPU a process lands on depends on the others' recent
 * activity, and rounds of the same connection then differed by 3x. Cycles of raw, execnet,
 * msgpack (in a rotating order), each opened, warmed up, timed and closed before the next.
 */
async function measureAlone(quick: boolean): Promise<SectionData> {
  const cycles = 6;
  const n = quick ? 500 : 5000;
  const rounds = new Map<string, number[]>(KEYS.map((key) => [key, []]));
  const measured: Subject[] = [];
  for (let c = 0; c < cycles; c++) {
    for (let k = 0; k < KEYS.length; k++) {
      const key = KEYS[(c + k) % KEYS.length]!;
      log(`[bench] rtt alone: ${key}, cycle ${c + 1} of ${cycles} ...`);
      const s = await openSubject(key);
      for (let i = 0; i < (quick ? 200 : WARMUP); i++) await s.roundTrip(i);
      const t0 = now();
      for (let i = 0; i < n; i++) await s.roundTrip(i);
      rounds.get(key)!.push(((now() - t0) * 1000) / n);
      await s.close();
      measured.push(s);
    }
  }
  return summarize({ n_per_round: n, rounds: cycles, warmup: WARMUP }, rounds, measured);
}

/** Medians per connection, and each gateway's ratio to raw: the median of its rounds' ratios. */
function summarize(out: SectionData, rounds: Map<string, number[]>, subjects: Subject[]): SectionData {
  const checks: Check[] = [];
  const rawRounds = rounds.get(RAW)!;
  for (const key of KEYS) {
    const xs = rounds.get(key)!;
    const entry: SectionData = { us_per_roundtrip: round(median(xs)), rounds_us: xs.map((x) => round(x)) };
    if (key !== RAW) {
      const ratios = xs.map((x, r) => x / rawRounds[r]!);
      entry.ratio_to_raw = round(median(ratios));
      entry.rounds_ratio_to_raw = ratios.map((x) => round(x));
      const wrong = subjects.filter((s) => s.key === key).reduce((sum, s) => sum + s.wrong, 0);
      checks.push({ name: `${key} codec: every echo came back unchanged`, ok: wrong === 0, detail: wrong ? `${wrong} differed` : undefined });
    }
    out[key] = entry;
  }
  out.checks = checks;
  return out;
}

runSectionMain(measureRtt);
