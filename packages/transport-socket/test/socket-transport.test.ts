/*
 * The client side: addresses (IPv4, IPv6, host names), connection errors, spec checks,
 * what a socket gateway reports (remoteAddress, exit status, worker output).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { writeFileSync, mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecnetErrorCode, Group, isExecnetError, registerTransport, type Gateway } from '@execnet/core';
import { SocketConnectError, SocketErrorCode, socketTransport, type SocketOptions } from '@execnet/transport-socket';
import { SECRET, startTestServer, type TestServer } from './helpers.js';

/** Makes a gateway in a fresh group with a transport of these options. */
async function open(spec: string, options: SocketOptions = { secret: SECRET }): Promise<{ gw: Gateway; group: Group; output: string[] }> {
  registerTransport(socketTransport(options));
  const group = new Group();
  const output: string[] = [];
  try {
    const gw = await group.makeGateway(spec, { timeout: 10_000, onOutput: (text) => output.push(text) });
    return { gw, group, output };
  } catch (error) {
    await group.terminate({ timeout: 1000 });
    throw error;
  }
}

/** Asserts that `promise` rejects with an execnet error of `code`; returns it. */
async function rejectsWith(promise: Promise<unknown>, code: string): Promise<Error & { code: string }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isExecnetError(error), String(error));
    assert.equal(error.code, code, String(error));
    return error as Error & { code: string };
  }
  assert.fail(`expected ${code}`);
}

describe('socket gateways', () => {
  let t: TestServer;
  let v6: TestServer | undefined;
  before(async () => {
    t = await startTestServer();
    try {
      v6 = await startTestServer({ host: '::1' });
    } catch {
      v6 = undefined; // no IPv6 loopback here
    }
  });
  after(async () => {
    await t.server.close();
    await v6?.server.close();
  });

  it('remoteAddress is the server address; the worker runs on the server side', async () => {
    const { gw, group } = await open(`socket=${t.server.address}`);
    try {
      assert.equal(gw.remoteAddress, t.server.address);
      assert.equal(gw.pid, undefined, 'the worker is not a local process');
      const info = await gw.remoteInfo();
      assert.notEqual(info.pid, process.pid);
    } finally {
      await group.terminate({ timeout: 2000 });
    }
  });

  it('IPv6: socket=[::1]:PORT', async (test) => {
    if (v6 === undefined) return test.skip('no IPv6 loopback here');
    const { gw, group } = await open(`socket=[::1]:${v6!.server.port}`);
    try {
      assert.equal(gw.remoteAddress, `[::1]:${v6!.server.port}`);
      assert.equal(await gw.remoteExec('channel.send("v6")').receive({ timeout: 10_000 }), 'v6');
    } finally {
      await group.terminate({ timeout: 2000 });
    }
  });

  it('host names: socket=localhost:PORT', async () => {
    const { gw, group } = await open(`socket=localhost:${t.server.port}`);
    try {
      assert.equal(await gw.remoteExec('channel.send("by name")').receive({ timeout: 10_000 }), 'by name');
    } finally {
      await group.terminate({ timeout: 2000 });
    }
  });

  it('the worker gets the spec: chdir, env, execmodel', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'execnet-socket-chdir-'));
    try {
      const { gw, group } = await open(`socket=${t.server.address}//chdir=${join(dir, 'sub')}//env:GREETING=hi//execmodel=thread`);
      try {
        const ch = gw.remoteExec('channel.send([process.cwd(), process.env.GREETING])');
        assert.deepEqual(await ch.receive({ timeout: 10_000 }), [join(dir, 'sub'), 'hi']);
        assert.equal((await gw.remoteStatus()).execModel, 'thread');
      } finally {
        await group.terminate({ timeout: 2000 });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('worker output reaches onOutput; remote death reports the exit code and stderr', async () => {
    const { gw, group, output } = await open(`socket=${t.server.address}`);
    try {
      await gw.remoteExec('console.log("to stdout"); console.error("last words"); channel.send(1)').receive({ timeout: 10_000 });
      const dying = gw.remoteExec('await channel.receive()');
      gw.remoteExec('setTimeout(() => process.exit(3), 50)');
      const error = await rejectsWith(dying.receive({ timeout: 10_000 }), ExecnetErrorCode.GATEWAY_CLOSED);
      assert.equal((error as unknown as { exitCode: number }).exitCode, 3);
      assert.ok((error as unknown as { stderrTail: string[] }).stderrTail.some((line) => line.includes('last words')));
      assert.ok(output.join('').includes('to stdout'));
    } finally {
      await group.terminate({ timeout: 2000 });
    }
  });

  it('the secret can come from a file or from EXECNET_SOCKET_SECRET', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'execnet-socket-secret-'));
    const file = join(dir, 'secret');
    writeFileSync(file, `${SECRET}\n`);
    chmodSync(file, 0o600);
    const saved = process.env.EXECNET_SOCKET_SECRET;
    try {
      const fromFile = await open(`socket=${t.server.address}`, { secretFile: file });
      await fromFile.group.terminate({ timeout: 2000 });
      process.env.EXECNET_SOCKET_SECRET = SECRET;
      const fromEnv = await open(`socket=${t.server.address}`, {});
      await fromEnv.group.terminate({ timeout: 2000 });
    } finally {
      if (saved === undefined) delete process.env.EXECNET_SOCKET_SECRET;
      else process.env.EXECNET_SOCKET_SECRET = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('connection errors', () => {
  it('an unresolvable host name is HostNotFound', async () => {
    const error = await rejectsWith(open('socket=no-such-host.invalid:8888'), ExecnetErrorCode.HOST_NOT_FOUND);
    assert.equal((error as unknown as { host: string }).host, 'no-such-host.invalid:8888');
  });

  it('a refused connection is SocketConnectError with errno ECONNREFUSED', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const error = await rejectsWith(open(`socket=127.0.0.1:${port}`), SocketErrorCode.CONNECT);
    assert.ok(error instanceof SocketConnectError);
    assert.equal(error.errno, 'ECONNREFUSED');
    assert.equal(error.address, `127.0.0.1:${port}`);
  });

  it('an unreadable secret file is an AuthenticationError', async () => {
    await rejectsWith(open('socket=127.0.0.1:8888', { secretFile: join(tmpdir(), `no-such-secret-${process.pid}`) }), ExecnetErrorCode.AUTHENTICATION);
  });

  it('a server that is not an execnet socket server is SocketConnectError', async () => {
    const http = createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    try {
      const port = (http.address() as { port: number }).port;
      await rejectsWith(open(`socket=127.0.0.1:${port}`), SocketErrorCode.CONNECT);
    } finally {
      http.close();
    }
  });

  it('a server that never answers: TimeoutError after connectTimeout', async () => {
    const accepted: Socket[] = [];
    const silent = createServer((socket) => void accepted.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as { port: number }).port;
      const started = Date.now();
      await rejectsWith(open(`socket=127.0.0.1:${port}`, { secret: SECRET, connectTimeout: 300 }), ExecnetErrorCode.TIMEOUT);
      assert.ok(Date.now() - started < 5000);
    } finally {
      for (const socket of accepted) socket.destroy();
      silent.close();
    }
  });
});

describe('specs a socket gateway cannot honour', () => {
  for (const spec of [
    'socket=127.0.0.1:8888//python=python3',
    'socket=127.0.0.1:8888//bun',
    'socket=127.0.0.1:8888//deno=/opt/deno',
    'socket=127.0.0.1:8888//node=/opt/node/bin/node',
    'socket',
    'socket=127.0.0.1',
    'socket=127.0.0.1:0',
    'socket=127.0.0.1:99999',
    'socket=::1:8888',
    'socket=[::1]x',
  ]) {
    it(`${spec}: SpecError`, async () => {
      await rejectsWith(open(spec), ExecnetErrorCode.SPEC);
    });
  }
});
