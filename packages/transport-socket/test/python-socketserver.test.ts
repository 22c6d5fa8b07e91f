/*
 * socket=HOST:PORT//python: gateways to Python execnet's own socketserver.py (a real server
 * process started here), behind the unauthenticatedPython opt-in; the refusals without it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Complex,
  ExecnetErrorCode,
  FrozenSet,
  Group,
  RemoteError,
  isExecnetError,
  registerTransport,
  tuple,
  type Gateway,
} from '@execnet/core';
import { SocketConnectError, SocketErrorCode, socketTransport, type SocketOptions } from '@execnet/transport-socket';
import { SECRET, startTestServer } from './helpers.js';
import { PYTHON, childrenOf, skipUnlessPythonExecnet, startPythonSocketServer, type PythonSocketServer } from './python-server.js';

const here = dirname(fileURLToPath(import.meta.url));
const ALLOW: SocketOptions = { unauthenticatedPython: true, connectTimeout: 10_000 };

/** Registers a transport of these options and makes a gateway in a fresh group. */
async function open(spec: string, options: SocketOptions = ALLOW): Promise<{ gw: Gateway; group: Group }> {
  registerTransport(socketTransport(options));
  const group = new Group();
  try {
    return { gw: await group.makeGateway(spec, { timeout: 15_000 }), group };
  } catch (error) {
    await group.terminate({ timeout: 2000 });
    throw error;
  }
}

/** Asserts that `promise` rejects with an execnet error of `code`; returns it. */
async function rejectsWith<E extends Error = Error & { code: string }>(promise: Promise<unknown>, code: string): Promise<E> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isExecnetError(error), String(error));
    assert.equal(error.code, code, String(error));
    return error as unknown as E;
  }
  assert.fail(`expected ${code}`);
}

/** A free loopback port: listened on, then closed again. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TCP server that accepts and then says nothing, ever (until closed). */
async function silentServer(): Promise<{ server: Server; port: number; received: () => string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let received = '';
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    port: (server.address() as { port: number }).port,
    received: () => received,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Whether the server's execnet knows the main_thread_only exec model (execnet 2.1 and later). */
function execnetHasMainThreadOnly(): boolean {
  const script = 'from execnet.gateway_base import get_execmodel; get_execmodel("main_thread_only")';
  return spawnSync(PYTHON, ['-c', script], { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

const connections = /got new connection/;
const finished = /finished executing code/;

describe('Python execnet socketserver (socket=HOST:PORT//python)', { skip: skipUnlessPythonExecnet() }, () => {
  let py: PythonSocketServer;
  before(async () => {
    py = await startPythonSocketServer();
  });
  after(async () => {
    await py?.stop();
  });

  /** How often the server's output matches `pattern` so far. */
  const count = (pattern: RegExp): number => py.output().match(new RegExp(pattern.source, 'g'))?.length ?? 0;
  /** The number of gateways the server has finished serving so far. */
  const served = (): number => count(finished);

  it('a Python gateway: remoteExec of Python source, echo of every value type, built as Python types there', async () => {
    const { gw, group } = await open(`socket=${py.address}//python//id=py1`);
    try {
      assert.equal(gw.remoteKind, 'python');
      assert.equal(gw.remoteAddress, py.address);
      assert.equal(gw.pid, undefined);
      const ch = gw.remoteExec('for item in channel:\n    channel.send((type(item).__name__, item))');
      const cases: Array<[unknown, string, unknown?]> = [
        [null, 'NoneType'],
        [true, 'bool'],
        [42, 'int'],
        [-(2 ** 31), 'int'],
        [2 ** 40, 'int'],
        [2n ** 70n, 'int'],
        [1.5, 'float'],
        ['häll😀 \n\'"\\', 'str'],
        [new Uint8Array([0, 1, 255]), 'bytes', Buffer.from([0, 1, 255])],
        [[1, 'a', [null]], 'list'],
        [tuple(1, 'b'), 'tuple'],
        [{ a: 1, b: [2] }, 'dict'],
        [new Map<unknown, unknown>([[1, 'x'], [tuple(2, 3), 'y']]), 'dict'],
        [new Set([1, 2]), 'set'],
        [new FrozenSet(['f']), 'frozenset'],
        [new Complex(1, -2), 'complex'],
      ];
      for (const [value, pythonType, expected = value] of cases) {
        await ch.send(value);
        const [typeName, echoed] = (await ch.receive({ timeout: 10_000 })) as [string, unknown];
        assert.equal(typeName, pythonType, `type of ${String(value)} on the Python side`);
        assert.deepEqual(echoed, expected);
      }
      const big = new Uint8Array(1024 * 1024).fill(7);
      await ch.send(big);
      const [, echoedBig] = (await ch.receive({ timeout: 20_000 })) as [string, Uint8Array];
      assert.equal(echoedBig.length, big.length);
      assert.ok(Buffer.from(echoedBig).equals(big));
      ch.close();
      const info = await gw.remoteInfo();
      assert.equal(info.pid, py.pid, 'the worker runs inside the socketserver process, as in Python execnet');
    } finally {
      await group.terminate({ timeout: 5000 });
    }
  });

  it('RemoteError carries the Python traceback; the gateway goes on working', async () => {
    const { gw, group } = await open(`socket=${py.address}//python`);
    try {
      const ch = gw.remoteExec('def fail():\n    raise ValueError("boom " + channel.receive())\nfail()');
      await ch.send('from TS');
      const error = await ch.receive({ timeout: 10_000 }).then(
        () => assert.fail('expected a RemoteError'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof RemoteError, String(error));
      assert.match(error.formatted, /Traceback/);
      assert.match(error.formatted, /in fail/);
      assert.match(error.formatted, /ValueError: boom from TS/);
      const again = gw.remoteExec({ source: 'def twice(channel, x):\n    channel.send(x * 2)', call: 'twice', kwargs: { x: 21 } });
      assert.equal(await again.receive({ timeout: 10_000 }), 42);
    } finally {
      await group.terminate({ timeout: 5000 });
    }
  });

  it('channels created on either side travel inside values', async () => {
    const { gw, group } = await open(`socket=${py.address}//python`);
    try {
      const ch = gw.remoteExec(
        'sub = channel.receive()\nsub.send("over the sent channel")\nnew = channel.gateway.newchannel()\nchannel.send(new)\nnew.send(new.receive() + 1)',
      );
      const sub = gw.newChannel();
      await ch.send(sub);
      assert.equal(await sub.receive({ timeout: 10_000 }), 'over the sent channel');
      const fromPython = (await ch.receive({ timeout: 10_000 })) as ReturnType<Gateway['newChannel']>;
      await fromPython.send(41);
      assert.equal(await fromPython.receive({ timeout: 10_000 }), 42);
      const status = await gw.remoteStatus();
      assert.equal(status.execModel, 'thread');
    } finally {
      await group.terminate({ timeout: 5000 });
    }
  });

  it('terminate ends the worker without a kill: the server finishes that gateway, has no worker process, and serves the next one', async () => {
    const before = served();
    const { gw, group } = await open(`socket=${py.address}//python`);
    try {
      assert.equal(await gw.remoteExec('channel.send(1)').receive({ timeout: 10_000 }), 1);
      const result = await gw.terminate({ timeout: 5000 });
      assert.equal(result.killed, false, 'the worker ended by itself on GATEWAY_TERMINATE');
      assert.ok(await py.waitForOutput(finished, before + 1, 10_000), `the server finished the gateway:\n${py.output()}`);
      assert.deepEqual(childrenOf(py.pid), [], 'the server started no process');
    } finally {
      await group.terminate({ timeout: 5000 });
    }
    // One gateway at a time: this one is only served because the previous worker has ended.
    const next = await open(`socket=${py.address}//python`);
    try {
      assert.equal(await next.gw.remoteExec('channel.send("next")').receive({ timeout: 10_000 }), 'next');
    } finally {
      await next.group.terminate({ timeout: 5000 });
    }
  });

  it('exit() and join(); kill() of an idle worker also ends it on the server', async () => {
    let { gw, group } = await open(`socket=${py.address}//python`);
    let before = served();
    gw.exit();
    await gw.join({ timeout: 10_000 });
    assert.ok(await py.waitForOutput(finished, before + 1, 10_000), 'exit: the server finished the gateway');
    await group.terminate({ timeout: 5000 });

    ({ gw, group } = await open(`socket=${py.address}//python`));
    before = served();
    try {
      gw.kill();
      assert.ok(await py.waitForOutput(finished, before + 1, 10_000), 'kill: the server finished the gateway');
      await gw.join({ timeout: 10_000 });
    } finally {
      await group.terminate({ timeout: 5000 });
    }
  });

  it('terminate of a busy worker is bounded: killed after the timeout; the server then ends that gateway itself', async () => {
    const { gw, group } = await open(`socket=${py.address}//python`);
    const before = served();
    try {
      const busy = gw.remoteExec('import time\nchannel.send("busy")\ntime.sleep(120)');
      assert.equal(await busy.receive({ timeout: 10_000 }), 'busy');
      const started = Date.now();
      const result = await gw.terminate({ timeout: 1000 });
      assert.equal(result.killed, true);
      assert.ok(Date.now() - started < 8000, 'terminate returned within its bounds');
      // execnet's worker interrupts a task still running 5 s after the connection ended.
      assert.ok(await py.waitForOutput(finished, before + 1, 30_000), `the server finished the gateway:\n${py.output()}`);
      assert.equal(py.process.exitCode, null, 'the server is still running');
    } finally {
      await group.terminate({ timeout: 2000 });
    }
  });

  it('SIGKILL of the master process: the worker ends on the server within 5 s', async () => {
    const before = served();
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@execnet/source', join(here, 'fixtures', 'python-master.ts'), py.address], {
      cwd: join(here, '..', '..', '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      let out = '';
      const reported = await new Promise<{ pid: number }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the master did not report within 20 s')), 20_000);
        child.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) {
            clearTimeout(timer);
            resolve(JSON.parse(out) as { pid: number });
          }
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`the master exited with ${code} before reporting`));
        });
      });
      assert.equal(reported.pid, py.pid);
      child.kill('SIGKILL');
      await exited;
      assert.ok(await py.waitForOutput(finished, before + 1, 5000), `the server did not finish the gateway:\n${py.output()}`);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  });

  it('chdir and env: apply to the worker (in the server process; the server restores its cwd afterwards)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'execnet-pysocket-'));
    try {
      const { gw, group } = await open(`socket=${py.address}//python//chdir=${dir}/sub//env:EXECNET_TS_PROBE=yes`);
      try {
        const ch = gw.remoteExec('import os\nchannel.send((os.getcwd(), os.environ.get("EXECNET_TS_PROBE")))');
        assert.deepEqual(await ch.receive({ timeout: 10_000 }), tuple(join(dir, 'sub'), 'yes'));
      } finally {
        await group.terminate({ timeout: 5000 });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('execmodel=main_thread_only: used if the server\'s execnet has it, else a TimeoutError that points at the server output', async () => {
    const spec = `socket=${py.address}//python//execmodel=main_thread_only`;
    if (execnetHasMainThreadOnly()) {
      const { gw, group } = await open(spec);
      try {
        assert.equal((await gw.remoteStatus()).execModel, 'main_thread_only');
        assert.equal(await gw.remoteExec('channel.send(4)').receive({ timeout: 10_000 }), 4);
      } finally {
        await group.terminate({ timeout: 5000 });
      }
      return;
    }
    // execnet before 2.1: get_execmodel raises on the server, which prints it and keeps the connection open.
    const exceptions = count(/got exception/);
    const error = await rejectsWith(open(spec, { ...ALLOW, connectTimeout: 2000 }), ExecnetErrorCode.TIMEOUT);
    assert.match(error.message, /no handshake/);
    assert.match(error.message, /prints why on its output/);
    assert.ok(await py.waitForOutput(/got exception/, exceptions + 1, 5000), py.output());
    // The server goes on serving.
    const { gw, group } = await open(`socket=${py.address}//python`);
    try {
      assert.equal(await gw.remoteExec('channel.send(3)').receive({ timeout: 10_000 }), 3);
    } finally {
      await group.terminate({ timeout: 5000 });
    }
  });

  it('without the opt-in, socket=HOST:PORT//python is refused before connecting', async () => {
    const before = count(connections);
    const error = await rejectsWith(open(`socket=${py.address}//python`, {}), ExecnetErrorCode.SPEC);
    assert.match(error.message, /without authentication/);
    assert.match(error.message, /unauthenticatedPython: true/);
    assert.equal(count(connections), before, 'no connection was made');
  });

  it('without //python, a Python socketserver is recognised and refused, saying what it is and how to opt in', async () => {
    const exceptions = count(/got exception/);
    const compiled = count(/compiled source/);
    const started = Date.now();
    const error = await rejectsWith<SocketConnectError>(open(`socket=${py.address}`, { secret: SECRET }), SocketErrorCode.CONNECT);
    assert.ok(error instanceof SocketConnectError);
    assert.equal(error.peer, 'python-socketserver');
    assert.match(error.message, /Python execnet socketserver/);
    assert.match(error.message, /without authentication/);
    assert.match(error.message, /socketTransport\(\{ unauthenticatedPython: true \}\)/);
    assert.match(error.message, new RegExp(`socket=${py.address}//python`));
    assert.ok(Date.now() - started < 8000, 'recognised well before the connect timeout');
    // With the opt-in but without //python, it says to add //python.
    const allowed = await rejectsWith<SocketConnectError>(open(`socket=${py.address}`, ALLOW), SocketErrorCode.CONNECT);
    assert.equal(allowed.peer, 'python-socketserver');
    assert.doesNotMatch(allowed.message, /unauthenticatedPython/);
    assert.match(allowed.message, new RegExp(`write the spec as socket=${py.address}//python`));
    // The server ran nothing: it read an empty line each time.
    assert.equal(count(/got exception/), exceptions);
    assert.equal(count(/compiled source/), compiled);
  });

  it('one gateway at a time: a second one while the first is open times out, saying the server may be busy', async () => {
    const first = await open(`socket=${py.address}//python`);
    try {
      const error = await rejectsWith(open(`socket=${py.address}//python`, { ...ALLOW, connectTimeout: 1500 }), ExecnetErrorCode.TIMEOUT);
      assert.match(error.message, /serves one at a time/);
      assert.equal(await first.gw.remoteExec('channel.send("still here")').receive({ timeout: 10_000 }), 'still here');
    } finally {
      await first.group.terminate({ timeout: 5000 });
    }
    // The abandoned connection is then accepted and fails on the server; it goes on serving.
    const next = await open(`socket=${py.address}//python`);
    try {
      assert.equal(await next.gw.remoteExec('channel.send("next")').receive({ timeout: 10_000 }), 'next');
    } finally {
      await next.group.terminate({ timeout: 5000 });
    }
  });

  it('python=CMD and installvia are refused: the server runs its own interpreter', async () => {
    const error = await rejectsWith(open(`socket=${py.address}//python=python3`), ExecnetErrorCode.SPEC);
    assert.match(error.message, /without a command/);
    await rejectsWith(open('socket//installvia=p0//python'), ExecnetErrorCode.SPEC);
  });
});

describe('socket=HOST:PORT//python to other peers', { skip: skipUnlessPythonExecnet() }, () => {
  it('an unreachable port: SocketConnectError ECONNREFUSED, at once', async () => {
    const port = await freePort();
    const error = await rejectsWith<SocketConnectError>(open(`socket=127.0.0.1:${port}//python`), SocketErrorCode.CONNECT);
    assert.equal(error.errno, 'ECONNREFUSED');
    assert.equal(error.address, `127.0.0.1:${port}`);
  });

  it('an execnet-socketserver is recognised: drop //python', async () => {
    const t = await startTestServer();
    try {
      const error = await rejectsWith<SocketConnectError>(open(`socket=${t.server.address}//python`), SocketErrorCode.CONNECT);
      assert.equal(error.peer, 'execnet-socketserver');
      assert.match(error.message, /drop '\/\/python'/);
    } finally {
      await t.server.close();
    }
  });

  it('a peer that never answers the bootstrap: TimeoutError after connectTimeout, not a hang', async () => {
    const silent = await silentServer();
    try {
      const started = Date.now();
      await rejectsWith(open(`socket=127.0.0.1:${silent.port}//python`, { ...ALLOW, connectTimeout: 1500 }), ExecnetErrorCode.TIMEOUT);
      assert.ok(Date.now() - started < 6000);
      assert.match(silent.received(), /^'.*\n$/s, 'it was sent the bootstrap line');
    } finally {
      await silent.close();
    }
  });

  it('a peer that ignores the probe too: TimeoutError after connectTimeout, not a hang', async () => {
    const silent = await silentServer();
    try {
      const error = await rejectsWith(open(`socket=127.0.0.1:${silent.port}`, { secret: SECRET, connectTimeout: 1500 }), ExecnetErrorCode.TIMEOUT);
      assert.match(error.message, /never greeted, nor closed the connection when probed/);
      assert.equal(silent.received(), "''\n", 'it was sent the probe line only');
    } finally {
      await silent.close();
    }
  });
});
