/*
 * Gateways through gateways (`via=ID`, execnet's proxy gateways, spec §4.6): a JavaScript
 * worker of the same group starts the sub-worker as its own child process and relays its bytes.
 * The termination order of a deeper chain (and which workers still run at each exit) is in
 * group.test.ts; ssh-then-popen and popen-then-ssh are in packages/execnet/test/via-ssh.test.ts,
 * where both transports and the test sshd are at hand.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BootstrapError, GatewayClosedError, Group, RemoteError, SpecError, type Gateway } from '@execnet/core';
import './helpers.js';
import { sleep } from './helpers.js';
import { runtime } from './helpers/runtimes.js';

/** True once the process is gone (or a zombie: an orphan's init may not reap it). */
function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] === 'Z';
  } catch {
    return true;
  }
}

async function waitGone(pid: number, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!isGone(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
  return true;
}

/** The worker's pid and its parent's, asked from inside (JavaScript or Python). */
async function pids(gw: Gateway): Promise<[pid: number, ppid: number]> {
  const code = gw.remoteKind === 'python' ? 'import os\nchannel.send([os.getpid(), os.getppid()])' : 'channel.send([process.pid, process.ppid])';
  return (await gw.remoteExec(code).receive({ timeout: 10_000 })) as [number, number];
}

const python = runtime('python');
/** Swallows worker output the test provokes on purpose (the stderr tail still records it). */
const quiet = () => undefined;

describe('via: gateways through a JavaScript worker', () => {
  let group: Group;
  let fwd: Gateway;
  before(async () => {
    group = new Group();
    fwd = await group.makeGateway('popen//id=fwd');
  });
  after(async () => {
    await group.terminate({ timeout: 2000 });
  });

  it('popen through popen: the sub-worker is a child of the forwarder', async () => {
    const sub = await group.makeGateway('popen//via=fwd//id=sub');
    const [pid, ppid] = await pids(sub);
    assert.equal(ppid, fwd.pid);
    assert.notEqual(pid, fwd.pid);
    const ch = sub.remoteExec('for await (const item of channel) await channel.send(item)');
    const data = randomBytes(1 << 20);
    await ch.send(data);
    await ch.send({ nested: [1, 'two'] });
    assert.ok(Buffer.from((await ch.receive({ timeout: 10_000 })) as Uint8Array).equals(data));
    assert.deepEqual(await ch.receive({ timeout: 10_000 }), { nested: [1, 'two'] });
    ch.close();
    await ch.waitClose({ timeout: 10_000 });
    assert.equal((await sub.remoteStatus()).execModel, 'eventloop');
    const { killed, status } = await sub.terminate({ timeout: 5000 });
    assert.equal(killed, false);
    assert.equal(status.code, 0, 'the exit status comes through the proxy');
    assert.ok(await waitGone(pid));
    assert.equal(isGone(fwd.pid!), false, 'the forwarder serves on');
  });

  it('two levels: a gateway through a gateway through a gateway', async () => {
    const one = await group.makeGateway('popen//via=fwd//id=one');
    const two = await group.makeGateway('popen//via=one//id=two');
    const [onePid, oneParent] = await pids(one);
    const [twoPid, twoParent] = await pids(two);
    assert.equal(oneParent, fwd.pid);
    assert.equal(twoParent, onePid);
    const ch = two.remoteExec('channel.send(await channel.receive() * 2)');
    await ch.send(21);
    assert.equal(await ch.receive({ timeout: 10_000 }), 42);
    // A remote error travels back through both proxies intact.
    await assert.rejects(two.remoteExec('throw new TypeError("deep")').waitClose({ timeout: 10_000 }), RemoteError);
    await two.terminate({ timeout: 5000 });
    await one.terminate({ timeout: 5000 });
    assert.ok(await waitGone(twoPid));
    assert.ok(await waitGone(onePid));
  });

  it('a Python worker through a JavaScript forwarder', { skip: python.skip }, async () => {
    const py = await group.makeGateway(`popen//via=fwd//id=py//${python.specKey()}`);
    assert.equal(py.remoteKind, 'python');
    const [pid, ppid] = await pids(py);
    assert.equal(ppid, fwd.pid);
    const ch = py.remoteExec('for item in channel:\n    channel.send(item)');
    const data = randomBytes(256 * 1024);
    await ch.send(data);
    assert.ok(Buffer.from((await ch.receive({ timeout: 10_000 })) as Uint8Array).equals(data));
    ch.close();
    await ch.waitClose({ timeout: 10_000 });
    assert.equal((await py.remoteStatus()).execModel, 'thread');
    const { killed } = await py.terminate({ timeout: 5000 });
    assert.equal(killed, false);
    assert.ok(await waitGone(pid));
  });

  it('remote address, kill and wait work through the proxy', async () => {
    const sub = await group.makeGateway('popen//via=fwd//id=victim');
    // A popen sub-worker runs where its forwarder runs: it has the forwarder's address.
    assert.equal(sub.remoteAddress, fwd.remoteAddress);
    const [pid] = await pids(sub);
    const ch = sub.remoteExec('await channel.receive()');
    sub.kill();
    await assert.rejects(ch.receive({ timeout: 10_000 }), GatewayClosedError);
    const { status } = await sub.terminate({ timeout: 5000 });
    assert.equal(status.signal, 'SIGKILL');
    assert.ok(await waitGone(pid));
  });

  it('a sub-worker that exits reports its exit code through the proxy', async () => {
    const sub = await group.makeGateway('popen//via=fwd//id=quitter');
    const ch = sub.remoteExec('setTimeout(() => process.exit(3), 10); await channel.receive()');
    const error = await ch.receive({ timeout: 10_000 }).then(
      () => assert.fail('expected the gateway to close'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof GatewayClosedError);
    assert.equal(error.gatewayId, 'quitter');
    assert.equal(error.exitCode, 3);
  });

  it('a sub-worker that cannot start is a BootstrapError', async () => {
    await assert.rejects(group.makeGateway('popen//via=fwd//id=nonode//node=/nonexistent/node', { timeout: 10_000, onOutput: quiet }), BootstrapError);
    assert.equal(group.has('nonode'), false);
  });

  it('specs that cannot go through are refused with SpecError', { skip: python.skip }, async () => {
    await assert.rejects(group.makeGateway('popen//via=nobody'), SpecError);
    await group.makeGateway(`popen//id=pyfwd//${python.specKey()}`);
    // Python workers do not run the JavaScript forwarder.
    await assert.rejects(group.makeGateway('popen//via=pyfwd'), SpecError);
  });
});

describe('via: losing the forwarder', () => {
  it("killing the proxy gateway's worker fails its sub-gateways with GatewayClosedError", async () => {
    const group = new Group();
    try {
      const fwd = await group.makeGateway('popen//id=proxy');
      const sub = await group.makeGateway('popen//via=proxy//id=sub', { onOutput: quiet });
      const deeper = await group.makeGateway('popen//via=sub//id=deeper', { onOutput: quiet });
      const subPids = [(await pids(sub))[0], (await pids(deeper))[0]];
      const waiting = [sub.remoteExec('await channel.receive()'), deeper.remoteExec('await channel.receive()')];
      process.kill(fwd.pid!, 'SIGKILL');
      for (const [i, ch] of waiting.entries()) {
        const error = await ch.receive({ timeout: 10_000 }).then(
          () => assert.fail('expected GatewayClosedError'),
          (e: unknown) => e,
        );
        assert.ok(error instanceof GatewayClosedError);
        assert.equal(error.gatewayId, ['sub', 'deeper'][i]);
      }
      // The direct sub's error has the forwarder's as its cause, and its stderr tail names it.
      const direct = await sub.remoteStatus().then(
        () => assert.fail('expected GatewayClosedError'),
        (e: unknown) => e,
      );
      assert.ok(direct instanceof GatewayClosedError);
      assert.ok(direct.cause instanceof GatewayClosedError);
      assert.equal(direct.cause.gatewayId, 'proxy');
      assert.equal(direct.cause.signal, 'SIGKILL');
      assert.ok(direct.stderrTail.some((line) => line.includes('proxy')));
      assert.throws(() => sub.remoteExec('1'), GatewayClosedError);
      // Without their forwarder the sub-workers see their input end and exit.
      for (const pid of subPids) assert.ok(await waitGone(pid), `worker ${pid} outlived its forwarder`);
    } finally {
      const report = await group.terminate({ timeout: 2000 });
      assert.deepEqual(report.killed, []);
    }
  });

  it('group.terminate ends sub-gateways before their forwarders, none killed', { skip: python.skip }, async () => {
    const group = new Group();
    const fwd = await group.makeGateway('popen//id=hub');
    const js = await group.makeGateway('popen//via=hub//id=js');
    const py = await group.makeGateway(`popen//via=hub//id=py//${python.specKey()}`);
    const ended: string[] = [];
    for (const gw of [fwd, js, py]) void gw.join().then(() => ended.push(gw.id));
    const report = await group.terminate({ timeout: 5000 });
    await sleep(10);
    assert.deepEqual(report.killed, []);
    assert.deepEqual(ended.slice(0, 2).sort(), ['js', 'py']);
    assert.equal(ended[2], 'hub');
    assert.ok(await waitGone(fwd.pid!));
  });
});
