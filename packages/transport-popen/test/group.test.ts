/*
 * execnet testing/test_multi.py, class TestGroup (and the Group part of
 * TestMultiChannelAndGateway), ported to popen gateways with JavaScript workers.
 * Left out:
 * - test_basic_group's check that an atexit hook is registered: a Python-internal detail; what
 *   it is for (no worker outlives a master that never terminated its groups) is tested with
 *   real master processes in termination.test.ts.
 * - test_group_id_allocation's Group.allocate_id: not in the API (ids are given by
 *   makeGateway); the behaviour it checks (explicit ids honoured, automatic ids skip them) is.
 * - test_gateway_and_id's "no item assignment or deletion": a Group has no setter or deleter
 *   to call in TypeScript.
 * - test_safe_terminate_does_not_hang_when_kill_blocks: the kill is SIGKILL, which cannot
 *   block; `terminate` with a kill (killed ids reported) is in termination.test.ts.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultGroup, ExecnetError, Gateway, Group, makeGateway, SpecError } from '@execnet/core';
import './helpers.js';
import { childPids, groupPool, isGone, waitGone, warmUp } from './processes.js';

describe('Group over popen', () => {
  const newGroup = groupPool();
  before(warmUp);

  it('keeps insertion order; get by index and id, size, iteration, toString', async () => {
    const group = await newGroup(['popen', 'popen//id=b', 'popen']);
    assert.equal(group.size, 3);
    assert.deepEqual(
      [...group].map((gw) => gw.id),
      ['gw0', 'b', 'gw1'],
    );
    assert.equal(group.get(0)?.id, 'gw0');
    assert.equal(group.get(1)?.id, 'b');
    assert.equal(group.get(2)?.id, 'gw1');
    assert.equal(group.get(3), undefined);
    assert.equal(group.get('b'), group.get(1));
    assert.equal(group.get('nope'), undefined);
    assert.ok(group.get('b') instanceof Gateway);
    assert.equal(group.has('b'), true);
    assert.equal(group.has(group.get(0)!), true);
    assert.equal(group.has('nope'), false);
    assert.equal(String(group), "<Group ['gw0', 'b', 'gw1']>");
    const pids = [...group].map((gw) => gw.pid!);
    assert.equal(new Set(pids).size, 3);

    const report = await group.terminate({ timeout: 2000 });
    assert.deepEqual(report.killed, []);
    assert.equal(group.size, 0);
    assert.equal(String(group), '<Group []>');
    assert.deepEqual(pids.filter((pid) => !isGone(pid)), []);
  });

  it('Group.create waits for every gateway; new Group(...).ready does too', async () => {
    const created = await Group.create(['popen', 'popen']);
    try {
      assert.equal(created.size, 2);
      const answers = await created.remoteExec('channel.send(1)').receiveEach();
      assert.deepEqual(answers, [1, 1]);
    } finally {
      await created.terminate({ timeout: 2000 });
    }
    const group = new Group(['popen//id=x']);
    try {
      await group.ready;
      assert.deepEqual(
        [...group].map((gw) => gw.id),
        ['x'],
      );
    } finally {
      await group.terminate({ timeout: 2000 });
    }
  });

  it('Group.create rejects when a spec fails and leaves no worker of the others', async () => {
    const before = new Set(childPids());
    await assert.rejects(Group.create(['popen//id=ok', 'popen//execmodel=nonsense']), SpecError);
    // The first gateway was made, then terminated by create(): its process is gone.
    assert.deepEqual(
      childPids().filter((pid) => !before.has(pid)),
      [],
    );
  });

  it('explicit ids are honoured, automatic ids skip them, a duplicate id is refused', async () => {
    const group = await newGroup(['popen//id=gw0', 'popen//id=hello']);
    const auto = await group.makeGateway();
    assert.equal(auto.id, 'gw1');
    assert.equal(group.get('hello')?.spec.id, 'hello');
    await assert.rejects(group.makeGateway('popen//id=hello'), (error: unknown) => {
      assert.ok(error instanceof SpecError);
      assert.equal(error.code, 'ERR_EXECNET_SPEC');
      return true;
    });
    assert.equal(group.size, 3);
  });

  it('an unknown defaultSpec makes makeGateway() reject with SpecError', async () => {
    const group = await newGroup();
    group.defaultSpec = 'nosuchtransport';
    await assert.rejects(group.makeGateway(), SpecError);
    assert.equal(group.size, 0);
    group.defaultSpec = 'popen';
    const gw = await group.makeGateway();
    assert.equal(gw.spec.transportName, 'popen');
  });

  it('exit() removes the gateway from the group at once; terminate still ends it', async () => {
    const group = await newGroup(['popen//id=a', 'popen//id=b']);
    const a = group.get('a')!;
    const pid = a.pid!;
    a.exit();
    assert.equal(group.has('a'), false);
    assert.equal(group.has(a), false);
    assert.equal(group.get('a'), undefined);
    assert.equal(group.size, 1);
    assert.equal(group.get(0)?.id, 'b');
    // A new gateway may take the id of an exited one.
    const again = await group.makeGateway('popen//id=a');
    assert.notEqual(again, a);
    await group.terminate({ timeout: 2000 });
    assert.deepEqual(await waitGone([pid, again.pid!], 1000), []);
  });

  it('iteration is over a snapshot: gateways may exit during it', async () => {
    const group = await newGroup(['popen', 'popen', 'popen']);
    const seen: string[] = [];
    for (const gw of group) {
      seen.push(gw.id);
      gw.exit();
    }
    assert.deepEqual(seen, ['gw0', 'gw1', 'gw2']);
    assert.equal(group.size, 0);
  });

  it('makeGateway() adds to defaultGroup; exit() takes it out', async () => {
    const gw = await makeGateway();
    try {
      assert.equal(defaultGroup.has(gw), true);
      assert.equal(defaultGroup.get(gw.id), gw);
      gw.exit();
      assert.equal(defaultGroup.has(gw), false);
    } finally {
      await gw.terminate({ timeout: 2000 });
    }
  });

  it('remoteExec passes kwargs to every gateway, one channel each in member order', async () => {
    const group = await newGroup(['popen//id=one', 'popen//id=two']);
    const mch = group.remoteExec('channel.send([arg1 + arg2, process.pid])', { arg1: 1, arg2: 2 });
    assert.equal(mch.size, 2);
    assert.equal(mch.get(0)?.gateway, group.get('one'));
    assert.equal(mch.get(1)?.gateway, group.get('two'));
    const results = (await mch.receiveEach()) as Array<[number, number]>;
    assert.deepEqual(
      results.map(([sum]) => sum),
      [3, 3],
    );
    assert.deepEqual(
      results.map(([, pid]) => pid),
      [group.get('one')!.pid, group.get('two')!.pid],
    );
    await mch.waitClose();
  });

  it('terminate ends gateways that others reach through (via) last (test_terminate_with_proxying)', async () => {
    const group = await newGroup(['popen//id=a', 'popen//via=a//id=b', 'popen//via=b//id=c', 'popen//id=d']);
    const pids = new Map<string, number>();
    for (const gw of group) pids.set(gw.id, (await gw.remoteInfo({ timeout: 10_000 })).pid);
    // When each gateway is told to exit, note which workers still run.
    const seen: string[] = [];
    for (const gw of group) {
      const exit = gw.exit.bind(gw);
      gw.exit = () => {
        if (!seen.some((entry) => entry.startsWith(`${gw.id}:`))) {
          seen.push(`${gw.id}:${[...pids].filter(([, pid]) => !isGone(pid)).map(([id]) => id).join('')}`);
        }
        exit();
      };
    }
    const report = await group.terminate({ timeout: 2000 });
    assert.deepEqual(report.killed, []);
    // c and d first (nobody goes through them), with all still up; then b once c is gone; then a.
    assert.deepEqual(seen.slice(0, 2).sort(), ['c:abcd', 'd:abcd']);
    assert.deepEqual(seen.slice(2), ['b:ab', 'a:a']);
    assert.deepEqual([...pids.values()].filter((pid) => !isGone(pid)), []);
  });

  describe('exec models', () => {
    it('setExecModel is refused once the group has gateways (ExecnetError), also exited ones', async () => {
      const group = await newGroup();
      group.setExecModel('main_thread_only', 'thread');
      assert.equal(group.execModel, 'main_thread_only');
      assert.equal(group.remoteExecModel, 'thread');
      group.setExecModel('eventloop');
      assert.equal(group.remoteExecModel, 'eventloop');
      const gw = await group.makeGateway();
      assert.throws(() => group.setExecModel('thread'), ExecnetError);
      gw.exit();
      // The exited gateway is not terminated yet: it still counts.
      assert.throws(() => group.setExecModel('thread'), ExecnetError);
      await group.terminate({ timeout: 2000 });
      group.setExecModel('thread');
      assert.equal(group.remoteExecModel, 'thread');
    });

    it('the group exec model reaches the workers unless the spec names its own', async () => {
      const group = await newGroup([], { execModel: 'thread' });
      const byGroup = await group.makeGateway();
      const bySpec = await group.makeGateway('popen//execmodel=main_thread_only');
      assert.equal((await byGroup.remoteStatus({ timeout: 10_000 })).execModel, 'thread');
      assert.equal((await bySpec.remoteStatus({ timeout: 10_000 })).execModel, 'main_thread_only');
      assert.equal(byGroup.spec.execmodel, 'thread');
    });

    it('a spec with an unknown exec model is refused (SpecError), nothing starts', async () => {
      const group = await newGroup();
      const before = new Set(childPids());
      await assert.rejects(group.makeGateway('popen//execmodel=bogus'), SpecError);
      assert.equal(group.size, 0);
      assert.deepEqual(
        childPids().filter((pid) => !before.has(pid)),
        [],
      );
    });

    it('a group exec model of Python workers (gevent) leaves JavaScript workers on eventloop', async () => {
      const group = await newGroup([], { execModel: 'gevent' });
      const gw = await group.makeGateway();
      assert.equal((await gw.remoteStatus({ timeout: 10_000 })).execModel, 'eventloop');
    });
  });

  it('await using: Symbol.asyncDispose terminates the group', async () => {
    const group = await Group.create(['popen']);
    const pid = group.get(0)!.pid!;
    const asyncDispose = (Symbol as { asyncDispose?: symbol }).asyncDispose ?? Symbol.for('nodejs.asyncDispose');
    const dispose = (group as unknown as Record<symbol, () => Promise<void>>)[asyncDispose]!;
    await dispose.call(group);
    assert.equal(group.size, 0);
    assert.deepEqual(await waitGone([pid], 1000), []);
  });
});
