/**
 * Section `rtt` (TypeScript side). Mirrors `sec_rtt` of the reference py_execnet_bench.py:
 * remote echo loop `for await (const x of channel) await channel.send(x)`; timed
 * `await ch.send(i); await ch.receive()` of a small int.
 * Measured for both codecs (`popen//codec=execnet`, `popen//codec=msgpack`), each on its own
 * gateway, and, in the same process, the raw Node limit: an 8-byte ping-pong with a node echo
 * child over child stdio (reference node_limits.mjs `stdio_rtt`).
 *
 * All three connections are opened and warmed up with 2,000 round trips each (JIT). The timed
 * round trips run in 18 rounds of 2,000 per connection; within a round the connections take
 * turns, in each of the 6 orders three times. µs per round trip = median over the rounds; the
 * ratio to raw = median over the rounds of that round's ratio, which pairs measurements taken a
 * fraction of a second apart.
 *
 * Three parts, each in its own processes: `spread`, where the processes run wherever the
 * scheduler puts them (as the reference measured); `one_cpu`, where this process and its
 * children are pinned to one CPU (`taskset`), so a round trip is the CPU time of both ends plus
 * two context switches; and `two_cpus`, where the children are pinned to one CPU and this
 * process to another, so every message wakes a process on the other CPU. `spread` switches
 * between those two cases from round to round, which on a 2-CPU machine makes its rounds vary
 * 2-3x whatever the connection; the pinned parts measure each case alone.
 *
 * Run alone: node --import tsx --conditions=@execnet/source tools/bench/src/sections/rtt.ts --part spread|one_cpu|two_cpus [--quick]
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

/** Measure one part of the rtt section; see the file header. */
export async function measureRtt({ quick, part }: MeasureOptions): Promise<SectionData> {
  if (part !== 'spread' && part !== 'one_cpu' && part !== 'two_cpus') throw new Error(`rtt: unknown part '${part}' (spread, one_cpu or two_cpus)`);
  const cpus = allowedCpus();
  if (part === 'two_cpus' && cpus.length < 2) throw new Error(`rtt two_cpus: this process may only run on CPU ${cpus.join(',')}`);
  // one_cpu: everything on the first CPU. two_cpus: the children on the second, then this process on the first.
  const placement = part === 'one_cpu' ? { local: cpus[0]!, children: cpus[0]! } : part === 'two_cpus' ? { local: cpus[0]!, children: cpus[1]! } : undefined;
  if (placement) pinTo(placement.children);
  const n = quick ? 200 : 2000;
  const checks: Check[] = [];
  const echo = startRawEcho();
  const raw: Subject = { key: 'raw_stdio', wrong: 0, roundTrip: () => echo.ping(), close: () => echo.close() };
  const subjects: Subject[] = [raw];
  for (const codec of CODECS) subjects.push(await gatewaySubject(codec, await openGateway(codec)));
  if (placement) pinTo(placement.local);
  for (const s of subjects) for (let i = 0; i < (quick ? 200 : WARMUP); i++) await s.roundTrip(i);
  const rounds = new Map<string, number[]>(subjects.map((s) => [s.key, []]));
  for (let r = 0; r < ROUNDS; r++) {
    log(`[bench] rtt ${part}: round ${r + 1} of ${ROUNDS} ...`);
    for (const index of ORDERS[r % ORDERS.length]!) {
      const s = subjects[index]!;
      const t0 = now();
      for (let i = 0; i < n; i++) await s.roundTrip(i);
      rounds.get(s.key)!.push(((now() - t0) * 1000) / n);
    }
  }
  const rawRounds = rounds.get(raw.key)!;
  const out: SectionData = { n_per_round: n, rounds: ROUNDS, warmup: WARMUP, ...(placement ? { cpus: placement } : {}) };
  for (const s of subjects) {
    await s.close();
    const xs = rounds.get(s.key)!;
    const entry: SectionData = { us_per_roundtrip: round(median(xs)), rounds_us: xs.map((x) => round(x)) };
    if (s !== raw) {
      const ratios = xs.map((x, r) => x / rawRounds[r]!);
      entry.ratio_to_raw = round(median(ratios));
      entry.rounds_ratio_to_raw = ratios.map((x) => round(x));
      checks.push({ name: `${s.key} codec: every echo came back unchanged`, ok: s.wrong === 0, detail: s.wrong ? `${s.wrong} differed` : undefined });
    }
    out[s.key] = entry;
  }
  out.checks = checks;
  return out;
}

runSectionMain(measureRtt);
