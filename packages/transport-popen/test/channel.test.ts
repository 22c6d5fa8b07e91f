/*
 * execnet testing/test_channel.py, ported to popen gateways with JavaScript workers; the whole
 * suite runs once per codec (execnet, msgpack).
 * Left out:
 * - test_channel_callback_stays_active, test_channel_callback_remote_freed: they rely on CPython
 *   refcounting dropping the local channel object (CHANNEL_LAST_MESSAGE on GC); a TypeScript
 *   channel lives until it is closed.
 * - test_channel__local_close(_error) use ChannelFactory._local_close (internal); the public
 *   close()/close(error) is tested instead.
 * - TestChannelFile::*: in channel-file.test.ts.
 * - the socket, ssh and proxy (via) gateway types of the `gw` fixture: later issues.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { Channel, DumpError, EOFError, ExecnetError, RemoteError, TimeoutError, tuple, type Gateway } from '@execnet/core';
import { gatewayPool } from './helpers.js';

for (const codec of ['execnet', 'msgpack']) {
  describe(`channels over popen (codec=${codec})`, () => {
    const open = gatewayPool();
    let gw: Gateway;
    before(async () => {
      gw = await open(`popen//codec=${codec}`);
    });

    it('a value outside the value model fails at once locally, and as RemoteError remotely', async () => {
      const ch = gw.remoteExec('channel.send(await channel.receive()); channel.send(new Date())');
      assert.throws(() => ch.send(new Date()), DumpError);
      await ch.send('ok');
      assert.equal(await ch.receive(), 'ok');
      await assert.rejects(ch.receive(), RemoteError);
    });

    it('a remote exception makes receive reject with RemoteError', async () => {
      const ch = gw.remoteExec('throw new Error("boom")');
      await assert.rejects(ch.receive(), RemoteError);
    });

    it('after the last item, receive rejects with EOFError, repeatedly', async () => {
      const ch = gw.remoteExec('channel.send(42)');
      assert.equal(await ch.receive(), 42);
      await assert.rejects(ch.receive(), EOFError);
      await assert.rejects(ch.receive(), EOFError);
    });

    it('an item, then the RemoteError once, then EOFError', async () => {
      const ch = gw.remoteExec('channel.send(42); throw new Error("after the item")');
      assert.equal(await ch.receive(), 42);
      await assert.rejects(ch.receive(), RemoteError);
      await assert.rejects(ch.receive(), EOFError);
    });

    it('waitClose times out while the remote code blocks, then returns', async () => {
      const ch = gw.remoteExec('await channel.receive()');
      await assert.rejects(ch.waitClose({ timeout: 20 }), TimeoutError);
      await ch.send(1);
      await ch.waitClose({ timeout: 10_000 });
      assert.equal(ch.isClosed, true);
    });

    it('receive times out, then a later receive gets the item', async () => {
      const ch = gw.remoteExec('channel.send(await channel.receive())');
      await assert.rejects(ch.receive({ timeout: 20 }), (e: unknown) => e instanceof TimeoutError && e.code === 'ERR_EXECNET_TIMEOUT');
      await ch.send(7);
      assert.equal(await ch.receive({ timeout: 10_000 }), 7);
    });

    it('receive waits for an item that comes late', async () => {
      const ch = gw.remoteExec('await new Promise((r) => setTimeout(r, 100)); channel.send("late")');
      assert.equal(await ch.receive(), 'late');
    });

    it('local close makes waitClose return; close(error) reaches the peer as RemoteError', async () => {
      const ch = gw.remoteExec(`
        for (const sub of await channel.receive()) {
          try { await sub.receive(); channel.send('item') } catch (e) { channel.send([e.name, e.formatted ?? null]) }
        }`);
      const plain = gw.newChannel();
      const failed = gw.newChannel();
      await ch.send([plain, failed]);
      plain.close();
      failed.close('stop here');
      await plain.waitClose({ timeout: 1000 });
      await failed.waitClose({ timeout: 1000 });
      assert.deepEqual(await ch.receive(), ['EOFError', null]);
      assert.deepEqual(await ch.receive(), ['RemoteError', 'stop here']);
      await ch.waitClose();
    });

    it('the error text has the remote stack with the line of the user code', async () => {
      const ch = gw.remoteExec('const a = 1;\n\nfoobar(a);\n');
      const error = await ch.receive().catch((e: unknown) => e);
      assert.ok(error instanceof RemoteError);
      assert.match(error.formatted, /ReferenceError/);
      assert.match(error.formatted, /remote-exec-\d+\.js:3:\d+/);
    });

    it('a syntax error in remote code is a RemoteError', async () => {
      const ch = gw.remoteExec('this is )( not javascript');
      const error = await ch.receive().catch((e: unknown) => e);
      assert.ok(error instanceof RemoteError);
      assert.match(error.formatted, /SyntaxError/);
    });

    it('iteration yields the items until the channel ends', async () => {
      const ch = gw.remoteExec('for (let i = 0; i < 5; i++) channel.send(i)');
      const items: unknown[] = [];
      for await (const item of ch) items.push(item);
      assert.deepEqual(items, [0, 1, 2, 3, 4]);
    });

    it('iteration throws the RemoteError out of the loop', async () => {
      const ch = gw.remoteExec('channel.send(1); throw new Error("fail")');
      const items: unknown[] = [];
      await assert.rejects(async () => {
        for await (const item of ch) items.push(item);
      }, RemoteError);
      assert.deepEqual(items, [1]);
    });

    it('iteration: break leaves the rest queued; the iterator is done after the end or an error', async () => {
      const ch = gw.remoteExec('for (let i = 1; i <= 3; i++) await channel.send(i)');
      for await (const item of ch) {
        assert.equal(item, 1);
        break;
      }
      assert.equal(await ch.receive(), 2, 'break took only the first item');
      const it = ch[Symbol.asyncIterator]();
      const [a, b] = await Promise.all([it.next(), it.next()]);
      assert.deepEqual([a, b], [{ done: false, value: 3 }, { done: true, value: undefined }], 'concurrent next() calls take items in order, then the end');
      assert.deepEqual(await it.next(), { done: true, value: undefined }, 'done stays done');
      const failing = gw.remoteExec('throw new Error("fail")')[Symbol.asyncIterator]();
      await assert.rejects(failing.next(), RemoteError);
      assert.deepEqual(await failing.next(), { done: true, value: undefined }, 'after the error, done');
    });

    it('channels inside a tuple work, sent by the master', async () => {
      const ch = gw.remoteExec(`
        const [ch1, ch2] = await channel.receive();
        ch2.send((await ch1.receive()) + 1);`);
      const a = gw.newChannel();
      const b = gw.newChannel();
      await ch.send(tuple(a, b));
      await a.send(1);
      assert.equal(await b.receive(), 2);
      await ch.waitClose();
      a.close();
      b.close();
    });

    it('channels inside an array work, sent by the worker', async () => {
      const ch = gw.remoteExec(`
        const a = channel.gateway.newChannel();
        const b = channel.gateway.newChannel();
        channel.send([a, b]);
        b.send((await a.receive()) * 10);
        a.close();
        b.close();`);
      const [a, b] = (await ch.receive()) as [Channel, Channel];
      assert.ok(a instanceof Channel && b instanceof Channel);
      assert.equal(a.id % 2, 0, 'worker channel ids are even');
      await a.send(4);
      assert.equal(await b.receive(), 40);
      await ch.waitClose();
    });

    it('a channel sent to its own peer arrives as the same channel', async () => {
      const ch = gw.remoteExec('channel.send(channel); const x = await channel.receive(); if (x !== channel) throw new Error("other")');
      assert.equal(await ch.receive(), ch);
      await ch.send(ch);
      await ch.waitClose({ timeout: 10_000 });
    });

    it('a channel made remotely is usable locally, and both sides forget it when closed', async () => {
      const remoteBefore = (await gw.remoteStatus()).numChannels;
      const localBefore = gw.numChannels;
      const ch = gw.remoteExec('const c = channel.gateway.newChannel(); channel.send(c); c.send(42); c.close()');
      const c = (await ch.receive()) as Channel;
      assert.equal(await c.receive(), 42);
      await ch.waitClose();
      await c.waitClose();
      assert.equal((await gw.remoteStatus()).numChannels, remoteBefore);
      assert.equal(gw.numChannels, localBefore);
    });

    it('a callback gets every item, including a channel; receive() is then refused', async () => {
      const ch = gw.remoteExec('channel.send(42); channel.send(13); const c = channel.gateway.newChannel(); channel.send(c); c.close()');
      const items: unknown[] = [];
      ch.setCallback((item) => items.push(item));
      await assert.rejects(ch.receive(), (e: unknown) => e instanceof ExecnetError && e.code === 'ERR_EXECNET');
      assert.throws(() => ch.setCallback(() => undefined), ExecnetError);
      await ch.waitClose({ timeout: 10_000 });
      assert.equal(items.length, 3);
      assert.deepEqual(items.slice(0, 2), [42, 13]);
      assert.ok(items[2] instanceof Channel);
    });

    it('setCallback after a receive only gets the rest', async () => {
      const ch = gw.remoteExec('channel.send(42); channel.send(13); const c = channel.gateway.newChannel(); channel.send(c); c.close()');
      assert.equal(await ch.receive(), 42);
      const items: unknown[] = [];
      ch.setCallback((item) => items.push(item));
      await ch.waitClose({ timeout: 10_000 });
      assert.equal(items.length, 2);
      assert.equal(items[0], 13);
      assert.ok(items[1] instanceof Channel);
    });

    it('waitClose waits until a slow callback has had every item', async () => {
      const ch = gw.remoteExec('for (let i = 0; i < 3; i++) channel.send(i)');
      const items: unknown[] = [];
      ch.setCallback((item) => {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30);
        items.push(item);
      });
      await ch.waitClose({ timeout: 10_000 });
      assert.deepEqual(items, [0, 1, 2]);
    });

    it('the endMarker comes last', async () => {
      const ch = gw.remoteExec('channel.send(42); channel.send(13)');
      const items: unknown[] = [];
      ch.setCallback((item) => items.push(item), { endMarker: 999 });
      await ch.waitClose({ timeout: 10_000 });
      assert.deepEqual(items, [42, 13, 999]);
    });

    it('the endMarker is delivered after a remote error, which waitClose still reports', async () => {
      const ch = gw.remoteExec('channel.send(1); throw new Error("ValueError")');
      const items: unknown[] = [];
      ch.setCallback((item) => items.push(item), { endMarker: 999 });
      await assert.rejects(ch.waitClose({ timeout: 10_000 }), RemoteError);
      assert.deepEqual(items, [1, 999]);
    });

    it('setCallback on an ended channel delivers the queued items and the endMarker at once', async () => {
      const ch = gw.remoteExec('channel.send(1)');
      await ch.waitClose();
      const items: unknown[] = [];
      ch.setCallback((item) => items.push(item), { endMarker: 'end' });
      assert.deepEqual(items, [1, 'end']);
    });

    it('a remote callback that throws closes the channel with RemoteError at the sender', async () => {
      const ch = gw.remoteExec(`
        const sub = channel.gateway.newChannel();
        sub.setCallback(() => { throw new Error('callback failed') });
        channel.send(sub);
        await channel.receive();
        channel.send(sub.isClosed);`);
      const sub = (await ch.receive()) as Channel;
      await sub.send(1);
      await assert.rejects(sub.waitClose({ timeout: 10_000 }), RemoteError);
      await ch.send('go');
      assert.equal(await ch.receive(), true);
      await ch.waitClose();
    });

    it('a local callback that throws closes the channel with RemoteError at the sender', async () => {
      const ch = gw.remoteExec(`
        const sub = await channel.receive();
        sub.send(1);
        try { await sub.waitClose(); channel.send('no error') } catch (e) { channel.send(e.name) }`);
      const sub = gw.newChannel();
      sub.setCallback(() => {
        throw new Error('local callback failed');
      });
      await ch.send(sub);
      assert.equal(await ch.receive(), 'RemoteError');
      assert.equal(sub.isClosed, true);
      await ch.waitClose();
    });
  });
}
