/** What the execnet encoder hands out: arrays of their own, whatever the encoder does next. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DumpError, dumps, execnetCodec, loads, msgpackCodec } from '@execnet/serializer';

const sizes = [0, 10, 4095, 4096, 5000, 64 * 1024, 1024 * 1024 + 3];

describe('execnet encode results', () => {
  it('are exactly sized arrays over an ArrayBuffer of their own', () => {
    for (const size of sizes) {
      for (const value of [Buffer.alloc(size, 7), ['data', 1, Buffer.alloc(size, 7)], 'x'.repeat(size)]) {
        const out = execnetCodec.encode(value);
        assert.equal(Object.getPrototypeOf(out), Uint8Array.prototype);
        assert.equal(out.byteOffset, 0, `size ${size}`);
        assert.equal(out.buffer.byteLength, out.byteLength, `size ${size}`);
      }
    }
  });

  it('stay intact while later values are encoded, and do not change with the input', () => {
    const kept: Array<[Uint8Array, number]> = [];
    for (let round = 0; round < 3; round++) {
      for (const size of sizes) {
        const data = Buffer.alloc(size, (size + round) & 0xff);
        const out = execnetCodec.encode(['data', size, data, 'end']);
        data.fill(0xee); // the caller reuses its buffer at once
        kept.push([out, round]);
      }
    }
    let i = 0;
    for (const [out, round] of kept) {
      const size = sizes[i++ % sizes.length] as number;
      const [tag, n, data, end] = execnetCodec.decode(out) as [string, number, Uint8Array, string];
      assert.deepEqual([tag, n, end], ['data', size, 'end']);
      assert.equal(data.length, size);
      assert.ok(data.every((b) => b === ((size + round) & 0xff)), `size ${size}, round ${round}`);
    }
  });

  it('write big bytes values in place, between the other values', () => {
    const big = new Uint8Array(300_000).map((_, i) => i * 7);
    const value = ['files', [[1, big.subarray(5, 70_005)], [2, big.subarray(0, 3)], [3, big.subarray(100_000)]], { k: big.subarray(9, 4105) }];
    assert.deepEqual(loads(dumps(value)), [
      'files',
      [[1, Buffer.from(big.subarray(5, 70_005))], [2, Buffer.from(big.subarray(0, 3))], [3, Buffer.from(big.subarray(100_000))]],
      { k: Buffer.from(big.subarray(9, 4105)) },
    ]);
  });

  it('refuse big bytes that a getter detached while the value was encoded', () => {
    const big = new Uint8Array(new ArrayBuffer(10_000));
    const value = {
      data: big,
      get later() {
        structuredClone(big.buffer, { transfer: [big.buffer] }); // detaches big
        return 1;
      },
    };
    assert.throws(() => execnetCodec.encode(value), (error: unknown) => error instanceof DumpError && /length changed/.test(error.message));
    assert.deepEqual(execnetCodec.decode(execnetCodec.encode(['after', Buffer.alloc(5000, 1)])), ['after', Buffer.alloc(5000, 1)]);
  });
});

describe('encode with room for a frame header (reserve)', () => {
  for (const codec of [execnetCodec, msgpackCodec]) {
    it(`${codec.name}: reserve zero bytes, then the same encoding, kept intact by later encodes`, () => {
      const kept: Array<[Uint8Array, Uint8Array]> = [];
      for (const size of sizes) {
        for (const value of [7, Buffer.alloc(size, 7), ['data', size, Buffer.alloc(size, 9)], 'x'.repeat(size)]) {
          const plain = codec.encode(value);
          // Dirty the encoder's buffer first: the reserved bytes must still come out as zeros.
          codec.encode(Buffer.alloc(64, 0xff));
          kept.push([codec.encode(value, { reserve: 9 }), plain]);
        }
      }
      for (const [framed, plain] of kept) {
        assert.equal(framed.byteLength, 9 + plain.byteLength);
        assert.deepEqual([...framed.subarray(0, 9)], new Array(9).fill(0));
        assert.ok(Buffer.from(framed.subarray(9)).equals(Buffer.from(plain)));
      }
    });
  }
});
