/** JavaScript values and the Python expressions they stand for, across the whole value model. */
import { Complex, Float, FrozenSet, tuple } from '@execnet/serializer';

export interface InteropCase {
  /** Test name; defaults to the Python expression. */
  name?: string;
  js: unknown;
  py: string;
  /**
   * Python's dumps cannot write this value (ints below -2**31 crash with struct.error in execnet
   * 1.9), so our bytes are checked against this hand-made encoding instead, then loaded by Python.
   */
  pyDumpsFails?: true;
}

/** `[[...[]...]]` nested `depth` times, and its Python spelling. */
function nestedLists(depth: number): InteropCase {
  let js: unknown[] = [];
  for (let i = 1; i < depth; i++) js = [js];
  return { name: `list nested ${depth} deep`, js, py: `${'['.repeat(depth)}${']'.repeat(depth)}` };
}

/** `{'k': (…,)}` alternating dicts and tuples, `depth` containers deep. */
function nestedDictsAndTuples(depth: number): InteropCase {
  let js: unknown = 1;
  let py = '1';
  for (let i = 0; i < depth; i++) {
    js = i % 2 === 0 ? tuple(js) : { k: js };
    py = i % 2 === 0 ? `(${py},)` : `{'k': ${py}}`;
  }
  return { name: `dict/tuple nested ${depth} deep`, js, py };
}

const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

export const interopCases: InteropCase[] = [
  // None, bool
  { js: null, py: 'None' },
  { name: 'undefined', js: undefined, py: 'None' },
  { js: true, py: 'True' },
  { js: false, py: 'False' },
  // int: INT up to int32, LONGINT beyond
  { js: 0, py: '0' },
  { js: 1, py: '1' },
  { js: -1, py: '-1' },
  { js: 42, py: '42' },
  { js: 255, py: '255' },
  { js: 65536, py: '65536' },
  { js: 2147483647, py: '2147483647' },
  { js: 2147483648, py: '2147483648' },
  { js: -2147483648, py: '-2147483648' },
  { js: -2147483649, py: '-2147483649', pyDumpsFails: true },
  { js: 2 ** 32, py: '2**32' },
  { js: Number.MAX_SAFE_INTEGER, py: '2**53 - 1' },
  { js: 2 ** 53, py: '2**53' },
  { js: -Number.MAX_SAFE_INTEGER, py: '-(2**53 - 1)', pyDumpsFails: true },
  { js: -(2 ** 53), py: '-2**53', pyDumpsFails: true },
  { js: 2n ** 63n - 1n, py: '2**63 - 1' },
  { js: 2n ** 63n, py: '2**63' },
  { js: -(2n ** 63n), py: '-2**63', pyDumpsFails: true },
  { js: 2n ** 64n, py: '2**64' },
  { js: 2n ** 100n, py: '2**100' },
  { js: -(2n ** 100n), py: '-(2**100)', pyDumpsFails: true },
  { js: 10n ** 400n, py: '10**400' },
  { name: 'bigint 0n', js: 0n, py: '0' },
  { name: 'bigint -5n', js: -5n, py: '-5' },
  { name: 'bigint 2147483647n', js: 2147483647n, py: '2147483647' },
  { name: 'bigint 2147483648n', js: 2147483648n, py: '2147483648' },
  { name: 'integral number 1e20', js: 1e20, py: '10**20' },
  { name: 'integral number 1e300 is an int', js: 1e300, py: 'int(1e300)' },
  // float: non-integral numbers, -0, NaN, ±inf, Float
  { js: -0, py: '-0.0' },
  { js: new Float(0), py: '0.0' },
  { js: new Float(-0), py: '-0.0' },
  { js: NaN, py: "float('nan')" },
  { js: Infinity, py: "float('inf')" },
  { js: -Infinity, py: "float('-inf')" },
  { js: 5e-324, py: '5e-324' },
  { js: 1.5, py: '1.5' },
  { js: -2.25, py: '-2.25' },
  { js: 0.1, py: '0.1' },
  { js: 3.25, py: '3.25' },
  { js: new Float(1e300), py: '1e300' },
  { js: new Float(3), py: '3.0' },
  { js: new Float(2 ** 53), py: '9007199254740992.0' },
  { name: 'Number.MAX_VALUE is integral, so an int', js: Number.MAX_VALUE, py: 'int(1.7976931348623157e308)' },
  { js: new Float(Number.MAX_VALUE), py: '1.7976931348623157e308' },
  { js: Number.EPSILON, py: '2.220446049250313e-16' },
  // complex
  { js: new Complex(1.5, 2), py: 'complex(1.5, 2)' },
  { js: new Complex(0, 0), py: '0j' },
  { js: new Complex(-0, -0), py: 'complex(-0.0, -0.0)' },
  { js: new Complex(NaN, Infinity), py: "complex(float('nan'), float('inf'))" },
  { js: new Complex(1e300, -5e-324), py: 'complex(1e300, -5e-324)' },
  // str
  { js: '', py: "''" },
  { js: 'abc', py: "'abc'" },
  { js: 'é', py: "'\\u00e9'" },
  { js: 'héllo wörld', py: "'h\\u00e9llo w\\u00f6rld'" },
  { js: '日本語', py: "'\\u65e5\\u672c\\u8a9e'" },
  { name: 'emoji', js: '😀', py: "'\\U0001F600'" },
  { name: 'G clef', js: '𝄞', py: "'\\U0001D11E'" },
  { name: 'NUL inside', js: 'a\0b', py: "'a\\x00b'" },
  { name: 'NUL alone', js: '\0', py: "'\\x00'" },
  { js: '\uffff', py: "'\\uffff'" },
  { name: 'control characters', js: 'line\nbreak\ttab\r', py: "'line\\nbreak\\ttab\\r'" },
  { name: '47 ascii + é (short-string path)', js: `${'a'.repeat(47)}é`, py: "'a' * 47 + '\\u00e9'" },
  { name: '48 ascii', js: 'b'.repeat(48), py: "'b' * 48" },
  { name: '100k ascii', js: 'x'.repeat(100_000), py: "'x' * 100000" },
  { name: '40k mixed BMP and astral', js: 'é😀'.repeat(20_000), py: "'\\u00e9\\U0001F600' * 20000" },
  // bytes
  { name: 'bytes 0..255', js: allBytes, py: 'bytes(range(256))' },
  { name: 'empty Uint8Array', js: new Uint8Array(0), py: "b''" },
  { name: 'Buffer', js: Buffer.from('hi'), py: "b'hi'" },
  { name: 'NUL byte', js: new Uint8Array([0]), py: "b'\\x00'" },
  { name: 'Uint8Array view with offset', js: new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4), py: "b'\\x01\\x02\\x03'" },
  { name: '70000 bytes (beyond the initial buffer)', js: Buffer.alloc(70_000, 0xab), py: "b'\\xab' * 70000" },
  // Bytes of 4096 and more go straight into the result, smaller ones through the encoder's buffer.
  { name: '4095 and 4096 bytes', js: [Buffer.alloc(4095, 1), Buffer.alloc(4096, 2)], py: "[b'\\x01' * 4095, b'\\x02' * 4096]" },
  {
    name: 'big bytes between small values, as rsync messages',
    js: ['files', [[1, Buffer.alloc(5000, 3)], [2, Buffer.from('ab')], [3, new Uint8Array(200_000).fill(4).subarray(100, 150_100)]], 'end'],
    py: "['files', [[1, b'\\x03' * 5000], [2, b'ab'], [3, b'\\x04' * 150000]], 'end']",
  },
  { name: 'big bytes first and last', js: tuple(Buffer.alloc(8192, 5), 'x', Buffer.alloc(70_000, 6)), py: "(b'\\x05' * 8192, 'x', b'\\x06' * 70000)" },
  // list
  { js: [], py: '[]' },
  { js: [1, 2], py: '[1, 2]' },
  { js: [null, true, false, 'a', 1.5], py: "[None, True, False, 'a', 1.5]" },
  { js: [[]], py: '[[]]' },
  { js: [[1], [2, [3]]], py: '[[1], [2, [3]]]' },
  { name: '[undefined]', js: [undefined], py: '[None]' },
  { name: 'sparse array', js: new Array(3), py: '[None, None, None]' },
  { name: 'list of 1000 ints', js: Array.from({ length: 1000 }, (_, i) => i), py: 'list(range(1000))' },
  // tuple
  { js: tuple(), py: '()' },
  { js: tuple(1), py: '(1,)' },
  { js: tuple(1, 2), py: '(1, 2)' },
  { js: tuple(1, tuple(), 3), py: '(1, (), 3)' },
  { js: [tuple(1, 2), [3, 4]], py: '[(1, 2), [3, 4]]' },
  { js: tuple([], {}, tuple()), py: '([], {}, ())' },
  // set, frozenset (small non-negative ints iterate in ascending order in Python)
  { js: new Set(), py: 'set()' },
  { js: new Set([1]), py: '{1}' },
  { js: new Set([1, 2, 3]), py: '{1, 2, 3}' },
  { js: new FrozenSet(), py: 'frozenset()' },
  { js: new FrozenSet([5]), py: 'frozenset({5})' },
  { js: new FrozenSet([0, 1, 2, 3, 4]), py: 'frozenset({0, 1, 2, 3, 4})' },
  { js: new Set(['a']), py: "{'a'}" },
  { js: new Set([tuple(1, 2)]), py: '{(1, 2)}' },
  { js: new Set([new FrozenSet([1])]), py: '{frozenset({1})}' },
  { js: [new Set([1]), new FrozenSet([2])], py: '[{1}, frozenset({2})]' },
  // dict with string keys: plain objects, in insertion order
  { js: {}, py: '{}' },
  { js: { a: 1 }, py: "{'a': 1}" },
  { js: { b: 1, a: 2 }, py: "{'b': 1, 'a': 2}" },
  { js: { '': null }, py: "{'': None}" },
  { js: { é: '😀' }, py: "{'\\u00e9': '\\U0001F600'}" },
  { name: 'integer-like keys come first in objects', js: { '2': 'a', '1': 'b' }, py: "{'1': 'b', '2': 'a'}" },
  { name: '__proto__ key', js: JSON.parse('{"__proto__": 1, "x": 2}'), py: "{'__proto__': 1, 'x': 2}" },
  { js: { nested: { deeper: [1, { x: tuple() }] } }, py: "{'nested': {'deeper': [1, {'x': ()}]}}" },
  { name: 'undefined value', js: { a: undefined }, py: "{'a': None}" },
  { name: '500 keys', js: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i])), py: "{'k%d' % i: i for i in range(500)}" },
  // dict with any keys: Map
  { name: 'empty Map', js: new Map(), py: '{}' },
  { name: 'Map with a string key', js: new Map([['a', 1]]), py: "{'a': 1}" },
  { js: new Map([[1, 'a'], [2, 'b']]), py: "{1: 'a', 2: 'b'}" },
  { js: new Map([[2, 'b'], [1, 'a']]), py: "{2: 'b', 1: 'a'}" },
  { js: new Map([[tuple(1, 2), 'x']]), py: "{(1, 2): 'x'}" },
  { js: new Map<unknown, unknown>([['a', 1], [2, 'b']]), py: "{'a': 1, 2: 'b'}" },
  { name: 'mixed keys keep order', js: new Map<unknown, unknown>([['2', 'a'], ['1', 'b'], [3, 'c']]), py: "{'2': 'a', '1': 'b', 3: 'c'}" },
  { js: new Map<unknown, number>([[null, 1], [true, 2], [new Float(1.5), 3]]), py: '{None: 1, True: 2, 1.5: 3}' },
  { js: new Map<unknown, string>([[new FrozenSet([1]), 'f'], [Buffer.from('k'), 'b']]), py: "{frozenset({1}): 'f', b'k': 'b'}" },
  { js: new Map([[2n ** 100n, 'big']]), py: "{2**100: 'big'}" },
  { js: new Map([[-1, new Map([[0, 'z']])]]), py: "{-1: {0: 'z'}}" },
  { js: new Map([[new Complex(1, 2), 'c']]), py: "{(1+2j): 'c'}" },
  // deep and mixed
  nestedLists(100),
  nestedDictsAndTuples(100),
  {
    name: 'mixed record',
    js: { ints: [0, -1, 2 ** 31], floats: [1.5, -0], strs: ['', 'é'], raw: Buffer.from([0, 255]), t: tuple(null, new Set([7])) },
    py: "{'ints': [0, -1, 2**31], 'floats': [1.5, -0.0], 'strs': ['', '\\u00e9'], 'raw': b'\\x00\\xff', 't': (None, {7})}",
  },
];
