/** execnetCodec and msgpackCodec carry the same value model: identical round trips, channels included. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Complex,
  DumpError,
  execnetCodec,
  Float,
  FrozenSet,
  LoadError,
  msgpackCodec,
  MsgpackExtension,
  tuple,
  type ChannelRefs,
  type Codec,
} from '@execnet/serializer';
import { interopCases } from './helpers/interop-cases.js';
import { valuePool } from './helpers/fuzz.js';
import { assertSameValue, expectedDecode } from './helpers/values.js';

const codecs: Codec[] = [execnetCodec, msgpackCodec];

/** Values beyond what Python can take (and so beyond the interop table). */
const extraValues: [string, unknown][] = [
  ['Map with non-string keys of every kind', new Map<unknown, unknown>([[1, 'i'], [-0, 'z'], [2n ** 80n, 'b'], [tuple(1, 'a'), 't'], [new FrozenSet([1]), 'f'], [null, 'n'], [false, 'f']])],
  ['nested Maps inside objects, lists, tuples and sets', { a: [new Map([[1, { b: new Map([[tuple(), 2]]) }]])], t: tuple(new Map([[3, 4]])) }],
  ['-0 in every position', [-0, tuple(-0), new Set([-0]), new Map([[-0, -0]]), { z: -0 }, new Complex(-0, -0), new Float(-0)]],
  ['integers around 2**53', [2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 2n ** 53n, -(2n ** 53n), 2n ** 53n - 1n, 2 ** 63, 2n ** 64n - 1n]],
  ['bigint beyond 64 bits', [2n ** 64n, -(2n ** 64n), 2n ** 200n, -(3n ** 300n)]],
  ['small bigints', [0n, 1n, -1n, 2n ** 31n, -(2n ** 31n) - 1n]],
  ['Float of integers', [new Float(3), new Float(2 ** 60), new Float(-1)]],
  ['Complex of odd parts', [new Complex(NaN, -Infinity), new Complex(5e-324, 1e308)]],
  ['undefined everywhere', [undefined, { u: undefined }, tuple(undefined)]],
  ['Set and FrozenSet of everything', [new Set([1, 'a', tuple(1), null, 1.5]), new FrozenSet(['x', new FrozenSet([2])])]],
  ['Set of integer-like strings', new Set(['2', '1', '10'])],
  ['empty containers', [[], tuple(), {}, new Map(), new Set(), new FrozenSet(), new Uint8Array(0), '']],
  ['object with a Map-unfriendly __proto__ key', JSON.parse('{"__proto__": [1], "x": {"__proto__": null}}')],
  ['null-prototype object', Object.assign(Object.create(null) as object, { a: 1, b: [2] })],
  ['null-prototype object holding a Map', Object.assign(Object.create(null) as object, { m: new Map([[1, 2]]) })],
  ['large list', Array.from({ length: 5000 }, (_, i) => (i % 2 ? `s${i}` : i * 1.5))],
];

const allValues: [string, unknown][] = [
  ...interopCases.map((c): [string, unknown] => [c.name ?? c.py, c.js]),
  ...valuePool.map((v, i): [string, unknown] => [`pool value ${i}`, v]),
  ...extraValues,
];

describe('execnet and msgpack codecs give identical results', () => {
  it('have their names', () => {
    assert.equal(execnetCodec.name, 'execnet');
    assert.equal(msgpackCodec.name, 'msgpack');
  });

  for (const [name, value] of allValues) {
    it(name, () => {
      const viaExecnet = execnetCodec.decode(execnetCodec.encode(value));
      const viaMsgpack = msgpackCodec.decode(msgpackCodec.encode(value));
      assert.deepStrictEqual(viaMsgpack, viaExecnet);
      assertSameValue(viaMsgpack, viaExecnet);
      assertSameValue(viaExecnet, expectedDecode(value));

      const mapsExecnet = execnetCodec.decode(execnetCodec.encode(value), { alwaysMap: true });
      const mapsMsgpack = msgpackCodec.decode(msgpackCodec.encode(value), { alwaysMap: true });
      assertSameValue(mapsMsgpack, mapsExecnet);
      assertSameValue(mapsExecnet, expectedDecode(value, { alwaysMap: true }));
    });
  }

  it('alwaysMap gives Maps for every dict, however deep', () => {
    const value = [{ a: { b: 1 } }, tuple({ c: 2 }), new Set([tuple({ d: 3 })]), new Map([[1, { e: 4 }]])];
    const expected = [
      new Map([['a', new Map([['b', 1]])]]),
      tuple(new Map([['c', 2]])),
      new Set([tuple(new Map([['d', 3]]))]),
      new Map([[1, new Map([['e', 4]])]]),
    ];
    for (const codec of codecs) assertSameValue(codec.decode(codec.encode(value), { alwaysMap: true }), expected);
  });

  it('bytes load as Buffers copied out of the input (copyBytes: false shares it)', () => {
    for (const codec of codecs) {
      for (const input of [Buffer.from(codec.encode([Buffer.alloc(64, 1)])), new Uint8Array(codec.encode([Buffer.alloc(64, 1)]))]) {
        const copied = (codec.decode(input) as Buffer[])[0] as Buffer;
        const shared = (codec.decode(input, { copyBytes: false }) as Buffer[])[0] as Buffer;
        assert.ok(Buffer.isBuffer(copied) && Buffer.isBuffer(shared), codec.name);
        input.fill(9, input.indexOf(1), input.lastIndexOf(1) + 1);
        assert.equal(copied[0], 1, codec.name);
        assert.equal(shared[0], 9, codec.name);
      }
    }
  });

  it('msgpack extension numbers are 1 to 8', () => {
    assert.deepEqual(MsgpackExtension, { TUPLE: 1, FROZENSET: 2, DICT: 3, COMPLEX: 4, CHANNEL: 5, FLOAT: 6, SET: 7, INT: 8 });
  });
});

class FakeChannel {
  constructor(public id: number) {}
}

/** Channels of one gateway: ids >= 0 are ours, negative ids belong to "another gateway". */
const refs: ChannelRefs = {
  idOf: (value) => (value instanceof FakeChannel && value.id >= 0 ? value.id : undefined),
  fromId: (id) => new FakeChannel(id),
  channelClass: FakeChannel,
};

describe('channel references', () => {
  const value = [new FakeChannel(1), { c: new FakeChannel(2) }, tuple(new FakeChannel(3)), new Map([[new FakeChannel(4), 'key']])];
  const expected = [new FakeChannel(1), { c: new FakeChannel(2) }, tuple(new FakeChannel(3)), new Map([[new FakeChannel(4), 'key']])];

  for (const codec of codecs) {
    it(`${codec.name}: channels travel as references and load through fromId`, () => {
      const back = codec.decode(codec.encode(value, { channels: refs }), { channels: refs });
      assert.deepStrictEqual(back, expected);
      assert.ok((back as unknown[])[0] instanceof FakeChannel);
    });

    it(`${codec.name}: encoding a channel without refs, or of another gateway, is a DumpError`, () => {
      assert.throws(() => codec.encode([new FakeChannel(1)]), DumpError);
      assert.throws(() => codec.encode({ c: new FakeChannel(-1) }, { channels: refs }), DumpError);
    });

    it(`${codec.name}: loading a channel reference without refs is a LoadError`, () => {
      const bytes = codec.encode([new FakeChannel(7)], { channels: refs });
      assert.throws(() => codec.decode(bytes), LoadError);
    });
  }

  it('execnet writes a channel as B + int4 id', () => {
    assert.equal(Buffer.from(execnetCodec.encode(new FakeChannel(258), { channels: refs })).toString('hex'), '420000010251');
  });

  it('msgpack: channel classes of two gateways (two classes) both work', () => {
    class OtherChannel {
      constructor(public n: number) {}
    }
    const otherRefs: ChannelRefs = {
      idOf: (v) => (v instanceof OtherChannel ? v.n : undefined),
      fromId: (id) => new OtherChannel(id),
      channelClass: OtherChannel,
    };
    const other = msgpackCodec.decode(msgpackCodec.encode([new OtherChannel(5)], { channels: otherRefs }), { channels: otherRefs });
    assert.deepStrictEqual(other, [new OtherChannel(5)]);
    const ours = msgpackCodec.decode(msgpackCodec.encode([new FakeChannel(6)], { channels: refs }), { channels: refs });
    assert.deepStrictEqual(ours, [new FakeChannel(6)]);
  });
});
