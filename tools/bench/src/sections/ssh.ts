/**
 * Section `ssh` (TypeScript side): gateways over SSH to a throwaway OpenSSH sshd on 127.0.0.1
 * (the harness starts it, see `src/lib/sshd.ts`, and passes TEST_SSH_PORT, TEST_SSH_KEY,
 * TEST_SSH_KNOWN_HOSTS). Spec:
 *   ssh=-p PORT -i KEY -o UserKnownHostsFile=KH -o StrictHostKeyChecking=yes root@127.0.0.1
 * with `@execnet/transport-ssh` (ssh2, one shared connection per host).
 *
 * - first gateway: makeGateway + remoteExec('channel.send(1)').receive() + exit(), with no
 *   other gateway open, so it includes the SSH connection (TCP, key exchange, authentication);
 *   N cycles after one warm-up, median. Each cycle then opens
 * - a second gateway on the shared connection while the first is still open (same steps);
 * - first gateway to a Python worker (`//python=/usr/bin/python3`): the same remote runtime as
 *   Python execnet's column;
 * - `ssh ... root@127.0.0.1 true` with the OpenSSH client, N times, in the same process;
 * - `bash -c '. ~/.bashrc'` locally: what the remote login shell spends in .bashrc;
 * - round trip of a small int (200 warm-up + 3 x N), 1 MiB items both ways (MB/s).
 *
 * Run alone (needs the TEST_SSH_* variables): node --import tsx --conditions=@execnet/source tools/bench/src/sections/ssh.ts [--quick]
 */
import { spawnSync } from 'node:child_process';
import { type Gateway, makeGateway, registerTransport } from '@execnet/core';
import { runSectionMain } from '../lib/child.js';
import { log, median, now, round } from '../lib/measure.js';
import { type Check, type MeasureOptions, type SectionData } from '../lib/section.js';
import { bulk, type Cycle, cycleMedians, gatewayCycle, JS_ECHO, roundTrips } from '../lib/transfer.js';
import { importWorkspacePackage } from '../lib/workspace.js';

type SshModule = typeof import('../../../../packages/transport-ssh/src/index.js');

function sshWords(): { port: string; key: string; knownHosts: string } {
  const { TEST_SSH_PORT: port, TEST_SSH_KEY: key, TEST_SSH_KNOWN_HOSTS: knownHosts } = process.env;
  if (!port || !key || !knownHosts) throw new Error('ssh section: TEST_SSH_PORT, TEST_SSH_KEY and TEST_SSH_KNOWN_HOSTS must be set (the harness starts an sshd)');
  return { port, key, knownHosts };
}

/** Median ms of `n` runs of a command (after one warm-up), or undefined if it failed. */
function timeCommand(cmd: string, args: string[], n: number): { ms: number; ok: boolean } {
  const xs: number[] = [];
  let ok = true;
  for (let i = 0; i < n + 1; i++) {
    const t0 = now();
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const dt = now() - t0;
    if (r.status !== 0) ok = false;
    if (i > 0) xs.push(dt);
  }
  return { ms: round(median(xs), 2), ok };
}

/** Measure the ssh section; see the file header. */
export async function measureSsh({ quick }: MeasureOptions): Promise<SectionData> {
  const { sshTransport } = await importWorkspacePackage<SshModule>('transport-ssh');
  registerTransport(sshTransport());
  // An ssh connection is unref'd while no receive/join waits on it; a send() waiting for the
  // window (backpressure) does not hold it, so the process would end in the middle of a
  // local→remote transfer. Keep the event loop alive while measuring.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    return await measure(quick);
  } finally {
    clearInterval(keepAlive);
  }
}

async function measure(quick: boolean): Promise<SectionData> {
  const { port, key, knownHosts } = sshWords();
  const spec = `ssh=-p ${port} -i ${key} -o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes root@127.0.0.1`;
  const n = quick ? 2 : 7;
  const rttN = quick ? 200 : 2000;
  const bulkN = quick ? 8 : 64;
  const checks: Check[] = [];
  const out: SectionData = { spec, n, rtt_n: rttN, bulk_items: bulkN, item_bytes: 1 << 20 };

  // Warm-up: one full cycle (first connection, worker runtime sent).
  log('[bench] ssh: warm-up ...');
  await gatewayCycle(() => makeGateway(spec));

  const first: Cycle[] = [];
  const second: Cycle[] = [];
  const firstExit: number[] = [];
  for (let i = 0; i < n; i++) {
    log(`[bench] ssh: startup cycle ${i + 1} of ${n} ...`);
    // First gateway, up to its answer; its exit() is timed after the second gateway's cycle.
    const t0 = now();
    const gw1 = await makeGateway(spec);
    const t1 = now();
    const v = await gw1.remoteExec('channel.send(1)').receive({ timeout: 30_000 });
    const t2 = now();
    if (v !== 1) throw new Error(`first gateway answered ${String(v)}`);
    second.push(await gatewayCycle(() => makeGateway(spec)));
    const t3 = now();
    gw1.exit();
    const exitMs = now() - t3;
    await gw1.join({ timeout: 30_000 }).catch(() => undefined);
    await gw1.terminate();
    const t4 = now();
    firstExit.push(exitMs);
    first.push({ total: t2 - t0 + exitMs, create: t1 - t0, firstexec: t2 - t1, exit: exitMs, reap: t4 - t3 + (t2 - t0) });
  }
  Object.assign(out, cycleMedians('first_gateway', first), cycleMedians('second_gateway', second));

  const pySpec = `${spec}//python=/usr/bin/python3`;
  log('[bench] ssh: Python worker cycles ...');
  await gatewayCycle(() => makeGateway(pySpec));
  const pyCycles: Cycle[] = [];
  for (let i = 0; i < n; i++) pyCycles.push(await gatewayCycle(() => makeGateway(pySpec)));
  Object.assign(out, cycleMedians('python_worker_gateway', pyCycles));

  log('[bench] ssh: OpenSSH client baseline ...');
  const sshArgs = ['-p', port, '-i', key, '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR', 'root@127.0.0.1'];
  const sshTrue = timeCommand('ssh', [...sshArgs, 'true'], n);
  out.openssh_true_ms = sshTrue.ms;
  checks.push({ name: 'ssh host true (OpenSSH client) succeeded', ok: sshTrue.ok });
  const bashrc = timeCommand('bash', ['-c', '. ~/.bashrc'], n);
  out.bashrc_ms = bashrc.ms;
  out.bash_c_true_ms = timeCommand('bash', ['-c', 'true'], n).ms;

  log('[bench] ssh: round trips and bulk ...');
  const gw: Gateway = await makeGateway(spec);
  const rtt = await roundTrips(gw, JS_ECHO, rttN);
  out.rtt = { us_per_roundtrip: rtt.us_per_roundtrip, inner_reps_us: rtt.inner_reps_us };
  checks.push({ name: 'every echo came back unchanged', ok: rtt.wrong === 0, detail: rtt.wrong ? `${rtt.wrong} differed` : undefined });
  for (const dir of ['r2l', 'l2r'] as const) {
    log(`[bench] ssh: bulk ${dir} ...`);
    const b = await bulk(gw, dir, bulkN);
    out[`bulk_${dir}`] = b;
    checks.push({ name: `bulk ${dir}: ${bulkN} x 1 MiB arrived`, ok: b.ok });
  }
  await gw.terminate();
  checks.push({ name: `${3 * n + 2} gateway cycles answered 1`, ok: true });
  out.checks = checks;
  return out;
}

runSectionMain(measureSsh);
