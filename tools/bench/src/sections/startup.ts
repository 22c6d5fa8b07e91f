/**
 * Section `startup` (TypeScript side). Mirrors `sec_startup` of the reference
 * py_execnet_bench.py: N = 20 cycles after 2 warm-ups of
 *   t0 makeGateway('popen') t1 remoteExec('channel.send(1)').receive() t2 exit() t3
 * startup = t3 - t0 (exit() only asks the worker to finish, like execnet's gw.exit()), with
 * the split; then the cycle waits until the worker process has exited (t4,
 * "incl. reap" = t4 - t0) before the next one starts.
 *
 * In the same process and environment: spawn+exit of `node -e 0` (reference node_limits.mjs),
 * N = 20 after 2 warm-ups. Each iteration runs `node -e 0`, then the default-spec cycle, a
 * `popen//codec=msgpack` cycle and a default cycle with EXECNET_CODE_CACHE=0 (the worker
 * compiles its runtime from source, as remote workers do) back to back, in an order that
 * rotates from one iteration to the next, so machine noise hits all four alike. The warm-ups also leave the V8 code cache of the worker runtime in place.
 * Everything is measured twice: with the environment as it is (NODE_EXTRA_CA_CERTS is set on
 * the project machine; Node parses that bundle at every start) and with that variable
 * removed from the environment the children inherit.
 *
 * Also: the worker's peak RSS right after startup (it reports process.resourceUsage().maxRSS).
 *
 * Run alone: node --import tsx --conditions=@execnet/source tools/bench/src/sections/startup.ts [--quick]
 */
import { execFileSync } from 'node:child_process';
import { runSectionMain } from '../lib/child.js';
import { log, median, now, round } from '../lib/measure.js';
import { envWithoutExtraCa, spawnExit } from '../lib/raw.js';
import { type CodecName, openGateway } from '../lib/remote.js';
import { type Check, type MeasureOptions, type SectionData } from '../lib/section.js';

const WARMUP = 2;

interface Cycle {
  total: number;
  create: number;
  firstexec: number;
  exit: number;
  reap: number;
}

async function gatewayCycle(codec?: CodecName, codeCache = true): Promise<Cycle> {
  // EXECNET_CODE_CACHE=0: the worker compiles its runtime from source (as remote workers do).
  if (codeCache) delete process.env.EXECNET_CODE_CACHE;
  else process.env.EXECNET_CODE_CACHE = '0';
  const t0 = now();
  const gw = await openGateway(codec);
  const t1 = now();
  const ch = gw.remoteExec('channel.send(1)');
  const v = await ch.receive();
  if (v !== 1) throw new Error(`remote sent ${String(v)} instead of 1`);
  const t2 = now();
  gw.exit();
  const t3 = now();
  await gw.join();
  const { killed } = await gw.terminate();
  const t4 = now();
  if (killed) throw new Error('the worker had to be killed');
  return { total: t3 - t0, create: t1 - t0, firstexec: t2 - t1, exit: t3 - t2, reap: t4 - t0 };
}

function summarize(xs: Cycle[]): SectionData {
  const ms = (k: keyof Cycle): number => round(median(xs.map((c) => c[k])), 3);
  return {
    startup_ms: ms('total'),
    startup_min_ms: round(Math.min(...xs.map((c) => c.total)), 3),
    makegateway_ms: ms('create'),
    first_remote_exec_roundtrip_ms: ms('firstexec'),
    exit_call_ms: ms('exit'),
    startup_incl_child_reap_ms: ms('reap'),
  };
}

/** One environment: N iterations of [node -e 0, default cycle, msgpack cycle, default cycle without code cache]. */
async function measureEnv(n: number, env: NodeJS.ProcessEnv): Promise<SectionData> {
  const saved = process.env;
  process.env = { ...env }; // what the popen transport's children inherit
  try {
    const node0: number[] = [];
    const def: Cycle[] = [];
    const msgpack: Cycle[] = [];
    const noCache: Cycle[] = [];
    for (let i = 0; i < n + WARMUP; i++) {
      const a = await spawnExit(process.execPath, ['-e', '0'], { env });
      // The three gateway cycles take turns at coming first, so none always follows node -e 0.
      const cycles = [() => gatewayCycle(), () => gatewayCycle('msgpack'), () => gatewayCycle(undefined, false)];
      const results: Cycle[] = [];
      for (let k = 0; k < cycles.length; k++) {
        const j = (i + k) % cycles.length;
        results[j] = await cycles[j]!();
      }
      const [b, c, d] = results as [Cycle, Cycle, Cycle];
      if (i < WARMUP) continue;
      node0.push(a);
      def.push(b);
      msgpack.push(c);
      noCache.push(d);
    }
    return {
      node_e_0_ms: round(median(node0), 3),
      node_e_0_min_ms: round(Math.min(...node0), 3),
      default: summarize(def),
      msgpack: summarize(msgpack),
      no_code_cache: summarize(noCache),
    };
  } finally {
    process.env = saved;
  }
}

/** Peak RSS of a fresh worker right after its first remoteExec, in MiB. */
async function workerStartupRss(codec?: CodecName): Promise<number> {
  const gw = await openGateway(codec);
  const ch = gw.remoteExec('channel.send(process.resourceUsage().maxRSS)');
  const kib = (await ch.receive()) as number;
  await gw.terminate();
  return round(kib / 1024, 1);
}

/** Measure the startup section; see the file header. */
export async function measureStartup({ quick }: MeasureOptions): Promise<SectionData> {
  const n = quick ? 5 : 20;
  const checks: Check[] = [];
  log('[bench] startup: environment as is ...');
  const asIs = await measureEnv(n, process.env);
  log('[bench] startup: without NODE_EXTRA_CA_CERTS ...');
  const noCa = await measureEnv(n, envWithoutExtraCa());
  const bareRss = (env: NodeJS.ProcessEnv): number =>
    round(Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.resourceUsage().maxRSS))'], { env, encoding: 'utf8' })) / 1024, 1);
  const rssDefault = await workerStartupRss();
  const rssMsgpack = await workerStartupRss('msgpack');
  checks.push({ name: `${(n + WARMUP) * 6} gateway cycles answered 1 and exited without being killed`, ok: true });
  return {
    n,
    warmups: WARMUP,
    NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? null,
    as_is: asIs,
    no_extra_ca: noCa,
    node_bare_maxrss_MiB: bareRss(process.env),
    node_bare_maxrss_no_extra_ca_MiB: bareRss(envWithoutExtraCa()),
    worker_maxrss_after_startup_MiB: rssDefault,
    worker_msgpack_maxrss_after_startup_MiB: rssMsgpack,
    checks,
  };
}

runSectionMain(measureStartup);
