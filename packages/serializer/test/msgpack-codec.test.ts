/** msgpackCodec specifics: its extension types, checked on hand-made (foreign or hostile) input. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Complex, LoadError, msgpackCodec, MsgpackExtension, tuple, type ChannelRefs } from '@execnet/serializer';

const decode = (hex: string, options?: Parameters<typeof msgpackCodec.decode>[1]): unknown =>
  msgpackCodec.decode(Buffer.from(hex.replace(/ /g, ''), 'hex'), options);
const ascii = (s: string): string => Buffer.from(s, 'latin1').toString('hex');
const byte = (n: number): string => n.toString(16).padStart(2, '0');

/** An extension whose payload is one msgpack value (msgpackr's `read` form: fixext1, filler, value). */
const readExt = (type: number, payloadHex: string): string => `d4 ${byte(type)} 00 ${payloadHex}`;
/** An extension with raw bytes (ext8: length, type, bytes). */
const rawExt = (type: number, dataHex: string): string => `c7 ${byte(dataHex.replace(/ /g, '').length / 2)} ${byte(type)} ${dataHex}`;

describe('msgpack extension payloads', () => {
  it('valid hand-made extensions load', () => {
    assert.deepStrictEqual(decode(readExt(MsgpackExtension.TUPLE, '92 01 a1 61')), tuple(1, 'a'));
    assert.deepStrictEqual(decode(readExt(MsgpackExtension.DICT, '92 01 02')), new Map([[1, 2]]));
    assert.deepStrictEqual(decode(readExt(MsgpackExtension.SET, '91 01')), new Set([1]));
    assert.deepStrictEqual(decode(rawExt(MsgpackExtension.INT, ascii('123'))), 123);
    assert.deepStrictEqual(decode(rawExt(MsgpackExtension.INT, ascii('-12345678901234567890'))), -12345678901234567890n);
    assert.deepStrictEqual(decode(rawExt(MsgpackExtension.COMPLEX, '3ff8000000000000 8000000000000000')), new Complex(1.5, -0));
    assert.ok(Object.is(decode(rawExt(MsgpackExtension.FLOAT, '8000000000000000')), -0));
  });

  const invalid: [string, string][] = [
    ['tuple of a non-array', readExt(MsgpackExtension.TUPLE, '05')],
    ['tuple of a string', readExt(MsgpackExtension.TUPLE, 'a3 616263')],
    ['frozenset of a string', readExt(MsgpackExtension.FROZENSET, 'a3 616263')],
    ['set of nil', readExt(MsgpackExtension.SET, 'c0')],
    ['dict of a non-array', readExt(MsgpackExtension.DICT, '01')],
    ['dict of an odd number of items', readExt(MsgpackExtension.DICT, '93 01 02 03')],
    ['complex of 8 bytes', rawExt(MsgpackExtension.COMPLEX, '3ff8000000000000')],
    ['float of 4 bytes', rawExt(MsgpackExtension.FLOAT, '3ff80000')],
    ['int of non-digits', rawExt(MsgpackExtension.INT, ascii('1x2'))],
    ['int of nothing', rawExt(MsgpackExtension.INT, '')],
    ['int of too many digits', `c8 1389 ${byte(MsgpackExtension.INT)} ${'31'.repeat(5001)}`],
  ];
  for (const [name, hex] of invalid) {
    it(`${name} is a LoadError`, () => {
      assert.throws(() => decode(hex), LoadError);
    });
  }

  it('a channel id that is not an int is a LoadError', () => {
    const refs: ChannelRefs = { idOf: () => undefined, fromId: (id) => ({ id }) };
    assert.deepStrictEqual(decode(readExt(MsgpackExtension.CHANNEL, '07'), { channels: refs }), { id: 7 });
    assert.throws(() => decode(readExt(MsgpackExtension.CHANNEL, 'a161'), { channels: refs }), LoadError);
    assert.throws(() => decode(readExt(MsgpackExtension.CHANNEL, '07')), LoadError);
  });
});

describe('msgpack maps written by other encoders', () => {
  it('a map with string keys is a plain object, with alwaysMap a Map', () => {
    assert.deepStrictEqual(decode(`82 a1 62 01 a1 61 02`), { b: 1, a: 2 });
    assert.deepStrictEqual(decode(`82 a1 62 01 a1 61 02`, { alwaysMap: true }), new Map([['b', 1], ['a', 2]]));
  });

  it(`"__proto__" keys in hand-made maps stay own keys, nested values converted too`, () => {
    const value = decode(`82 a9 ${ascii('__proto__')} 91 81 a1 6b c3 a1 78 81 a1 79 02`) as Record<string, unknown>;
    assert.deepStrictEqual(Object.keys(value), ['__proto__', 'x']);
    assert.deepStrictEqual(Object.getOwnPropertyDescriptor(value, '__proto__')?.value, [{ k: true }]);
    assert.deepStrictEqual(value.x, { y: 2 });
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
  });
});
