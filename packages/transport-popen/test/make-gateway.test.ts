/*
 * execnet testing/test_xspec.py TestMakegateway (the popen cases), plus test_gateway.py's
 * test_dont_write_bytecode, test_assert_main_thread_only and
 * test_main_thread_only_concurrent_remote_exec_deadlock, for JavaScript workers.
 * Left out:
 * - test_ssh, test_vagrant, test_socket, test_socket_second, test_socket_installvia: ssh,
 *   vagrant and socket transports, later issues.
 * - TestXSpec::*: spec parsing without processes, in packages/core/test/xspec.test.ts.
 * - python= specs (test_popen_with_sudo_python): Python workers, a later issue.
 * A JavaScript worker runs main_thread_only code one call at a time, in order, so a second
 * call waits for the first instead of failing with execnet's deadlock error.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemoteError, SpecError, TimeoutError, XSpec, type Gateway } from '@execnet/core';
import { gatewayPool } from './helpers.js';

const open = gatewayPool();
const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'execnet-makegateway-test-')));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function remote(gw: Gateway, code: string): Promise<unknown> {
  return gw.remoteExec(`channel.send(${code})`).receive();
}

describe('makeGateway with popen specs', () => {
  it('refuses a spec without a transport, or with an unknown one, with SpecError', async () => {
    await assert.rejects(open('id=lonely'), SpecError);
    await assert.rejects(open('popen//codec=json'), (e: unknown) => e instanceof SpecError && e.code === 'ERR_EXECNET_SPEC');
    await assert.rejects(open('popen//execmodel=gevent'), SpecError);
  });

  it('defaults to popen on this Node', async () => {
    const gw = await open();
    assert.equal(gw.spec.transportName, 'popen');
    assert.equal(await remote(gw, 'process.execPath'), process.execPath);
  });

  it('takes an XSpec object and an explicit id', async () => {
    const gw = await open(new XSpec('popen//id=explicit-id') as unknown as string);
    assert.equal(gw.id, 'explicit-id');
    assert.equal(await remote(gw, '1 + 1'), 2);
  });

  it('sets env:NAME=VALUE in the worker, values may hold =', async () => {
    const gw = await open('popen//env:EXECNET_TEST_A=123//env:EXECNET_TEST_B=x=y');
    assert.deepEqual(await remote(gw, '[process.env.EXECNET_TEST_A, process.env.EXECNET_TEST_B]'), ['123', 'x=y']);
  });

  it('nice=N makes the worker N steps nicer than it started, as os.nice does', async () => {
    const { getPriority } = await import('node:os');
    const base = getPriority();
    const gw = await open('popen//nice=5');
    assert.equal(await remote(gw, 'require("os").getPriority()'), Math.min(19, base + 5));
    const niced = join(tmp, 'niced-node');
    writeFileSync(niced, `#!/bin/sh\nexec nice -n 3 "${process.execPath}" "$@"\n`);
    chmodSync(niced, 0o755);
    const relative = await open(`popen//nice=5//node=${niced}`);
    assert.equal(await remote(relative, 'require("os").getPriority()'), Math.min(19, base + 8));
  });

  it('node=PATH starts that executable', async () => {
    const wrapper = join(tmp, 'node-wrapper');
    writeFileSync(wrapper, `#!/bin/sh\nEXECNET_TEST_WRAPPED=yes exec "${process.execPath}" "$@"\n`);
    chmodSync(wrapper, 0o755);
    const gw = await open(`popen//node=${wrapper}`);
    assert.equal(await remote(gw, 'process.env.EXECNET_TEST_WRAPPED'), 'yes');
    const explicit = await open(`popen//node=${process.execPath}`);
    assert.equal(await remote(explicit, 'process.execPath'), process.execPath);
  });

  it('chdir=ABSOLUTE makes the directory and starts there', async () => {
    const dir = join(tmp, 'absolute', 'new');
    const gw = await open(`popen//chdir=${dir}`);
    assert.equal(await remote(gw, 'process.cwd()'), dir);
    assert.ok(existsSync(dir));
  });

  it('chdir=RELATIVE is relative to the cwd of the master', async () => {
    const old = process.cwd();
    process.chdir(tmp);
    let gw: Gateway;
    try {
      gw = await open('popen//chdir=relative/sub');
    } finally {
      process.chdir(old);
    }
    assert.equal(await remote(gw, 'process.cwd()'), join(tmp, 'relative', 'sub'));
    assert.equal((await gw.remoteInfo()).cwd, join(tmp, 'relative', 'sub'));
  });

  it('dont_write_bytecode is accepted and changes nothing for JavaScript', async () => {
    const gw = await open('popen//dont_write_bytecode');
    assert.equal(await remote(gw, '"ok"'), 'ok');
  });

  it('codec=msgpack carries the same values', async () => {
    const gw = await open('popen//codec=msgpack');
    const ch = gw.remoteExec('channel.send(await channel.receive())');
    const value = { list: [1, 2.5, 'three', null, true], bytes: Buffer.from([1, 2]), nested: { deep: [[]] } };
    await ch.send(value);
    assert.deepEqual(await ch.receive(), value);
  });
});

describe('execmodel=main_thread_only', () => {
  it('is reported by remoteStatus', async () => {
    const gw = await open('popen//execmodel=main_thread_only');
    assert.equal((await gw.remoteStatus()).execModel, 'main_thread_only');
    const eventloop = await open('popen');
    assert.equal((await eventloop.remoteStatus()).execModel, 'eventloop');
  });

  it('runs remote calls one at a time, in order', async () => {
    const gw = await open('popen//execmodel=main_thread_only');
    for (let i = 0; i < 10; i++) {
      gw.remoteExec(`
        await new Promise((r) => setTimeout(r, (10 - i) * 3));
        (globalThis.order ??= []).push(i);`, { i });
    }
    assert.deepEqual(await remote(gw, 'globalThis.order'), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('a second call waits until the first one finished', async () => {
    const gw = await open('popen//execmodel=main_thread_only');
    const first = gw.remoteExec('channel.send(await channel.receive())');
    const second = gw.remoteExec('channel.send("second ran")');
    await assert.rejects(second.receive({ timeout: 200 }), TimeoutError);
    await first.send('first');
    assert.equal(await first.receive(), 'first');
    assert.equal(await second.receive({ timeout: 10_000 }), 'second ran');
  });

  it('a failing call does not stop the ones after it', async () => {
    const gw = await open('popen//execmodel=main_thread_only');
    const failing = gw.remoteExec('throw new Error("first fails")');
    const syntax = gw.remoteExec('not ) valid');
    const next = gw.remoteExec('channel.send("next")');
    await assert.rejects(failing.receive(), RemoteError);
    await assert.rejects(syntax.receive(), RemoteError);
    assert.equal(await next.receive(), 'next');
    assert.deepEqual(await gw.remoteStatus(), { numChannels: 0, numExecuting: 0, execModel: 'main_thread_only' });
  });
});
