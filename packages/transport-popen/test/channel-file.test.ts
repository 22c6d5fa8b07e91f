/*
 * execnet testing/test_channel.py TestChannelFile, ported to Node streams over popen gateways
 * (`channel.makeFile('r' | 'w', { proxyClose })`), once per codec.
 * Left out: nothing of TestChannelFile; execnet's file `repr` and `isatty()` have no stream
 * counterpart worth testing.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { ChannelClosedError, RemoteError, type Gateway } from '@execnet/core';
import { gatewayPool } from './helpers.js';

/** Reads exactly `n` characters (fewer at the end of the stream), like execnet's file.read(n). */
async function read(stream: Readable, n: number): Promise<string> {
  // A stream emits 'readable' at once when a first 'readable' listener is added while it holds
  // data; one listener that stays keeps the waits below from spinning on that (and starving I/O).
  if (stream.listenerCount('readable') === 0) stream.on('readable', () => undefined);
  for (;;) {
    const chunk = stream.read(n) as string | null;
    if (chunk !== null) return chunk;
    if (stream.readableEnded) return '';
    await Promise.race([once(stream, 'readable'), once(stream, 'end')]);
    if (stream.readableEnded && stream.readableLength === 0) return '';
  }
}

async function readAll(stream: Readable): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk;
  return text;
}

for (const codec of ['execnet', 'msgpack']) {
  describe(`channel files over popen (codec=${codec})`, () => {
    const open = gatewayPool();
    let gw: Gateway;
    before(async () => {
      gw = await open(`popen//codec=${codec}`);
    });

    it('each remote write arrives as one item, strings as strings and buffers as bytes', async () => {
      const ch = gw.remoteExec(`
        const f = channel.makeFile('w');
        f.write('hello world\\n');
        f.write(Buffer.from('bytes'));
        f.write('last');`);
      assert.equal(await ch.receive(), 'hello world\n');
      const bytes = await ch.receive();
      assert.ok(bytes instanceof Uint8Array);
      assert.equal(Buffer.from(bytes).toString(), 'bytes');
      assert.equal(await ch.receive(), 'last');
      await ch.waitClose();
    });

    it('writing to a closed channel file fails with ChannelClosedError', async () => {
      const ch = gw.remoteExec('');
      await ch.waitClose();
      const f = ch.makeFile('w');
      f.write('x');
      const [error] = await once(f, 'error');
      assert.ok(error instanceof ChannelClosedError);
    });

    it('proxyClose inside remoteExec fails the remote code with RemoteError', async () => {
      const ch = gw.remoteExec(`
        const f = channel.makeFile('w', { proxyClose: true });
        f.write('before close');
        await new Promise((resolve, reject) => { f.on('error', reject); f.end((error) => (error ? reject(error) : resolve())) });`);
      assert.equal(await ch.receive(), 'before close');
      await assert.rejects(ch.receive(), RemoteError);
    });

    it('proxyClose closes the channel when a local write file ends', async () => {
      const out = gw.newChannel();
      const ch = gw.remoteExec('const items = []; for await (const item of channel) items.push(item); out.send(items); out.close()', { out });
      const f = ch.makeFile('w', { proxyClose: true });
      f.write('a');
      f.end('b');
      await once(f, 'finish');
      assert.equal(ch.isClosed, true);
      assert.deepEqual(await out.receive(), ['a', 'b']);
    });

    it('without proxyClose, ending the file leaves the channel open', async () => {
      const ch = gw.remoteExec('channel.send(await channel.receive())');
      const f = ch.makeFile('w');
      f.end('only');
      await once(f, 'finish');
      assert.equal(ch.isClosed, false);
      assert.equal(await ch.receive(), 'only');
    });

    it('read(n) concatenates items', async () => {
      const ch = gw.remoteExec('channel.send("xyabcde"); channel.send("f")');
      const f = ch.makeFile('r');
      f.setEncoding('utf8');
      assert.equal(await read(f, 2), 'xy');
      assert.equal(await read(f, 5), 'abcde');
      assert.equal(await read(f, 5), 'f');
      assert.equal(await read(f, 5), '');
    });

    it('reading a channel that ended without items gives nothing', async () => {
      const ch = gw.remoteExec('');
      const f = ch.makeFile('r');
      f.setEncoding('utf8');
      assert.equal(await readAll(f), '');
    });

    it('lines split across items, with a partial last line', async () => {
      const ch = gw.remoteExec('channel.send("12"); channel.send("3\\n4"); channel.send("5")');
      const lines: string[] = [];
      for await (const line of createInterface({ input: ch.makeFile('r'), crlfDelay: Infinity })) lines.push(line);
      assert.deepEqual(lines, ['123', '45']);
    });

    it('bytes items are read as bytes', async () => {
      const ch = gw.remoteExec('channel.send(new Uint8Array([1, 2])); channel.send(new Uint8Array([3]))');
      const chunks: Buffer[] = [];
      for await (const chunk of ch.makeFile('r')) chunks.push(chunk as Buffer);
      assert.deepEqual([...Buffer.concat(chunks)], [1, 2, 3]);
    });

    it('a read file fails with the remote error', async () => {
      const ch = gw.remoteExec('channel.send("partial"); throw new Error("boom")');
      const f = ch.makeFile('r');
      f.setEncoding('utf8');
      await assert.rejects(readAll(f), RemoteError);
    });

    it('a read file fails with TypeError on an item that is not text or bytes', async () => {
      const ch = gw.remoteExec('channel.send(42)');
      await assert.rejects(readAll(ch.makeFile('r')), TypeError);
    });

    it('a remote read file reads what the master sends', async () => {
      const out = gw.newChannel();
      const ch = gw.remoteExec(`
        const f = channel.makeFile('r');
        f.setEncoding('utf8');
        let text = '';
        for await (const chunk of f) text += chunk;
        out.send(text);
        out.close();`, { out });
      await ch.send('abc');
      await ch.send('def');
      ch.close();
      assert.equal(await out.receive(), 'abcdef');
    });

    it('modes other than r and w are refused', () => {
      const ch = gw.newChannel();
      assert.throws(() => ch.makeFile('rw' as 'r'), TypeError);
      ch.close();
    });
  });
}
