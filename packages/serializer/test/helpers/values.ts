/** Expected decodings and a type-exact, order-exact comparison for serializer tests. */
import assert from 'node:assert/strict';
import { Complex, Float, FrozenSet, isFrozenSet, isTuple, Tuple } from '@execnet/serializer';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

const isPlainObject = (v: object): boolean => {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/** Defines an own enumerable data property, so `__proto__` keys stay ordinary keys. */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * What decoding the encoding of `value` gives (DESIGN §5): integral numbers as number when safe
 * else bigint, Float as number, bytes as Buffer, dict as plain object when every key is a string
 * (else, or with `alwaysMap`, a Map), undefined as null.
 */
export function expectedDecode(value: unknown, options: { alwaysMap?: boolean } = {}): unknown {
  const again = (v: unknown): unknown => expectedDecode(v, options);
  switch (typeof value) {
    case 'undefined':
      return null;
    case 'number':
      return Number.isInteger(value) && !Number.isSafeInteger(value) ? BigInt(value) : value;
    case 'bigint':
      return value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value;
    case 'object':
      break;
    default:
      return value;
  }
  if (value === null || value instanceof Complex) return value;
  if (value instanceof Float) return value.value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (isTuple(value)) return Tuple.from(value.map(again));
  if (Array.isArray(value)) return Array.from(value, again);
  if (isFrozenSet(value)) return new FrozenSet(Array.from(value, again));
  if (value instanceof Set) return new Set(Array.from(value, again));
  let entries: [unknown, unknown][];
  if (value instanceof Map) entries = Array.from(value, ([k, v]) => [again(k), again(v)]);
  else if (isPlainObject(value)) entries = Object.keys(value).map((k) => [k, again((value as Record<string, unknown>)[k])]);
  else return value; // a channel: the test compares it itself
  if (options.alwaysMap || entries.some(([k]) => typeof k !== 'string')) return new Map(entries);
  const obj: Record<string, unknown> = {};
  for (const [k, v] of entries) setOwn(obj, k as string, v);
  return obj;
}

/**
 * Asserts `actual` and `expected` are the same value with the same classes, -0 and NaN exact,
 * and the same order of object keys, Map entries and Set items (deepStrictEqual ignores order).
 */
export function assertSameValue(actual: unknown, expected: unknown, path = '$'): void {
  const fail = (what: string): never => assert.fail(`${what} at ${path}`);
  if (typeof actual !== typeof expected) fail(`type ${typeof actual} !== ${typeof expected}`);
  if (typeof expected !== 'object' || expected === null || actual === null) {
    if (!Object.is(actual, expected)) fail(`${String(actual)} !== ${String(expected)}`);
    return;
  }
  const a = actual as object;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(expected)) {
    fail(`class ${a.constructor?.name} !== ${(expected as object).constructor?.name}`);
  }
  if (expected instanceof Uint8Array) {
    if (!Buffer.from(a as Uint8Array).equals(Buffer.from(expected))) fail('bytes differ');
  } else if (expected instanceof Complex) {
    assertSameValue((a as Complex).re, expected.re, `${path}.re`);
    assertSameValue((a as Complex).im, expected.im, `${path}.im`);
  } else if (Array.isArray(expected)) {
    const arr = a as unknown[];
    if (arr.length !== expected.length) fail(`length ${arr.length} !== ${expected.length}`);
    for (let i = 0; i < expected.length; i++) assertSameValue(arr[i], expected[i], `${path}[${i}]`);
  } else if (expected instanceof Map || expected instanceof Set) {
    const got = Array.from(a as Iterable<unknown>);
    const want = Array.from(expected as Iterable<unknown>);
    if (got.length !== want.length) fail(`size ${got.length} !== ${want.length}`);
    for (let i = 0; i < want.length; i++) assertSameValue(got[i], want[i], `${path}{#${i}}`);
  } else if (isPlainObject(expected)) {
    const keys = Object.keys(expected);
    assert.deepEqual(Object.keys(a), keys, `keys (in order) at ${path}`);
    for (const k of keys) {
      assertSameValue((a as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], `${path}[${JSON.stringify(k)}]`);
    }
  } else {
    assert.deepStrictEqual(a, expected, `at ${path}`);
  }
}

/** Asserts a decoded value is inside the value model (DESIGN §5), as loading untrusted bytes must give. */
export function assertInValueModel(v: unknown, path = '$'): void {
  switch (typeof v) {
    case 'boolean':
    case 'string':
    case 'number':
      return;
    case 'bigint':
      assert.ok(v > MAX_SAFE || v < -MAX_SAFE, `safe integer decoded as bigint at ${path}`);
      return;
    case 'object':
      break;
    default:
      assert.fail(`${typeof v} outside the value model at ${path}`);
  }
  if (v === null || Buffer.isBuffer(v)) return;
  if (v instanceof Complex) {
    assert.ok(typeof v.re === 'number' && typeof v.im === 'number', `complex parts at ${path}`);
    return;
  }
  if (Array.isArray(v)) {
    assert.ok([Array.prototype, Tuple.prototype].includes(Object.getPrototypeOf(v)), `array class at ${path}`);
    v.forEach((item, i) => assertInValueModel(item, `${path}[${i}]`));
  } else if (v instanceof Map) {
    assert.equal(Object.getPrototypeOf(v), Map.prototype, `map class at ${path}`);
    for (const [k, item] of v) {
      assertInValueModel(k, `${path}{key}`);
      assertInValueModel(item, `${path}.get()`);
    }
  } else if (v instanceof Set) {
    assert.ok([Set.prototype, FrozenSet.prototype].includes(Object.getPrototypeOf(v)), `set class at ${path}`);
    for (const item of v) assertInValueModel(item, `${path}{…}`);
  } else {
    assert.equal(Object.getPrototypeOf(v), Object.prototype, `object class at ${path}`);
    for (const [k, item] of Object.entries(v)) assertInValueModel(item, `${path}.${k}`);
  }
}
