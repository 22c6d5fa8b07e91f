/*
 * startSocketServer: configuration checks, many gateways at once, `once`, shutdown, the log.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecnetErrorCode, Group, isExecnetError, registerTransport } from '@execnet/core';
import { SocketErrorCode, SocketServerError, socketTransport, startSocketServer, type SocketServerOptions } from '@execnet/transport-socket';
import { eventually, processExists, SECRET, startTestServer } from './helpers.js';

/** Asserts that starting a server with these options fails with SocketServerError. */
async function refusesToStart(options: SocketServerOptions): Promise<void> {
  await assert.rejects(startSocketServer({ port: 0, log: () => undefined, ...options }), (error: unknown) => {
    assert.ok(error instanceof SocketServerError);
    assert.equal(error.code, SocketErrorCode.SERVER);
    return true;
  });
}

describe('startSocketServer configuration', () => {
  it('refuses to start without a secret', async () => {
    const saved = process.env.EXECNET_SOCKET_SECRET;
    delete process.env.EXECNET_SOCKET_SECRET;
    try {
      await refusesToStart({});
    } finally {
      if (saved !== undefined) process.env.EXECNET_SOCKET_SECRET = saved;
    }
  });

  it('refuses a secret shorter than 16 bytes', async () => {
    await refusesToStart({ secret: 'short' });
  });

  it('refuses insecureNoSecret on a non-loopback address unless forced', async () => {
    await refusesToStart({ host: '0.0.0.0', insecureNoSecret: true });
    const events: string[] = [];
    const server = await startSocketServer({ host: '0.0.0.0', port: 0, insecureNoSecret: true, force: true, log: (_l, e) => events.push(e.kind) });
    await server.close();
    assert.ok(events.includes('warning'));
  });

  it('refuses a secret together with insecureNoSecret, and a TLS key without certificate', async () => {
    await refusesToStart({ secret: SECRET, insecureNoSecret: true });
    await refusesToStart({ secret: SECRET, tls: { cert: '', key: 'x' } });
  });

  it('reports an address in use as SocketServerError with the cause', async () => {
    const first = await startTestServer();
    try {
      await refusesToStart({ secret: SECRET, port: first.server.port });
    } finally {
      await first.server.close();
    }
  });

  it('reads the secret from a file, and warns when others may read that file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'execnet-socket-secret-'));
    try {
      const file = join(dir, 'secret');
      writeFileSync(file, `${SECRET}\n`);
      chmodSync(file, 0o644);
      const loose = await startTestServer({ secret: undefined, secretFile: file });
      await loose.server.close();
      assert.ok(loose.events.some((e) => e.kind === 'warning'));
      chmodSync(file, 0o600);
      const tight = await startTestServer({ secret: undefined, secretFile: file });
      await tight.server.close();
      assert.ok(!tight.events.some((e) => e.kind === 'warning'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('listens on 127.0.0.1 by default', async () => {
    const t = await startTestServer();
    await t.server.close();
    assert.equal(t.server.host, '127.0.0.1');
    assert.equal(t.server.address, `127.0.0.1:${t.server.port}`);
  });
});

describe('serving', () => {
  it('serves many gateways at once, each with its own worker process; one log line each', async () => {
    const t = await startTestServer();
    registerTransport(socketTransport({ secret: SECRET }));
    const group = new Group();
    try {
      const gateways = await Promise.all(Array.from({ length: 6 }, () => group.makeGateway(`socket=${t.server.address}`, { onOutput: () => undefined })));
      const pids = await Promise.all(gateways.map(async (gw) => (await gw.remoteInfo()).pid));
      assert.equal(new Set(pids).size, 6);
      // All serve at the same time: each waits for a value sent to another one.
      const channels = gateways.map((gw) => gw.remoteExec('channel.send(await channel.receive() + 1)'));
      await Promise.all(channels.map((ch, i) => ch.send(i)));
      assert.deepEqual(await Promise.all(channels.map((ch) => ch.receive({ timeout: 10_000 }))), [1, 2, 3, 4, 5, 6]);
      await group.terminate({ timeout: 2000 });
      assert.ok(await eventually(() => t.connections().length === 6, 5000));
      for (const event of t.connections()) {
        assert.equal(event.outcome, 'served');
        assert.deepEqual(event.exit, { code: 0, signal: null });
      }
    } finally {
      await group.terminate({ timeout: 2000 });
      await t.server.close();
    }
  });

  it('once: serves one gateway, then stops by itself', async () => {
    const t = await startTestServer({ once: true });
    registerTransport(socketTransport({ secret: SECRET }));
    const group = new Group();
    try {
      // A failed authentication does not use up the one gateway.
      registerTransport(socketTransport({ secret: 'not-the-secret-0123456789' }));
      await assert.rejects(group.makeGateway(`socket=${t.server.address}`), (e: unknown) => isExecnetError(e) && e.code === ExecnetErrorCode.AUTHENTICATION);
      registerTransport(socketTransport({ secret: SECRET }));
      const gw = await group.makeGateway(`socket=${t.server.address}`, { onOutput: () => undefined });
      await assert.rejects(group.makeGateway(`socket=${t.server.address}`), (e: unknown) => isExecnetError(e) && e.code === SocketErrorCode.CONNECT);
      assert.equal(await gw.remoteExec('channel.send("only")').receive({ timeout: 10_000 }), 'only');
      await group.terminate({ timeout: 2000 });
      await t.server.closed;
      assert.equal(t.connections().filter((e) => e.outcome === 'served').length, 1);
    } finally {
      await group.terminate({ timeout: 2000 });
      await t.server.close();
    }
  });

  it('close() ends busy workers; their gateways see GatewayClosedError', async () => {
    const t = await startTestServer();
    registerTransport(socketTransport({ secret: SECRET }));
    const group = new Group();
    try {
      const gw = await group.makeGateway(`socket=${t.server.address}`, { onOutput: () => undefined });
      const { pid } = await gw.remoteInfo();
      const busy = gw.remoteExec('await channel.send("spinning"); for (;;) {}');
      assert.equal(await busy.receive({ timeout: 10_000 }), 'spinning');
      const pending = busy.receive({ timeout: 10_000 });
      pending.catch(() => undefined); // asserted below
      await t.server.close();
      assert.equal(processExists(pid), false);
      await assert.rejects(pending, (e: unknown) => isExecnetError(e) && e.code === ExecnetErrorCode.GATEWAY_CLOSED);
      const event = t.connections()[0]!;
      assert.equal(event.outcome, 'served');
      assert.equal(event.exit?.signal, 'SIGTERM');
    } finally {
      await group.terminate({ timeout: 2000 });
    }
  });

  it('workers do not inherit EXECNET_SOCKET_SECRET', async () => {
    const saved = process.env.EXECNET_SOCKET_SECRET;
    process.env.EXECNET_SOCKET_SECRET = SECRET;
    const t = await startTestServer({ secret: undefined });
    registerTransport(socketTransport({ secret: SECRET }));
    const group = new Group();
    try {
      const gw = await group.makeGateway(`socket=${t.server.address}`, { onOutput: () => undefined });
      assert.equal(await gw.remoteExec('channel.send(process.env.EXECNET_SOCKET_SECRET ?? null)').receive({ timeout: 10_000 }), null);
    } finally {
      if (saved === undefined) delete process.env.EXECNET_SOCKET_SECRET;
      else process.env.EXECNET_SOCKET_SECRET = saved;
      await group.terminate({ timeout: 2000 });
      await t.server.close();
    }
  });

  it('a worker executable that cannot start: BootstrapError with the reason; logged as failed', async () => {
    const t = await startTestServer({ workerExecutable: '/nonexistent/node' });
    registerTransport(socketTransport({ secret: SECRET }));
    const group = new Group();
    try {
      await assert.rejects(group.makeGateway(`socket=${t.server.address}`, { onOutput: () => undefined, timeout: 10_000 }), (e: unknown) => {
        assert.ok(isExecnetError(e));
        assert.equal(e.code, ExecnetErrorCode.BOOTSTRAP);
        assert.ok((e as unknown as { stderrTail: string[] }).stderrTail.join('\n').includes('/nonexistent/node'));
        return true;
      });
      assert.ok(await eventually(() => t.connections().length === 1, 5000));
      assert.equal(t.connections()[0]!.outcome, 'failed');
    } finally {
      await group.terminate({ timeout: 2000 });
      await t.server.close();
    }
  });
});
