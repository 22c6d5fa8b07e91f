/*
 * execnet testing/test_multi.py, class TestMultiChannelAndGateway (MultiChannel part), ported
 * to popen gateways with JavaScript workers. The Group tests of that file are in
 * group.test.ts; test_Group_execmodel_setting is there too.
 * Left out:
 * - nothing else of TestMultiChannelAndGateway. Python's `in` and `len` are `has()` and `size`.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Channel, ExecnetError, GatewayClosedError, MultiChannel, RemoteError, TimeoutError, type Group } from '@execnet/core';
import './helpers.js';
import { groupPool } from './processes.js';

describe('MultiChannel over popen', () => {
  const newGroup = groupPool();
  let group: Group;
  before(async () => {
    group = await newGroup(['popen', 'popen']);
  });

  it('container basics: size, iteration, get, has', async () => {
    const channels = [...group].map((gw) => gw.remoteExec('channel.send(1)'));
    const mch = new MultiChannel(channels);
    assert.equal(mch.size, 2);
    assert.deepEqual([...mch], channels);
    assert.equal(mch.get(0), channels[0]);
    assert.equal(mch.get(1), channels[1]);
    assert.equal(mch.get(2), undefined);
    assert.equal(mch.has(channels[0]!), true);
    assert.equal(mch.has(group.get(0)!.newChannel()), false);
    await mch.waitClose({ timeout: 10_000 });
  });

  it('receiveEach gives one item per channel in channel order, with or without the channel', async () => {
    const mch = group.remoteExec('channel.send(process.pid)');
    const pids = await mch.receiveEach({ timeout: 10_000 });
    assert.deepEqual(
      pids,
      [...group].map((gw) => gw.pid),
    );
    const mch2 = group.remoteExec('channel.send(process.pid)');
    const pairs = await mch2.receiveEach({ withChannel: true, timeout: 10_000 });
    assert.equal(pairs.length, 2);
    for (const [i, [channel, pid]] of pairs.entries()) {
      assert.ok(channel instanceof Channel);
      assert.equal(channel, mch2.get(i));
      assert.equal(pid, (channel.gateway as { pid?: number }).pid);
    }
  });

  it('sendEach then receiveEach over a group of two', async () => {
    const mch = group.remoteExec('const x = await channel.receive(); channel.send(x + 1)');
    await mch.sendEach(41);
    assert.deepEqual(await mch.receiveEach({ timeout: 10_000 }), [42, 42]);
    await mch.waitClose({ timeout: 10_000 });
  });

  it('a receive queue for two subprocesses yields [channel, item] from each', async () => {
    const mch = group.remoteExec('channel.send(process.pid)');
    const queue = mch.makeReceiveQueue();
    const [ch1, item1] = await queue.get({ timeout: 10_000 });
    const [ch2, item2] = await queue.get({ timeout: 10_000 });
    assert.notEqual(ch1, ch2);
    assert.notEqual(ch1.gateway, ch2.gateway);
    assert.notEqual(item1, item2);
    assert.deepEqual(new Set([item1, item2]), new Set([...group].map((gw) => gw.pid)));
    assert.equal(mch.makeReceiveQueue(), queue, 'made once, later calls give the same queue');
    // receiveEach would compete with the queue's callbacks.
    await assert.rejects(mch.receiveEach(), ExecnetError);
    await assert.rejects(queue.get({ timeout: 50 }), TimeoutError);
  });

  it('a receive queue with an end marker puts [channel, endMarker] when each channel closes', async () => {
    const mch = group.remoteExec('channel.send(await channel.receive())');
    const queue = mch.makeReceiveQueue({ endMarker: null });
    await mch.sendEach('x');
    const got: Array<[Channel, unknown]> = [];
    for (let i = 0; i < 4; i++) got.push(await queue.get({ timeout: 10_000 }));
    for (const channel of mch) {
      const mine = got.filter(([ch]) => ch === channel).map(([, item]) => item);
      assert.deepEqual(mine, ['x', null]); // the item, then the marker
    }
    await assert.rejects(queue.get({ timeout: 50 }), TimeoutError);
  });

  it('waitClose waits for every channel', async () => {
    const mch = group.remoteExec('await new Promise((resolve) => setTimeout(resolve, delay))', { delay: 200 });
    const started = Date.now();
    await mch.waitClose({ timeout: 10_000 });
    assert.ok(Date.now() - started >= 150);
    for (const channel of mch) assert.equal(channel.isClosed, true);
  });

  it('waitClose raises the first RemoteError only after every channel was waited for', async () => {
    const [a, b] = [...group];
    const fails = a!.remoteExec('throw new Error("fails at once")');
    const slow = b!.remoteExec('await new Promise((resolve) => setTimeout(resolve, 300))');
    const mch = new MultiChannel([fails, slow]);
    await assert.rejects(mch.waitClose({ timeout: 10_000 }), (error: unknown) => {
      assert.ok(error instanceof RemoteError);
      assert.equal(error.code, 'ERR_EXECNET_REMOTE');
      assert.equal(slow.isClosed, true, 'the slow channel was waited for first');
      return true;
    });
  });

  it('waitClose times out with TimeoutError', async () => {
    const mch = group.remoteExec('await channel.receive()');
    await assert.rejects(mch.waitClose({ timeout: 50 }), TimeoutError);
    await mch.sendEach(1);
    await mch.waitClose({ timeout: 10_000 });
  });

  it('receiveEach rejects with RemoteError when one remote fails', async () => {
    const [a, b] = [...group];
    const mch = new MultiChannel([a!.remoteExec('channel.send(1)'), b!.remoteExec('throw new Error("no")')]);
    await assert.rejects(mch.receiveEach({ timeout: 10_000 }), RemoteError);
  });

  describe('when the workers go away', () => {
    it('a receive queue with an end marker gets it from channels whose worker was killed by terminate', async () => {
      const doomed = await newGroup(['popen', 'popen']);
      const mch = doomed.remoteExec('channel.send("up"); while (true) {}');
      const queue = mch.makeReceiveQueue({ endMarker: 'END' });
      assert.deepEqual((await queue.get({ timeout: 10_000 }))[1], 'up');
      assert.deepEqual((await queue.get({ timeout: 10_000 }))[1], 'up');
      const report = await doomed.terminate({ timeout: 300 });
      assert.deepEqual(report.killed.sort(), ['gw0', 'gw1']);
      const ends = [await queue.get({ timeout: 5000 }), await queue.get({ timeout: 5000 })];
      assert.deepEqual(
        ends.map(([, item]) => item),
        ['END', 'END'],
      );
      assert.deepEqual(new Set(ends.map(([ch]) => ch)), new Set(mch));
      for (const channel of mch) await assert.rejects(channel.waitClose(), GatewayClosedError);
    });

    it('pending receiveEach and waitClose reject with GatewayClosedError on terminate', async () => {
      const doomed = await newGroup(['popen', 'popen']);
      const mch = doomed.remoteExec('await new Promise(() => {})');
      const receiving = assert.rejects(mch.receiveEach(), GatewayClosedError);
      const other = new MultiChannel([...doomed].map((gw) => gw.remoteExec('await new Promise(() => {})')));
      const closing = assert.rejects(other.waitClose(), GatewayClosedError);
      await doomed.terminate({ timeout: 300 });
      await receiving;
      await closing;
      // Later receives keep saying why: the connection broke (not a plain end of channel).
      await assert.rejects(mch.receiveEach(), GatewayClosedError);
    });
  });
});
