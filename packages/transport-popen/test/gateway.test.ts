/*
 * execnet testing/test_gateway.py (TestBasicGateway, TestPopenGateway, TestThreads, TestTracing),
 * ported to popen gateways with JavaScript workers.
 * Left out:
 * - test_attribute__name__, test_exc_info_is_clear_after_gateway_startup, test_correct_setup_no_py,
 *   test_remoteerror_readable_traceback (names gateway_base.py), test_regression_gevent_hangs:
 *   Python interpreter internals.
 * - test_waitclose_on_remote_killed, test_receive_on_remote_sysexit: in faults.test.ts
 *   (process.exit ends a JavaScript worker; it is no exception as SystemExit is).
 * - test_dont_write_bytecode, test_assert_main_thread_only,
 *   test_main_thread_only_concurrent_remote_exec_deadlock: in make-gateway.test.ts.
 * - test_popen_args (shlex splitting of python=): Python workers, a later issue.
 * - test_socket_gw_host_not_found, TestSshPopenGateway: socket and ssh transports, later issues.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ChannelClosedError, defaultGroup, RemoteError, type Gateway } from '@execnet/core';
import { gatewayPool, sleep } from './helpers.js';

const open = gatewayPool();
const tmp = mkdtempSync(join(tmpdir(), 'execnet-gateway-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('a popen gateway', () => {
  let gw: Gateway;
  before(async () => {
    gw = await open();
  });

  it('is set up: id, spec, pid, registered in the default group, receiving', async () => {
    assert.equal(typeof gw.id, 'string');
    assert.equal(gw.spec.transportName, 'popen');
    assert.equal(gw.spec.id, gw.id);
    assert.equal(typeof gw.pid, 'number');
    assert.equal(gw.remoteAddress, undefined);
    assert.ok(defaultGroup.has(gw) && defaultGroup.has(gw.id));
    assert.equal(gw.isOpen, true);
    assert.equal((await gw.remoteInfo()).pid, gw.pid);
  });

  it('has a string form naming it, as its channels do', () => {
    assert.ok(String(gw).includes(gw.id));
    const ch = gw.newChannel();
    assert.ok(String(ch).includes(String(ch.id)));
    ch.close();
  });

  it('reports its status: nothing running, no channels left by the status query itself', async () => {
    const status = await gw.remoteStatus();
    assert.deepEqual(status, { numChannels: 0, numExecuting: 0, execModel: 'eventloop' });
    assert.equal((await gw.remoteStatus()).numChannels, 0);
    assert.equal(gw.numChannels, 0);
  });

  it('reports busy channels and running code in its status', async () => {
    const ch = gw.remoteExec('await channel.receive()');
    for (let i = 0; i < 100 && (await gw.remoteStatus()).numExecuting < 1; i++) await sleep(10);
    assert.deepEqual(await gw.remoteStatus(), { numChannels: 1, numExecuting: 1, execModel: 'eventloop' });
    await ch.send(1);
    await ch.waitClose();
    assert.deepEqual(await gw.remoteStatus(), { numChannels: 0, numExecuting: 0, execModel: 'eventloop' });
  });

  it('waitClose returns after code that sends, and after code that does nothing', async () => {
    const ch = gw.remoteExec('channel.send(1)');
    await ch.waitClose({ timeout: 10_000 });
    assert.equal(await ch.receive(), 1);
    await gw.remoteExec('').waitClose();
    await gw.remoteExec(() => undefined).waitClose();
  });

  it('send after the remote code finished fails at once with ChannelClosedError', async () => {
    const ch = gw.remoteExec('');
    await ch.waitClose();
    assert.throws(() => ch.send(0), (e: unknown) => e instanceof ChannelClosedError && e.code === 'ERR_EXECNET_CHANNEL_CLOSED');
  });

  it('remote code may not close its own channel: RemoteError', async () => {
    const ch = gw.remoteExec('channel.close()');
    await assert.rejects(ch.receive(), (e: unknown) => e instanceof RemoteError && e.code === 'ERR_EXECNET_REMOTE');
  });

  it('echoes', async () => {
    const ch = gw.remoteExec('channel.send(await channel.receive())');
    await ch.send({ a: [1, 'two', null] });
    assert.deepEqual(await ch.receive(), { a: [1, 'two', null] });
  });

  it('runs concurrent remote code independently', async () => {
    const first = gw.remoteExec('channel.send(await channel.receive() + 1)');
    const second = gw.remoteExec('channel.send(await channel.receive() + 2)');
    await second.send(10);
    assert.equal(await second.receive(), 12);
    await first.send(10);
    assert.equal(await first.receive(), 11);
  });

  it('keeps items of 5 concurrent senders apart', async () => {
    const channels = Array.from({ length: 5 }, (_, i) =>
      gw.remoteExec('for (let j = 0; j < 100; j++) channel.send([i, j])', { i }),
    );
    for (const [i, ch] of channels.entries()) {
      const items: unknown[] = [];
      for await (const item of ch) items.push(item);
      assert.deepEqual(items, Array.from({ length: 100 }, (_, j) => [i, j]));
    }
  });

  it('reports two running remote executions, then none', async () => {
    const a = gw.remoteExec('await channel.receive()');
    const b = gw.remoteExec('await channel.receive()');
    for (let i = 0; i < 100 && (await gw.remoteStatus()).numExecuting < 2; i++) await sleep(10);
    assert.equal((await gw.remoteStatus()).numExecuting, 2);
    await a.send(1);
    await b.send(1);
    await Promise.all([a.waitClose(), b.waitClose()]);
    assert.equal((await gw.remoteStatus()).numExecuting, 0);
  });
});

describe('exit', () => {
  it('returns at once; running remote code still finishes and its results arrive', async () => {
    const gw = await open();
    const slow = gw.remoteExec('await new Promise((r) => setTimeout(r, 200)); channel.send("finished")');
    const waiting = gw.remoteExec('try { await channel.receive() } catch (e) { channel.send(e.name) }');
    await gw.remoteStatus();
    gw.exit();
    assert.equal(gw.isOpen, false);
    assert.equal(await slow.receive(), 'finished');
    await slow.waitClose({ timeout: 5000 });
    assert.equal(await waiting.receive(), 'EOFError');
    await gw.join({ timeout: 5000 });
  });
});

describe('remote code from a module URL', () => {
  let gw: Gateway;
  before(async () => {
    gw = await open();
  });
  const file = join(tmp, 'remote-module.mjs');

  it('is read again on every call', async () => {
    writeFileSync(file, 'export default function (channel) { channel.send(1) }\n');
    assert.equal(await gw.remoteExec(pathToFileURL(file)).receive(), 1);
    writeFileSync(file, 'export default function (channel) { channel.send(2) }\n');
    assert.equal(await gw.remoteExec(pathToFileURL(file)).receive(), 2);
  });

  it('is sent, not imported by the worker from its path', async () => {
    writeFileSync(file, 'export default async function (channel, kwargs) { channel.send([kwargs.x, await channel.receive()]) }\n');
    const ch = gw.remoteExec(pathToFileURL(file), { x: 'sent' });
    await ch.send('item'); // resolves once the module went out with the CHANNEL_EXEC
    unlinkSync(file);
    assert.deepEqual(await ch.receive(), ['sent', 'item']);
  });

  it('fails with a RemoteError naming the module file and line', async () => {
    writeFileSync(file, 'export default function (channel) {\n  channel.send(1);\n  notDefined();\n}\n');
    const ch = gw.remoteExec(pathToFileURL(file));
    assert.equal(await ch.receive(), 1);
    const error = await ch.receive().catch((e: unknown) => e);
    assert.ok(error instanceof RemoteError);
    assert.match(error.formatted, /remote-module\.mjs:3:\d+/);
  });
});

describe('remote output', () => {
  it('console.log, process.stdout.write, raw fds and child processes reach onOutput, not the protocol', async () => {
    const output = { stdout: '', stderr: '' };
    const gw = await open('popen', { onOutput: (text, stream) => (output[stream] += text) });
    const ch = gw.remoteExec(`
      const fs = require('fs');
      for (let i = 0; i < 3; i++) {
        await channel.receive();
        console.log('console.log %d', i);
        process.stdout.write('stdout.write ' + i + '\\n');
        fs.writeSync(1, 'fd1 ' + i + '\\n');
        fs.writeSync(2, 'fd2 ' + i + '\\n');
        console.error('console.error ' + i);
        require('child_process').execSync('echo child ' + i + '; echo child-err ' + i + ' >&2', { stdio: 'inherit' });
        channel.send(i);
      }`);
    for (let i = 0; i < 3; i++) {
      await ch.send('go');
      assert.equal(await ch.receive(), i);
    }
    await ch.waitClose();
    const expected = {
      stdout: ['console.log 2', 'stdout.write 2', 'fd1 2', 'child 2'],
      stderr: ['fd2 2', 'console.error 2', 'child-err 2'],
    };
    const complete = () => Object.entries(expected).every(([s, lines]) => lines.every((l) => output[s as 'stdout'].includes(`${l}\n`)));
    for (let i = 0; i < 500 && !complete(); i++) await sleep(10);
    for (const [stream, lines] of Object.entries(expected)) {
      for (const line of lines) assert.ok(output[stream as 'stdout'].includes(`${line}\n`), `${stream} has ${line}`);
    }
    assert.equal(await gw.remoteExec('channel.send("still in sync")').receive(), 'still in sync');
  });
});

describe('remoteInfo', () => {
  it('has the worker facts, is cached, and is refreshed with update', async () => {
    const gw = await open();
    const info = await gw.remoteInfo();
    assert.equal(info.executable, process.execPath);
    assert.equal(info.version, process.version);
    assert.equal(info.platform, process.platform);
    assert.equal(info.cwd, process.cwd());
    assert.equal(info.pid, gw.pid);
    assert.deepEqual(JSON.parse(JSON.stringify(info)), { ...info }, 'plain data');
    await gw.remoteExec('process.chdir("..")').waitClose();
    assert.equal(await gw.remoteInfo(), info);
    const updated = await gw.remoteInfo({ update: true });
    assert.notEqual(updated.cwd, info.cwd);
    assert.equal(updated.pid, info.pid);
  });

  it('shows the cwd the master had when it made the gateway', async () => {
    const dir = realpathSync(mkdtempSync(join(tmp, 'cwd-')));
    const old = process.cwd();
    let gw: Gateway;
    process.chdir(dir);
    try {
      gw = await open();
    } finally {
      process.chdir(old);
    }
    assert.equal((await gw.remoteInfo()).cwd, dir);
  });

  it('works for 4 gateways started in parallel, each its own process', async () => {
    const gateways = await Promise.all([1, 2, 3, 4].map(() => open()));
    const pids = await Promise.all(gateways.map(async (gw) => (await gw.remoteInfo()).pid));
    assert.equal(new Set(pids).size, 4);
    for (const gw of gateways) await gw.terminate({ timeout: 2000 });
  });
});

describe('tracing with EXECNET_DEBUG', () => {
  const withEnv = async (value: string | undefined, start: () => Promise<Gateway>): Promise<Gateway> => {
    const old = process.env['EXECNET_DEBUG'];
    if (value === undefined) delete process.env['EXECNET_DEBUG'];
    else process.env['EXECNET_DEBUG'] = value;
    try {
      return await start();
    } finally {
      if (old === undefined) delete process.env['EXECNET_DEBUG'];
      else process.env['EXECNET_DEBUG'] = old;
    }
  };
  const traceFile = (pid: number | undefined) => join(tmpdir(), `execnet-debug-${pid}`);

  it('EXECNET_DEBUG=1 makes the worker write its trace file', async () => {
    const gw = await withEnv('1', () => open());
    await gw.remoteExec('channel.send(1)').receive();
    await gw.terminate({ timeout: 2000 });
    assert.ok(existsSync(traceFile(gw.pid)));
    const text = readFileSync(traceFile(gw.pid), 'utf8');
    rmSync(traceFile(gw.pid), { force: true });
    assert.match(text, /CHANNEL_EXEC/);
  });

  it('EXECNET_DEBUG=2 sends the worker trace to stderr', async () => {
    let stderr = '';
    const gw = await withEnv('2', () => open('popen', { onOutput: (text, stream) => void (stream === 'stderr' && (stderr += text)) }));
    await gw.remoteExec('channel.send(1)').receive();
    await gw.terminate({ timeout: 2000 });
    assert.ok(stderr.includes(`[${gw.pid}] `));
  });

  it('without EXECNET_DEBUG there is no trace', async () => {
    const gw = await withEnv(undefined, () => open());
    await gw.remoteExec('channel.send(1)').receive();
    await gw.terminate({ timeout: 2000 });
    assert.equal(existsSync(traceFile(gw.pid)), false);
  });
});
