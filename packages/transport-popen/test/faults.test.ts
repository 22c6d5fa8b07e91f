/*
 * Worker faults over popen: a worker that exits, crashes, is killed, blocks forever, or cannot
 * start. Ports execnet test_gateway.py test_waitclose_on_remote_killed and
 * test_receive_on_remote_sysexit (process.exit ends a JavaScript worker, so the result is a
 * GatewayClosedError rather than execnet's RemoteError), and test_termination.py
 * test_endmarker_delivery_on_remote_killterm.
 * Left out: the rest of test_termination.py (group termination, orphaned workers): a later issue.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BootstrapError, GatewayClosedError, TimeoutError, type Channel } from '@execnet/core';
import { gatewayPool, processExists, sleep } from './helpers.js';

const open = gatewayPool();
const tmp = mkdtempSync(join(tmpdir(), 'execnet-faults-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Waits for `promise` to reject; returns the error and how long it took from now. */
async function rejection(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const start = performance.now();
  const error = await promise.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
  return { error, ms: performance.now() - start };
}

function script(name: string, body: string): string {
  const file = join(tmp, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** A channel whose remote code waits for an item, with a receive pending on it. */
function pendingReceive(ch: Channel): Promise<unknown> {
  const pending = ch.receive();
  pending.catch(() => undefined);
  return pending;
}

describe('a worker that goes away', () => {
  it('process.exit(3): a pending receive rejects within 1 s with GatewayClosedError, exit code and stderr', async () => {
    const gw = await open('popen', { onOutput: () => undefined });
    const pending = pendingReceive(gw.remoteExec('await channel.receive()'));
    gw.remoteExec('console.error("last words before exit"); process.exit(3)');
    const { error, ms } = await rejection(pending);
    assert.ok(error instanceof GatewayClosedError);
    assert.equal(error.code, 'ERR_EXECNET_GATEWAY_CLOSED');
    assert.equal(error.gatewayId, gw.id);
    assert.equal(error.exitCode, 3);
    assert.equal(error.signal, null);
    assert.ok(error.stderrTail.some((line) => line.includes('last words before exit')), 'stderr tail');
    assert.ok(ms < 1000, `rejected after ${ms} ms`);
  });

  it('an exception in a remote timer ends the worker; stderrTail has the error', async () => {
    const gw = await open('popen', { onOutput: () => undefined });
    const pending = pendingReceive(gw.remoteExec('await channel.receive()'));
    await gw.remoteExec('setTimeout(() => { throw new Error("thrown in a timer") }, 10)').waitClose();
    const { error, ms } = await rejection(pending);
    assert.ok(error instanceof GatewayClosedError);
    assert.notEqual(error.exitCode, 0);
    assert.notEqual(error.exitCode, null);
    assert.ok(error.stderrTail.some((line) => line.includes('thrown in a timer')), 'stderr tail');
    assert.ok(ms < 1000, `rejected after ${ms} ms`);
  });

  it('a background child holding stdout and stderr does not hide the exit', async () => {
    const gw = await open('popen', { onOutput: () => undefined });
    const spawnSleeper = `const c = require('child_process').spawn('sleep', ['30'], { stdio: 'inherit', detached: true });
      c.unref(); channel.send(c.pid)`;
    const sleeper = (await gw.remoteExec(spawnSleeper).receive()) as number;
    try {
      const pending = pendingReceive(gw.remoteExec('await channel.receive()'));
      gw.remoteExec('process.exit(3)');
      const { error, ms } = await rejection(pending);
      assert.ok(error instanceof GatewayClosedError);
      assert.equal(error.exitCode, 3);
      assert.ok(ms < 1000, `rejected after ${ms} ms`);
      const result = await gw.terminate({ timeout: 500 });
      assert.deepEqual(result, { killed: false, status: { code: 3, signal: null } });
    } finally {
      process.kill(sleeper, 'SIGKILL');
    }
  });

  it('SIGKILL: a pending receive rejects within 1 s with GatewayClosedError naming the signal', async () => {
    let stderr = '';
    const gw = await open('popen', { onOutput: (text, stream) => void (stream === 'stderr' && (stderr += text)) });
    const pending = pendingReceive(gw.remoteExec('console.error("said before the kill"); await channel.receive()'));
    for (let i = 0; i < 500 && !stderr.includes('said before the kill'); i++) await sleep(10);
    process.kill(gw.pid!, 'SIGKILL');
    const { error, ms } = await rejection(pending);
    assert.ok(error instanceof GatewayClosedError);
    assert.equal(error.signal, 'SIGKILL');
    assert.equal(error.exitCode, null);
    assert.ok(error.stderrTail.includes('said before the kill'), 'stderr tail');
    assert.ok(ms < 1000, `rejected after ${ms} ms`);
  });

  it('a for await loop over a channel of a killed worker throws GatewayClosedError', async () => {
    const gw = await open();
    const ch = gw.remoteExec('for (let i = 0; ; i++) { channel.send(i); await new Promise((r) => setTimeout(r, 5)) }');
    const items: unknown[] = [];
    await assert.rejects(async () => {
      for await (const item of ch) {
        items.push(item);
        if (items.length === 3) process.kill(gw.pid!, 'SIGKILL');
      }
    }, GatewayClosedError);
    assert.ok(items.length >= 3);
  });

  it('SIGTERM: waitClose and receive reject, send and remoteExec throw, all with GatewayClosedError', async () => {
    const gw = await open();
    const ch = gw.remoteExec('await channel.receive()');
    const items: unknown[] = [];
    const watched = gw.remoteExec('channel.send(1); await new Promise(() => setInterval(() => {}, 1000))');
    watched.setCallback((item) => items.push(item), { endMarker: 'end' });
    await sleep(50);
    process.kill(gw.pid!, 'SIGTERM');
    await assert.rejects(ch.waitClose({ timeout: 5000 }), GatewayClosedError);
    await assert.rejects(ch.receive(), GatewayClosedError);
    assert.throws(() => ch.send(1), GatewayClosedError);
    assert.throws(() => gw.remoteExec('channel.send(1)'), GatewayClosedError);
    assert.throws(() => gw.newChannel(), GatewayClosedError);
    await assert.rejects(gw.remoteStatus(), GatewayClosedError);
    assert.deepEqual(items, [1, 'end']);
    assert.equal(gw.isOpen, false);
    await gw.join({ timeout: 1000 });
  });
});

describe('a worker that blocks forever', () => {
  it('blocks only itself, times out receives, and terminate still ends it', async () => {
    const [blocked, other] = await Promise.all([open(), open()]);
    const pid = blocked.pid!;
    blocked.remoteExec('while (true) {}');
    const echo = blocked.remoteExec('channel.send("never")');
    await assert.rejects(echo.receive({ timeout: 200 }), TimeoutError);
    await assert.rejects(blocked.remoteStatus({ timeout: 200 }), TimeoutError);
    const ch = other.remoteExec('channel.send(await channel.receive() + 1)');
    await ch.send(1);
    assert.equal(await ch.receive({ timeout: 5000 }), 2);
    const start = performance.now();
    const result = await blocked.terminate({ timeout: 500 });
    assert.equal(result.killed, true);
    assert.ok(performance.now() - start < 5000);
    assert.equal(processExists(pid), false, 'worker process is gone');
    await assert.rejects(echo.receive(), GatewayClosedError);
  });
});

describe('a worker that cannot start', () => {
  it('a node= path that does not exist: BootstrapError naming the command', { timeout: 20_000 }, async () => {
    const missing = join(tmp, 'no-such-node');
    const { error } = await rejection(open(`popen//node=${missing}`));
    assert.ok(error instanceof BootstrapError);
    assert.equal(error.code, 'ERR_EXECNET_BOOTSTRAP');
    assert.ok(error.command.includes(missing));
  });

  it('a runtime that exits before the handshake: BootstrapError with its exit code and stderr', { timeout: 20_000 }, async () => {
    const broken = script('broken-runtime', 'echo "broken runtime" >&2; exit 5');
    const { error } = await rejection(open(`popen//node=${broken}`, { onOutput: () => undefined }));
    assert.ok(error instanceof BootstrapError);
    assert.equal(error.exitCode, 5);
    assert.ok(error.stderrTail.some((line) => line.includes('broken runtime')));
    assert.ok(error.command.includes(broken));
  });

  it('a runtime killed before the handshake: BootstrapError with the signal', { timeout: 20_000 }, async () => {
    const killed = script('killed-runtime', 'kill -9 $$');
    const { error } = await rejection(open(`popen//node=${killed}`));
    assert.ok(error instanceof BootstrapError);
    assert.equal(error.signal, 'SIGKILL');
  });

  it('a runtime that writes something else than the handshake: BootstrapError', { timeout: 20_000 }, async () => {
    const chatty = script('chatty-runtime', 'printf "HTTP/1.1 200 OK" >&3; exec sleep 30');
    const { error } = await rejection(open(`popen//node=${chatty}`));
    assert.ok(error instanceof BootstrapError);
  });

  it('a runtime that never answers: TimeoutError after the start timeout, and it is killed', { timeout: 20_000 }, async () => {
    const silent = script('silent-runtime', `echo $$ > "${join(tmp, 'silent.pid')}"; exec sleep 30`);
    const { error, ms } = await rejection(open(`popen//node=${silent}`, { timeout: 300 }));
    assert.ok(error instanceof TimeoutError);
    assert.ok(ms < 5000);
    const pid = Number(readFileSync(join(tmp, 'silent.pid'), 'utf8'));
    for (let i = 0; i < 100 && processExists(pid); i++) await sleep(10);
    assert.equal(processExists(pid), false, 'the silent runtime was killed');
  });

  it('an aborted start rejects with the abort reason and kills the runtime', { timeout: 20_000 }, async () => {
    const pidFile = join(tmp, 'aborted.pid');
    const silent = script('aborted-runtime', `echo $$ > "${pidFile}"; exec sleep 30`);
    const controller = new AbortController();
    const reason = new Error('changed my mind');
    const starting = open(`popen//node=${silent}`, { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 100);
    const { error } = await rejection(starting);
    assert.equal(error, reason);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    for (let i = 0; i < 100 && processExists(pid); i++) await sleep(10);
    assert.equal(processExists(pid), false, 'the aborted runtime was killed');
  });
});
