import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../src/errors.js';
import { FrameParser } from '../src/frame-parser.js';
import { encodeFrame } from '../src/message.js';
import type { Message } from '../src/message.js';
import { HEADER_SIZE, MAX_PAYLOAD } from '../src/protocol.js';
import type { MessageCode } from '../src/protocol.js';

/** Small deterministic PRNG (mulberry32), so a failing seed can be replayed. */
function random(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

interface Frame {
  code: MessageCode;
  channelId: number;
  payload: Uint8Array;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

function collect(): { parser: FrameParser; messages: Message[] } {
  const messages: Message[] = [];
  return { parser: new FrameParser((m) => messages.push(m)), messages };
}

function header(code: number, channelId: number, length: number): Uint8Array {
  const bytes = new Uint8Array(HEADER_SIZE);
  const view = new DataView(bytes.buffer);
  view.setInt8(0, code);
  view.setInt32(1, channelId);
  view.setInt32(5, length);
  return bytes;
}

function assertSameFrames(messages: Message[], frames: Frame[]): void {
  assert.equal(messages.length, frames.length);
  for (let i = 0; i < frames.length; i++) {
    const m = messages[i]!;
    const f = frames[i]!;
    assert.equal(m.code, f.code, `frame ${i}`);
    assert.equal(m.channelId, f.channelId, `frame ${i}`);
    assert.ok(Buffer.from(m.payload).equals(Buffer.from(f.payload)), `payload of frame ${i}`);
  }
}

describe('FrameParser', () => {
  it('yields identical messages for 1000 random frames at random chunk boundaries', () => {
    const rnd = random(20240611);
    const frames: Frame[] = [];
    for (let i = 0; i < 1000; i++) {
      const size = rnd(10) === 0 ? rnd(70_000) : rnd(40);
      const payload = Uint8Array.from({ length: size }, () => rnd(256));
      const channelId = rnd(4) === 0 ? 0x7fffffff - rnd(1000) : rnd(5000);
      frames.push({ code: rnd(8) as MessageCode, channelId, payload });
    }
    const stream = concat(frames.map((f) => encodeFrame(f.code, f.channelId, f.payload)));
    for (const maxChunk of [1, 7, 9, 10, 100, 4096, 65_536, stream.byteLength]) {
      const { parser, messages } = collect();
      for (let at = 0; at < stream.byteLength; ) {
        const size = maxChunk === 1 ? 1 : 1 + rnd(maxChunk);
        parser.push(stream.subarray(at, at + size));
        at += size;
      }
      assertSameFrames(messages, frames);
      assert.equal(parser.pendingBytes, 0, `max chunk ${maxChunk}`);
    }
  });

  it('assembles a 1 MiB frame from 18 chunks of 58 KiB, once complete', () => {
    const payload = Uint8Array.from({ length: 1024 * 1024 }, (_, i) => (i * 31) & 0xff);
    const stream = encodeFrame(4, 3, payload);
    const chunkSize = 58 * 1024;
    const { parser, messages } = collect();
    let chunks = 0;
    for (let at = 0; at < stream.byteLength; at += chunkSize) {
      assert.equal(messages.length, 0);
      assert.equal(parser.pendingBytes, at);
      parser.push(stream.subarray(at, at + chunkSize));
      chunks++;
    }
    assert.equal(chunks, 18);
    assertSameFrames(messages, [{ code: 4, channelId: 3, payload }]);
    assert.equal(parser.pendingBytes, 0);
  });

  it('stays linear for a large frame in many small chunks', { timeout: 20_000 }, () => {
    // 32 MiB in 1 KiB chunks: concatenating the pending buffer per chunk would copy ~512 GiB.
    const size = 32 * 1024 * 1024;
    const chunk = new Uint8Array(1024).fill(7);
    const { parser, messages } = collect();
    parser.push(header(4, 1, size));
    for (let sent = 0; sent < size; sent += chunk.byteLength) parser.push(chunk);
    assert.equal(messages.length, 1);
    assert.equal(messages[0]!.payload.byteLength, size);
    assert.equal(messages[0]!.payload[size - 1], 7);
  });

  it('delivers many tiny frames from one chunk without copying', () => {
    const frames: Frame[] = [];
    for (let i = 0; i < 10_000; i++) {
      frames.push({ code: (i % 8) as MessageCode, channelId: i, payload: Uint8Array.of(i & 0xff, 1) });
    }
    const stream = concat(frames.map((f) => encodeFrame(f.code, f.channelId, f.payload)));
    const { parser, messages } = collect();
    parser.push(stream);
    assertSameFrames(messages, frames);
    for (const m of messages) assert.equal(m.payload.buffer, stream.buffer);
  });

  it('copies a frame spread over chunks exactly once, into its own buffer', () => {
    const frame = encodeFrame(4, 5, Uint8Array.of(1, 2, 3, 4));
    const { parser, messages } = collect();
    parser.push(frame.slice(0, 11));
    parser.push(frame.slice(11));
    assert.equal(messages.length, 1);
    assert.equal(messages[0]!.payload.byteLength, 4);
    assert.equal(messages[0]!.payload.buffer.byteLength, 4);
  });

  it('handles empty payloads and empty chunks', () => {
    const { parser, messages } = collect();
    parser.push(new Uint8Array(0));
    parser.push(encodeFrame(2, 0, new Uint8Array(0)));
    assert.equal(messages.length, 1);
    assert.equal(messages[0]!.payload.byteLength, 0);
    assert.equal(parser.pendingBytes, 0);
  });

  it('reports the bytes of an incomplete frame, header included', () => {
    const { parser } = collect();
    parser.push(header(4, 1, 10).subarray(0, 5));
    assert.equal(parser.pendingBytes, 5);
    parser.push(header(4, 1, 10).subarray(5));
    assert.equal(parser.pendingBytes, 9);
    parser.push(new Uint8Array(4));
    assert.equal(parser.pendingBytes, 13);
  });

  it('continues with buffered frames after a throwing handler', () => {
    let calls = 0;
    const seen: number[] = [];
    const parser = new FrameParser((m) => {
      calls++;
      if (calls === 1) throw new Error('handler failed');
      seen.push(m.channelId);
    });
    const stream = concat([1, 3, 5].map((id) => encodeFrame(4, id, Uint8Array.of(id))));
    assert.throws(() => parser.push(stream), /handler failed/);
    parser.push(encodeFrame(4, 7, Uint8Array.of(7)));
    assert.deepEqual(seen, [3, 5, 7]);
  });
});

describe('FrameParser corrupt input', () => {
  function protocolError(bytes: Uint8Array): ProtocolError {
    const { parser } = collect();
    try {
      parser.push(bytes);
    } catch (error) {
      assert.ok(error instanceof ProtocolError);
      assert.equal(error.code, 'ERR_EXECNET_PROTOCOL');
      return error;
    }
    assert.fail('no ProtocolError');
  }

  it('rejects an unknown message code', () => {
    const error = protocolError(header(0x2a, 5, 0));
    assert.equal(error.messageCode, 0x2a);
    assert.equal(error.channelId, 5);
    assert.equal(protocolError(header(-1, 5, 0)).messageCode, -1);
    assert.equal(protocolError(header(8, 5, 0)).messageCode, 8);
  });

  it('rejects lengths that are negative or above the limit', () => {
    assert.equal(protocolError(header(4, 5, 0x7fffffff)).channelId, 5);
    protocolError(header(4, 5, MAX_PAYLOAD + 1));
    protocolError(header(4, 5, -1));
  });

  it('rejects a negative channel id', () => {
    assert.equal(protocolError(header(4, -3, 0)).channelId, -3);
  });

  it('rejects stray text read as a header', () => {
    protocolError(new TextEncoder().encode('hello from a print statement\n'));
  });

  it('accepts a length exactly at the limit without buffering it', () => {
    const { parser, messages } = collect();
    parser.push(header(4, 1, MAX_PAYLOAD));
    assert.equal(messages.length, 0);
    assert.equal(parser.pendingBytes, HEADER_SIZE);
  });

  it('delivers the frames before the corrupt one, then stays failed', () => {
    const { parser, messages } = collect();
    const stream = concat([encodeFrame(4, 1, Uint8Array.of(1)), header(0x2a, 5, 0)]);
    assert.throws(() => parser.push(stream), ProtocolError);
    assert.equal(messages.length, 1);
    assert.throws(() => parser.push(encodeFrame(4, 1, Uint8Array.of(1))), ProtocolError);
    assert.equal(messages.length, 1);
  });

  it('detects a corrupt header split over chunks', () => {
    const { parser } = collect();
    const bytes = header(0x2a, 5, 0);
    for (let i = 0; i < HEADER_SIZE - 1; i++) parser.push(bytes.subarray(i, i + 1));
    assert.throws(() => parser.push(bytes.subarray(HEADER_SIZE - 1)), ProtocolError);
  });
});
