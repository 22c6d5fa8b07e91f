/*
 * socket//installvia=ID: a server started through gateway ID of the same group (execnet
 * test_xspec.py TestMakegateway::test_socket_installvia, and more).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ExecnetErrorCode, Group, isExecnetError, registerTransport } from '@execnet/core';
import { popenTransport } from '@execnet/transport-popen';
import { socketTransport } from '@execnet/transport-socket';
import { eventually, processExists, sleep } from './helpers.js';

registerTransport(popenTransport());
registerTransport(socketTransport());

/** The parent pid of a process, from /proc. */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

describe('installvia', () => {
  it('starts the server through the gateway and connects to it; the channel stays busy meanwhile', async () => {
    const group = new Group();
    try {
      const p1 = await group.makeGateway('popen//id=p1', { onOutput: () => undefined });
      const s1 = await group.makeGateway('socket//installvia=p1//id=s1', { onOutput: () => undefined });
      assert.match(s1.remoteAddress!, /^127\.0\.0\.1:\d+$/);
      const proxyPid = (await p1.remoteInfo()).pid;
      const workerPid = (await s1.remoteInfo()).pid;
      assert.notEqual(workerPid, proxyPid);
      assert.equal(parentOf(workerPid), proxyPid, 'the worker was started by the server running on p1');
      assert.equal((await p1.remoteStatus()).numExecuting, 1, 'the server keeps a channel of p1 busy');
      const ch = s1.remoteExec('channel.send(await channel.receive() * 2)');
      await ch.send(21);
      assert.equal(await ch.receive({ timeout: 10_000 }), 42);

      await s1.terminate({ timeout: 2000 });
      assert.ok(await eventually(() => !processExists(workerPid), 5000));
      let executing = 1;
      for (let i = 0; i < 100 && executing > 0; i++) {
        executing = (await p1.remoteStatus()).numExecuting;
        if (executing > 0) await sleep(50);
      }
      assert.equal(executing, 0, 'the server ended with its gateway');
    } finally {
      await group.terminate({ timeout: 2000 });
    }
  });

  it('group.terminate() ends the socket gateway, its worker, and the gateway it was installed through', async () => {
    const group = new Group();
    await group.makeGateway('popen//id=p1', { onOutput: () => undefined });
    const s1 = await group.makeGateway('socket//installvia=p1', { onOutput: () => undefined });
    const pids = [(await group.get('p1')!.remoteInfo()).pid, (await s1.remoteInfo()).pid];
    const report = await group.terminate({ timeout: 2000 });
    assert.deepEqual(report.killed, []);
    assert.ok(await eventually(() => pids.every((pid) => !processExists(pid)), 5000));
  });

  it('an explicit listen address: socket=127.0.0.1:0//installvia=p1', async () => {
    const group = new Group();
    try {
      await group.makeGateway('popen//id=p1', { onOutput: () => undefined });
      const s1 = await group.makeGateway('socket=127.0.0.1:0//installvia=p1', { onOutput: () => undefined });
      assert.equal(await s1.remoteExec('channel.send("via 127.0.0.1")').receive({ timeout: 10_000 }), 'via 127.0.0.1');
    } finally {
      await group.terminate({ timeout: 2000 });
    }
  });

  it('several socket gateways through one gateway, each with its own server', async () => {
    const group = new Group();
    try {
      await group.makeGateway('popen//id=p1', { onOutput: () => undefined });
      const gateways = await Promise.all([1, 2, 3].map(() => group.makeGateway('socket//installvia=p1', { onOutput: () => undefined })));
      assert.equal(new Set(gateways.map((gw) => gw.remoteAddress)).size, 3);
      assert.equal((await group.get('p1')!.remoteStatus()).numExecuting, 3);
    } finally {
      await group.terminate({ timeout: 2000 });
    }
  });

  it('an unknown gateway id is a SpecError', async () => {
    const group = new Group();
    try {
      await assert.rejects(group.makeGateway('socket//installvia=nowhere'), (e: unknown) => isExecnetError(e) && e.code === ExecnetErrorCode.SPEC);
    } finally {
      await group.terminate({ timeout: 1000 });
    }
  });
});
