import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ExecnetErrorCode, type ExitStatus } from '@execnet/core';
import { RecordDecoder } from '../src/record-decoder.js';
import { MAX_RECORD, RecordKind } from '../src/protocol.js';

function record(kind: number, payload: Buffer | string): Buffer {
  const body = Buffer.from(payload);
  const header = Buffer.alloc(5);
  header.writeUInt8(kind, 0);
  header.writeUInt32BE(body.length, 1);
  return Buffer.concat([header, body]);
}

function collect() {
  const got = { frames: [] as Buffer[], stdout: '', stderr: '', exit: undefined as ExitStatus | undefined };
  const decoder = new RecordDecoder({
    frames: (bytes) => (got.frames.push(Buffer.from(bytes)), true),
    output: (bytes, stream) => (got[stream] += bytes.toString()),
    exit: (status) => (got.exit = status),
  });
  return { got, decoder };
}

describe('RecordDecoder', () => {
  const stream = Buffer.concat([
    record(RecordKind.FRAMES, '1abc'),
    record(RecordKind.STDOUT, 'out\n'),
    record(RecordKind.FRAMES, Buffer.alloc(0)),
    record(RecordKind.STDERR, 'err'),
    record(RecordKind.FRAMES, 'def'),
    record(RecordKind.EXIT, '{"code":7,"signal":null}'),
    record(RecordKind.STDOUT, 'after the end is ignored'),
  ]);

  it('splits records, however the bytes are chunked', () => {
    for (const size of [1, 2, 3, 5, 7, 64, stream.length]) {
      const { got, decoder } = collect();
      for (let i = 0; i < stream.length; i += size) decoder.push(stream.subarray(i, i + size));
      assert.equal(Buffer.concat(got.frames).toString(), '1abcdef', `chunks of ${size}`);
      assert.equal(got.stdout, 'out\n');
      assert.equal(got.stderr, 'err');
      assert.deepEqual(got.exit, { code: 7, signal: null });
    }
  });

  it('an unknown kind, an oversized record or a malformed exit record is a ProtocolError', () => {
    const oversized = Buffer.alloc(5);
    oversized.writeUInt32BE(MAX_RECORD + 1, 1);
    for (const bad of [record(9, 'x'), oversized, record(RecordKind.EXIT, 'not json')]) {
      const { decoder } = collect();
      assert.throws(() => decoder.push(bad), (e: { code?: string }) => e.code === ExecnetErrorCode.PROTOCOL);
    }
  });

  it('reports backpressure of the frames consumer', () => {
    const decoder = new RecordDecoder({ frames: () => false, output: () => undefined, exit: () => undefined });
    assert.equal(decoder.push(record(RecordKind.FRAMES, 'x')), false);
    assert.equal(decoder.push(record(RecordKind.STDOUT, 'x')), true);
  });
});
