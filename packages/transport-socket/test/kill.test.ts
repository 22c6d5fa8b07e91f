/*
 * A client that goes away leaves no worker behind on the server: killed gateways, and a
 * master process killed with SIGKILL (its socket closed by the OS), idle or busy.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Group, registerTransport } from '@execnet/core';
import { socketTransport } from '@execnet/transport-socket';
import { eventually, processExists, SECRET, startTestServer, type TestServer } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..', '..');
/** The bound of the issue: no worker left 5 s after the client is gone. */
const BOUND_MS = 5000;

/** Starts fixtures/master.ts against `address`; resolves with the child and its worker's pid. */
async function startMaster(address: string, mode: 'idle' | 'busy') {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@execnet/source', join(here, 'fixtures', 'master.ts'), address, mode], {
    cwd: repoRoot,
    env: { ...process.env, EXECNET_SOCKET_SECRET: SECRET },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let out = '';
  const pid = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve((JSON.parse(out) as { pid: number }).pid);
    });
    child.once('exit', (code) => reject(new Error(`master exited with ${code} before reporting a worker`)));
  });
  return { child, pid, exited };
}

describe('a client that goes away', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    registerTransport(socketTransport({ secret: SECRET }));
  });
  after(() => t.server.close());

  for (const mode of ['idle', 'busy'] as const) {
    it(`gw.kill() with the worker ${mode}: the server kills it within 5 s`, async () => {
      const group = new Group();
      try {
        const gw = await group.makeGateway(`socket=${t.server.address}`, { onOutput: () => undefined });
        const { pid } = await gw.remoteInfo();
        if (mode === 'busy') assert.equal(await gw.remoteExec('await channel.send(1); for (;;) {}').receive({ timeout: 10_000 }), 1);
        gw.kill();
        assert.ok(await eventually(() => !processExists(pid), BOUND_MS), `worker ${pid} still running`);
      } finally {
        await group.terminate({ timeout: 1000 });
      }
    });

    it(`SIGKILL of the master process (${mode} worker): the server kills the worker within 5 s`, async () => {
      const before = t.connections().length;
      const master = await startMaster(t.server.address, mode);
      assert.ok(processExists(master.pid));
      master.child.kill('SIGKILL');
      await master.exited;
      const started = Date.now();
      assert.ok(await eventually(() => !processExists(master.pid), BOUND_MS), `worker ${master.pid} still running`);
      assert.ok(Date.now() - started < BOUND_MS);
      // Events of earlier tests may land late, so look for this worker's own event.
      const ours = () => t.connections().slice(before).find((e) => e.workerPid === master.pid);
      assert.ok(await eventually(() => ours() !== undefined, 2000), `no connection event for worker ${master.pid}`);
      assert.equal(ours()!.outcome, 'served');
    });
  }
});
