/**
 * Section `socket` (TypeScript side): socket gateways to an `execnet-socketserver` running as a
 * separate process on 127.0.0.1 (a free port, a random 32-byte secret in
 * EXECNET_SOCKET_SECRET), next to popen gateways measured in the same process:
 * - startup: makeGateway + remoteExec('channel.send(1)').receive() + exit(), N cycles after one
 *   warm-up, socket and popen cycles alternating; medians;
 * - round trip of a small int through an echo loop (200 warm-up, then 3 x N, turns alternating);
 * - 1 MiB items remote→local and local→remote (MB/s).
 *
 * Run alone: node --import tsx --conditions=@execnet/source tools/bench/src/sections/socket.ts [--quick]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { type Gateway, makeGateway, registerTransport } from '@execnet/core';
import { popenTransport } from '@execnet/transport-popen';
import { runSectionMain } from '../lib/child.js';
import { log, median, now, round } from '../lib/measure.js';
import { type Check, type MeasureOptions, type SectionData } from '../lib/section.js';
import { REPO_ROOT } from '../lib/spawn.js';
import { freePort } from '../lib/sshd.js';
import { bulk, type Cycle, cycleMedians, gatewayCycle, JS_ECHO } from '../lib/transfer.js';
import { importWorkspacePackage, nodeScriptArgs, packageDir } from '../lib/workspace.js';

type SocketModule = typeof import('../../../../packages/transport-socket/src/index.js');

/** Starts `execnet-socketserver --listen 127.0.0.1:PORT` and waits for "listening on". */
async function startServer(secret: string): Promise<{ address: string; child: ChildProcess; startMs: number }> {
  const port = await freePort();
  const dir = packageDir('transport-socket');
  const args = [...nodeScriptArgs(path.join(dir, 'src', 'bin.ts'), path.join(dir, 'dist', 'bin.js')), '--listen', `127.0.0.1:${port}`];
  const t0 = now();
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, EXECNET_SOCKET_SECRET: secret }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.on('data', () => undefined); // one log line per connection: not needed
  const lines = createInterface({ input: child.stdout! });
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('execnet-socketserver did not start within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`execnet-socketserver exited with ${code}`)));
    lines.on('line', (line) => {
      const m = /listening on (\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  return { address, child, startMs: round(now() - t0, 1) };
}

/** Measure the socket section; see the file header. */
export async function measureSocket({ quick }: MeasureOptions): Promise<SectionData> {
  const keepAlive = setInterval(() => undefined, 1 << 30); // see ssh.ts: sends waiting for drain do not hold the loop
  const secret = randomBytes(32).toString('hex');
  const server = await startServer(secret);
  try {
    return await measure(quick, secret, server.address, server.startMs);
  } finally {
    server.child.kill('SIGTERM');
    clearInterval(keepAlive);
  }
}

async function measure(quick: boolean, secret: string, address: string, serverStartMs: number): Promise<SectionData> {
  const { socketTransport } = await importWorkspacePackage<SocketModule>('transport-socket');
  registerTransport(socketTransport({ secret }));
  registerTransport(popenTransport());
  const specs = { socket: `socket=${address}`, popen: 'popen' } as const;
  const n = quick ? 3 : 15;
  const rttN = quick ? 500 : 5000;
  const bulkN = quick ? 16 : 256;
  const checks: Check[] = [];
  const out: SectionData = { n, rtt_n: rttN, bulk_items: bulkN, server_start_ms: serverStartMs };

  log('[bench] socket: startup cycles ...');
  const cycles: Record<string, Cycle[]> = { socket: [], popen: [] };
  for (let i = 0; i < n + 1; i++) {
    for (const kind of ['socket', 'popen'] as const) {
      const c = await gatewayCycle(() => makeGateway(specs[kind]));
      if (i > 0) cycles[kind]!.push(c);
    }
  }
  Object.assign(out, cycleMedians('socket_startup', cycles.socket!), cycleMedians('popen_startup', cycles.popen!));

  log('[bench] socket: round trips ...');
  const gws: Record<string, Gateway> = { socket: await makeGateway(specs.socket), popen: await makeGateway(specs.popen) };
  const chans = Object.fromEntries(Object.entries(gws).map(([k, gw]) => [k, gw.remoteExec(JS_ECHO)]));
  const reps: Record<string, number[]> = { socket: [], popen: [] };
  let wrong = 0;
  const run = async (k: string, count: number): Promise<number> => {
    const ch = chans[k]!;
    const t0 = now();
    for (let i = 0; i < count; i++) {
      await ch.send(i);
      if ((await ch.receive({ timeout: 30_000 })) !== i) wrong++;
    }
    return now() - t0;
  };
  for (const k of Object.keys(chans)) await run(k, 200);
  for (let rep = 0; rep < 3; rep++) for (const k of Object.keys(chans)) reps[k]!.push(((await run(k, rttN)) * 1000) / rttN);
  for (const k of Object.keys(chans)) {
    out[`${k}_rtt`] = { us_per_roundtrip: round(median(reps[k]!)), inner_reps_us: reps[k]!.map((x) => round(x)) };
    chans[k]!.close();
    await chans[k]!.waitClose({ timeout: 10_000 });
  }
  checks.push({ name: 'every echo came back unchanged (socket and popen)', ok: wrong === 0, detail: wrong ? `${wrong} differed` : undefined });

  for (const dir of ['r2l', 'l2r'] as const) {
    for (const k of ['socket', 'popen']) {
      log(`[bench] socket: bulk ${dir} ${k} ...`);
      const b = await bulk(gws[k]!, dir, bulkN);
      out[`${k}_bulk_${dir}`] = b;
      checks.push({ name: `${k} bulk ${dir}: ${bulkN} x 1 MiB arrived`, ok: b.ok });
    }
  }
  for (const gw of Object.values(gws)) await gw.terminate();
  checks.push({ name: `${2 * (n + 1)} gateway cycles answered 1`, ok: true });
  out.checks = checks;
  return out;
}

runSectionMain(measureSocket);
