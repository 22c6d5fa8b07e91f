import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { ProtocolError } from '../src/errors.js';
import { FrameParser } from '../src/frame-parser.js';
import { Message, encodeFrame, encodeHeader, fillHeader } from '../src/message.js';
import { MAX_PAYLOAD, MessageCode } from '../src/protocol.js';
import type { MessageCode as Code } from '../src/protocol.js';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function parseAll(bytes: Uint8Array): Message[] {
  const messages: Message[] = [];
  new FrameParser((m) => messages.push(m)).push(bytes);
  return messages;
}

describe('Message', () => {
  // execnet testing/test_basics.py TestMessage::test_wire_protocol
  it('test_wire_protocol: header roundtrip for every code', () => {
    const data = new TextEncoder().encode('23');
    for (const code of Object.values(MessageCode)) {
      const frame = new Message(code, 42, data).encode();
      const [msg, ...rest] = parseAll(frame);
      assert.equal(rest.length, 0);
      assert.ok(msg instanceof Message);
      assert.equal(msg.code, code);
      assert.equal(msg.channelId, 42);
      assert.deepEqual([...msg.payload], [...data]);
      assert.equal(typeof String(msg), 'string');
    }
  });

  it('writes the header as struct "!bii" (int8 code, int32 channel, int32 length, big-endian)', () => {
    // From a real Python execnet session: CHANNEL_DATA on channel 1 carrying INT 1.
    const payload = Uint8Array.from([0x46, 0, 0, 0, 1, 0x51]);
    assert.equal(hex(encodeFrame(MessageCode.CHANNEL_DATA, 1, payload)), '0400000001000000064600000001' + '51');
    assert.equal(hex(encodeFrame(MessageCode.GATEWAY_TERMINATE, 0, new Uint8Array(0))), '020000000000000000');
    assert.equal(hex(encodeHeader(MessageCode.STATUS, 3, 0)), '000000000300000000');
    const header = encodeHeader(MessageCode.CHANNEL_CLOSE_ERROR, 0x7fffffff, MAX_PAYLOAD);
    const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
    assert.equal(header.byteLength, 9);
    assert.equal(view.getInt8(0), 6);
    assert.equal(view.getInt32(1, false), 0x7fffffff);
    assert.equal(view.getInt32(5, false), MAX_PAYLOAD);
    assert.equal(hex(encodeHeader(MessageCode.CHANNEL_DATA, 0x01020304, 0x0a0b0c0d)), '04010203040a0b0c0d');
  });

  it('encodeFrame equals encodeHeader followed by the payload', () => {
    const payload = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const frame = encodeFrame(MessageCode.CHANNEL_EXEC, 77, payload);
    assert.equal(hex(frame), hex(encodeHeader(MessageCode.CHANNEL_EXEC, 77, 300)) + hex(payload));
  });

  it('has the execnet repr', () => {
    const msg = new Message(MessageCode.CHANNEL_DATA, 1, new Uint8Array(6));
    assert.equal(msg.toString(), '<Message CHANNEL_DATA channel=1 lendata=6>');
    assert.equal(inspect(msg), '<Message CHANNEL_DATA channel=1 lendata=6>');
    assert.equal(msg.codeName, 'CHANNEL_DATA');
  });

  it('refuses to encode what the wire cannot carry', () => {
    const bad: Array<[number, number, number]> = [
      [8, 1, 0],
      [-1, 1, 0],
      [4, -1, 0],
      [4, 2 ** 31, 0],
      [4, 1.5, 0],
      [4, 1, -1],
      [4, 1, MAX_PAYLOAD + 1],
      [4, 1, 0.5],
    ];
    for (const [code, channelId, length] of bad) {
      assert.throws(() => encodeHeader(code as Code, channelId, length), ProtocolError, `${code} ${channelId} ${length}`);
    }
    assert.throws(() => encodeFrame(42 as Code, 1, new Uint8Array(1)), ProtocolError);
  });
});

describe('fillHeader', () => {
  it('writes the header into the room left before a payload: the same bytes as encodeFrame', () => {
    for (const payload of [new Uint8Array(0), Uint8Array.of(1, 2, 3), new Uint8Array(70_000).fill(7)]) {
      const frame = new Uint8Array(9 + payload.byteLength).fill(0xee, 0, 9);
      frame.set(payload, 9);
      fillHeader(frame, MessageCode.CHANNEL_DATA, 0x01020304);
      assert.deepEqual(Buffer.from(frame), Buffer.from(encodeFrame(MessageCode.CHANNEL_DATA, 0x01020304, payload)));
    }
  });

  it('checks the header like encodeHeader', () => {
    assert.throws(() => fillHeader(new Uint8Array(9), 99 as Code, 1), ProtocolError);
    assert.throws(() => fillHeader(new Uint8Array(9), MessageCode.CHANNEL_DATA, -1), ProtocolError);
    assert.throws(() => fillHeader(new Uint8Array(8), MessageCode.CHANNEL_DATA, 1), ProtocolError);
  });
});
