/*
 * What a master does, in one small file that master-runtimes.test.ts runs under other Node
 * versions (18, 22): `node --import tsx --conditions=@execnet/source --test smoke.ts`. Workers
 * get this process's executable, so they run on the same version.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { Channel, Gateway, Group, RemoteError, makeGateway, registerTransport, tuple } from '@execnet/core';
import { popenTransport } from '@execnet/transport-popen';
import { runtime } from '../helpers/runtimes.js';

registerTransport(popenTransport());

describe(`master on Node ${process.versions.node}`, () => {
  const group = new Group();
  after(() => group.terminate({ timeout: 2000 }));

  it('drives a JavaScript worker of the same version', async () => {
    const gw = await group.makeGateway('popen//id=js');
    const info = await gw.remoteInfo();
    assert.equal(info.version, process.version);
    const ch = gw.remoteExec(
      async function double(channel: { receive(): Promise<unknown>; send(v: unknown): Promise<void> }, kwargs: { by: number }) {
        for (;;) await channel.send((await channel.receive()) as number * kwargs.by);
      },
      { by: 2 },
    );
    await ch.send(21);
    assert.equal(await ch.receive(), 42);
    const inner = gw.newChannel();
    const echo = gw.remoteExec('const [c] = await channel.receive(); await c.send(tuple); c.close()', { tuple: tuple(1, 'x') });
    await echo.send([inner]);
    assert.deepEqual(await inner.receive(), tuple(1, 'x'));
    await assert.rejects(gw.remoteExec('throw new Error("x")').waitClose(), RemoteError);
    assert.equal((await gw.remoteStatus()).execModel, 'eventloop');
    assert.equal(typeof (gw as unknown as Record<symbol, unknown>)[Symbol.for('nodejs.asyncDispose')], 'function');
  });

  it('thread exec model and a gateway through a gateway', async () => {
    const threaded = await group.makeGateway('popen//id=threaded//execmodel=thread');
    assert.equal(await threaded.remoteExec('channel.send(require("worker_threads").isMainThread)').receive(), false);
    const sub = await group.makeGateway('popen//via=js//id=sub');
    assert.equal(await sub.remoteExec('channel.send(process.version)').receive(), process.version);
  });

  it('drives a Python execnet worker', { skip: runtime('python').skip }, async () => {
    const gw = await makeGateway(`popen//${runtime('python').specKey()}`);
    try {
      const ch = gw.remoteExec('for item in channel:\n    channel.send(item)');
      await ch.send({ a: tuple(1, 2.5), b: new Uint8Array([1]) });
      assert.deepEqual(await ch.receive(), { a: tuple(1, 2.5), b: Buffer.from([1]) });
      const made = gw.remoteExec('channel.send(channel.gateway.newchannel())');
      assert.ok((await made.receive()) instanceof Channel);
      ch.close();
    } finally {
      await gw.terminate();
    }
    assert.ok(gw instanceof Gateway);
  });
});
