/*
 * The local socket a popen worker writes its frames to: what is written on the child's
 * descriptor arrives on this side as chunks that end at frame boundaries (the handshake byte
 * first), big payloads in a buffer of their own, and the stream ends when the child's end closes.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { encodeFrame, MessageCode } from '@execnet/core';
import { frameSocketPair } from '../src/frame-socket.js';

describe('frameSocketPair', () => {
  it('carries a child process\'s frames: handshake byte, small and big frames, then the end', async () => {
    const pair = await frameSocketPair(1);
    assert.ok(pair, 'a local socket pair can be made here');
    const big = 300_000;
    // The child writes: the handshake byte, two small frames in one write, one big frame.
    const child = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('fs');
         const frame = (code, id, payload) => { const b = Buffer.alloc(9 + payload.length); b[0] = code; b.writeInt32BE(id, 1); b.writeInt32BE(payload.length, 5); payload.copy(b, 9); return b; };
         fs.writeSync(3, Buffer.from([0x31]));
         fs.writeSync(3, Buffer.concat([frame(${MessageCode.CHANNEL_DATA}, 1, Buffer.from('ab')), frame(${MessageCode.CHANNEL_DATA}, 3, Buffer.from('cde'))]));
         const payload = Buffer.alloc(${big}, 7);
         const out = frame(${MessageCode.CHANNEL_DATA}, 5, payload);
         for (let at = 0; at < out.length; ) { try { at += fs.writeSync(3, out, at); } catch (e) { if (e.code !== 'EAGAIN') throw e; } }`,
      ],
      { stdio: ['ignore', 'inherit', 'inherit', pair.childFd] },
    );
    await once(child, 'spawn');
    pair.releaseChildEnd();
    const chunks: Uint8Array[] = [];
    pair.local.on('data', (chunk: Uint8Array) => chunks.push(Uint8Array.prototype.slice.call(chunk)));
    const ended = once(pair.local, 'end');
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0);
    await ended;
    assert.deepEqual([...chunks[0]!], [0x31], 'the handshake byte comes alone, first');
    const all = Buffer.concat(chunks.slice(1));
    const expected = Buffer.concat([
      encodeFrame(MessageCode.CHANNEL_DATA, 1, Buffer.from('ab')),
      encodeFrame(MessageCode.CHANNEL_DATA, 3, Buffer.from('cde')),
      encodeFrame(MessageCode.CHANNEL_DATA, 5, Buffer.alloc(big, 7)),
    ]);
    assert.ok(all.equals(expected), 'the bytes after the handshake are the frames, in order');
    // The big payload arrives as one chunk of exactly its length (read in place).
    assert.ok(chunks.some((chunk) => chunk.byteLength === big), `a chunk of ${big} bytes among ${chunks.map((c) => c.byteLength).join(', ')}`);
  });
});
