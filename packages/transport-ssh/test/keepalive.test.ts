import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ExecnetErrorCode, GatewayClosedError } from '@execnet/core';
import { ConnectionError } from '@execnet/transport-ssh';
import { eventually, gatewayPool, isolatedTransport, processExists } from './helpers/gateways.js';
import { parentPid } from './helpers/sockets.js';
import { useSshd } from './helpers/sshd.js';

const fixture = await useSshd();
const INTERVAL_S = 1;
const COUNT_MAX = 2;

describe('keepalive against the test sshd', { skip: fixture.skip }, () => {
  const sshd = fixture.sshd!;

  it('a frozen server (SIGSTOP of its sshd) fails the gateway within ServerAliveInterval × (ServerAliveCountMax + 1)', { timeout: 60_000 }, async () => {
    // Its own transport, so the connection is not shared with anything else.
    const open = gatewayPool(isolatedTransport());
    const output: string[] = [];
    const gw = await open(`ssh=${sshd.sshArgs(`-o ServerAliveInterval=${INTERVAL_S} -o ServerAliveCountMax=${COUNT_MAX}`)}`, {
      onOutput: (text) => output.push(text),
    });
    const [workerPid, sessionPid] = (await gw.remoteExec('channel.send([process.pid, process.ppid])').receive({ timeout: 10_000 })) as [number, number];
    // The shell exec'd the worker, so its parent is the sshd process serving this connection;
    // with privilege separation that one has a monitor parent of its own. Freeze both.
    const listener = sshd.listenerPid();
    const frozen: number[] = [];
    for (let pid = sessionPid; pid !== listener; pid = parentPid(pid)) {
      assert.match(readFileSync(`/proc/${pid}/comm`, 'utf8'), /sshd/, `process ${pid} between the worker and the listener is an sshd`);
      frozen.push(pid);
      assert.ok(frozen.length < 4, 'the listener is an ancestor of the worker');
    }

    const waiting = gw.remoteExec('await channel.send("waiting"); await channel.receive()');
    assert.equal(await waiting.receive({ timeout: 10_000 }), 'waiting');
    const pending = waiting.receive({ timeout: 30_000 });
    const started = Date.now();
    for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    try {
      await assert.rejects(pending, (error) => {
        assert.ok(error instanceof GatewayClosedError, String(error));
        assert.equal(error.code, ExecnetErrorCode.GATEWAY_CLOSED);
        assert.ok(error.cause instanceof ConnectionError, `cause: ${String(error.cause)}`);
        assert.equal(error.cause.failure, 'keepalive');
        return true;
      });
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= INTERVAL_S * COUNT_MAX * 1000 - 200, `not before the probes went unanswered (${elapsed} ms)`);
      assert.ok(elapsed <= INTERVAL_S * (COUNT_MAX + 1) * 1000 + 1500, `within the keepalive bound (${elapsed} ms)`);
      assert.ok(output.join('').includes('keepalive'), 'the reason is also written to the gateway output');
      assert.throws(() => gw.remoteExec('channel.send(1)'), GatewayClosedError);
    } finally {
      for (const pid of frozen) process.kill(pid, 'SIGCONT');
    }
    // Thawed, the server finds the connection gone, and the worker ends with it.
    await eventually(() => !processExists(workerPid), 10_000, `worker ${workerPid} ended after the connection was dropped`);
  });
});
