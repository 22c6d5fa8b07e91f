import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../src/errors.js';
import { FrameParser, FrameReader } from '../src/frame-parser.js';
import { encodeFrame } from '../src/message.js';
import type { Message } from '../src/message.js';
import type { MessageCode } from '../src/protocol.js';

function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

/** Feeds `stream` through a FrameReader the way a socket with `onread` does: reads of random sizes. */
function readThrough(stream: Uint8Array, seed: number, maxRead = 200_000): { messages: Array<[number, number, Uint8Array]>; chunks: number } {
  const got: Array<[number, number, Uint8Array]> = [];
  // Copies the payload at once: the reader reuses its buffer after emit returns.
  const parser = new FrameParser((m: Message) => got.push([m.code, m.channelId, Uint8Array.from(m.payload)]));
  let chunks = 0;
  const reader = new FrameReader((chunk) => {
    chunks++;
    parser.push(chunk);
  });
  const rnd = rng(seed);
  let at = 0;
  while (at < stream.byteLength) {
    const target = reader.readTarget();
    assert.ok(target.byteLength > 0, 'read target is never empty');
    const n = Math.min(target.byteLength, stream.byteLength - at, 1 + rnd(maxRead));
    target.set(stream.subarray(at, at + n));
    at += n;
    reader.bytesRead(n);
  }
  reader.flush();
  assert.equal(parser.pendingBytes, 0);
  return { messages: got, chunks };
}

describe('FrameReader', () => {
  it('passes every frame on, whatever the read sizes, for small, medium and big payloads', () => {
    const rnd = rng(7);
    const sizes = [0, 1, 5, 100, 4000, 20_000, 32_760, 32_768, 40_000, 65_527, 65_536, 70_000, 300_000, 1 << 20];
    const frames: Array<[number, number, Uint8Array]> = [];
    for (let i = 0; i < 300; i++) {
      const size = i % 3 === 0 ? sizes[rnd(sizes.length)]! : rnd(64);
      const payload = Uint8Array.from({ length: size }, (_, k) => (k * 31 + i) & 0xff);
      frames.push([rnd(8), 1 + 2 * rnd(1000), payload]);
    }
    const stream = Buffer.concat(frames.map(([code, id, payload]) => encodeFrame(code as MessageCode, id, payload)));
    for (const [seed, maxRead] of [[1, 7], [2, 4096], [3, 65_536], [4, 1 << 21]] as const) {
      const { messages } = readThrough(stream, seed, maxRead);
      assert.equal(messages.length, frames.length, `seed ${seed}`);
      for (let i = 0; i < frames.length; i++) {
        assert.equal(messages[i]![0], frames[i]![0]);
        assert.equal(messages[i]![1], frames[i]![1]);
        assert.ok(Buffer.from(messages[i]![2]).equals(Buffer.from(frames[i]![2])), `payload of frame ${i} (seed ${seed})`);
      }
    }
  });

  it('reads a big payload into a buffer of exactly its size, which the parser passes on without a copy', () => {
    const payload = new Uint8Array(1 << 20).fill(9);
    const stream = Buffer.concat([encodeFrame(4, 1, new Uint8Array([1, 2, 3])), encodeFrame(4, 1, payload)]);
    const payloads: Uint8Array[] = [];
    const parser = new FrameParser((m) => payloads.push(m.payload));
    const reader = new FrameReader((chunk) => parser.push(chunk));
    let at = 0;
    let reads = 0;
    while (at < stream.byteLength) {
      const target = reader.readTarget();
      const n = Math.min(target.byteLength, stream.byteLength - at);
      target.set(stream.subarray(at, at + n));
      at += n;
      reads++;
      reader.bytesRead(n);
    }
    assert.equal(payloads.length, 2);
    const big = payloads[1]!;
    assert.equal(big.byteOffset, 0);
    assert.equal(big.buffer.byteLength, 1 << 20, 'its own buffer, nothing around it');
    assert.ok(reads <= 3, `${reads} reads`);
  });

  it('hands a corrupt header to the parser, which reports it', () => {
    const stream = Buffer.concat([encodeFrame(4, 1, new Uint8Array(10)), Buffer.from([9, 0, 0, 0, 1, 0, 0, 0, 0]), Buffer.alloc(100)]);
    const parser = new FrameParser(() => undefined);
    const reader = new FrameReader((chunk) => parser.push(chunk));
    const target = reader.readTarget();
    target.set(stream);
    assert.throws(() => reader.bytesRead(stream.byteLength), ProtocolError);
    // Later reads go to fresh buffers and on to the parser, which keeps failing.
    const next = reader.readTarget();
    next[0] = 1;
    assert.throws(() => reader.bytesRead(1), ProtocolError);
  });

  it('passes an incomplete frame on at the end of the stream', () => {
    const frame = encodeFrame(4, 1, new Uint8Array(100_000));
    for (const cut of [5, 20, 50_000]) {
      const parser = new FrameParser(() => assert.fail('no frame is complete'));
      const reader = new FrameReader((chunk) => parser.push(chunk));
      const target = reader.readTarget();
      target.set(frame.subarray(0, cut));
      reader.bytesRead(cut);
      reader.flush();
      assert.equal(parser.pendingBytes, cut);
    }
  });
});

describe('FrameParser with big payloads in many chunks', () => {
  it('assembles them as chunks arrive, counts pending bytes, and parses what follows in the same chunk', () => {
    const big = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7) & 0xff);
    const stream = Buffer.concat([encodeFrame(4, 3, new Uint8Array([5])), encodeFrame(4, 3, big), encodeFrame(5, 3, new Uint8Array(0)), encodeFrame(4, 5, big.subarray(0, 20_000))]);
    for (const step of [1000, 65_536, 99_999, 150_000]) {
      const got: Message[] = [];
      const parser = new FrameParser((m) => got.push(m));
      let at = 0;
      while (at < stream.byteLength) {
        const chunk = stream.subarray(at, at + step);
        parser.push(chunk);
        at += chunk.byteLength;
        const delivered = got.reduce((sum, m) => sum + 9 + m.payload.byteLength, 0);
        assert.equal(parser.pendingBytes, at - delivered, `pending after ${at} bytes (step ${step})`);
      }
      assert.deepEqual(got.map((m) => [m.code, m.channelId, m.payload.byteLength]), [[4, 3, 1], [4, 3, 300_000], [5, 3, 0], [4, 5, 20_000]]);
      assert.ok(Buffer.from(got[1]!.payload).equals(Buffer.from(big)));
      assert.ok(Buffer.from(got[3]!.payload).equals(Buffer.from(big.subarray(0, 20_000))));
    }
  });

  it('keeps the rest of a chunk when the handler throws on the payload it completed', () => {
    const stream = Buffer.concat([encodeFrame(4, 1, new Uint8Array(50_000)), encodeFrame(4, 1, new Uint8Array([42]))]);
    const got: number[] = [];
    let fail = true;
    const parser = new FrameParser((m) => {
      if (fail) {
        fail = false;
        throw new Error('handler failed');
      }
      got.push(m.payload.byteLength);
    });
    parser.push(stream.subarray(0, 30_000));
    assert.throws(() => parser.push(stream.subarray(30_000)), /handler failed/);
    parser.push(new Uint8Array(0));
    parser.push(encodeFrame(5, 1, new Uint8Array(0)));
    assert.deepEqual(got, [1, 0]);
  });
});
