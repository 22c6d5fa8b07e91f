/** The value classes for what JavaScript lacks, and the protocol constants pinned as data. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Complex, Float, FormatVersion, FrozenSet, isFrozenSet, isTuple, Opcode, Tuple, tuple } from '@execnet/serializer';

describe('Tuple', () => {
  it('tuple() builds a Tuple of mixed items; Tuple.from from any iterable', () => {
    const t: Tuple<number | string> = tuple(1, 'a');
    assert.ok(t instanceof Tuple && t instanceof Array && isTuple(t));
    assert.deepEqual([...t], [1, 'a']);
    assert.equal(tuple().length, 0);
    assert.equal(tuple(undefined).length, 1);
    const from = Tuple.from(new Set([3, 4]));
    assert.ok(isTuple(from));
    assert.deepEqual([...from], [3, 4]);
  });

  it('derived arrays (map, filter, slice) are plain arrays', () => {
    const t = tuple(1, 2, 3);
    for (const derived of [t.map((x) => x * 2), t.filter(() => true), t.slice(1)]) {
      assert.equal(isTuple(derived), false);
      assert.equal(Object.getPrototypeOf(derived), Array.prototype);
    }
  });

  it('isTuple is false for plain arrays and non-arrays', () => {
    for (const v of [[], [1], {}, null, 'abc', new Set([1])]) assert.equal(isTuple(v), false);
    // the brand is on the prototype: no own property to serialize by accident
    assert.deepEqual(Object.getOwnPropertySymbols(tuple(1)), []);
  });
});

describe('FrozenSet, Complex, Float', () => {
  it('FrozenSet is a Set recognised by isFrozenSet', () => {
    const s = new FrozenSet([1, 2]);
    assert.ok(s instanceof Set && isFrozenSet(s));
    assert.equal(isFrozenSet(new Set([1])), false);
    assert.equal(isFrozenSet([1]), false);
  });

  it('Complex keeps both parts and prints like Python', () => {
    const c = new Complex(1.5, -2);
    assert.equal(c.re, 1.5);
    assert.equal(c.im, -2);
    assert.equal(String(c), '(1.5-2j)');
    assert.equal(String(new Complex(0, 1)), '(0+1j)');
    assert.equal(String(new Complex(0, -0)), '(0-0j)');
  });

  it('Float wraps a number', () => {
    const f = new Float(3);
    assert.equal(f.value, 3);
    assert.equal(+f, 3);
  });
});

describe('protocol constants', () => {
  it('opcodes are the letters @ A … T in execnet order (frozen by execnet test_opcodes)', () => {
    const names = [
      'BUILDTUPLE', 'BYTES', 'CHANNEL', 'FALSE', 'FLOAT', 'FROZENSET', 'INT', 'LONG', 'LONGINT', 'LONGLONG', 'NEWDICT',
      'NEWLIST', 'NONE', 'PY2STRING', 'PY3STRING', 'SET', 'SETITEM', 'STOP', 'TRUE', 'UNICODE', 'COMPLEX',
    ];
    const expected = Object.fromEntries(names.map((name, i) => [name, '@ABCDEFGHIJKLMNOPQRST'.charCodeAt(i)]));
    assert.deepEqual({ ...Opcode }, expected);
  });

  it('format versions are 1 and 2', () => {
    assert.deepEqual({ ...FormatVersion }, { V1: 1, V2: 2 });
  });
});
