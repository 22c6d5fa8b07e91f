/**
 * Golden fixtures (STYLE §19): bytes written once by Python execnet 1.9 (fixtures/generate.py),
 * checked both ways without Python; a live test regenerates them when Python execnet is present.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Complex, dumps, Float, FrozenSet, loads, tuple } from '@execnet/serializer';
import { PYTHON, pythonSkipReason } from './helpers/python-oracle.js';
import { assertSameValue, expectedDecode } from './helpers/values.js';

const fixturesPath = fileURLToPath(new URL('./fixtures/golden.json', import.meta.url));
const generatorPath = fileURLToPath(new URL('./fixtures/generate.py', import.meta.url));
const committedText = readFileSync(fixturesPath, 'utf8');
const golden = JSON.parse(committedText) as { execnet: string; fixtures: { python: string; hex: string }[] };

/** The JavaScript value for each Python repr in golden.json. */
const jsFor: Record<string, unknown> = {
  None: null,
  True: true,
  False: false,
  '0': 0,
  '1': 1,
  '-1': -1,
  '42': 42,
  '2147483647': 2147483647,
  '2147483648': 2147483648,
  '-2147483648': -2147483648,
  '9007199254740992': 2n ** 53n,
  '9223372036854775808': 2n ** 63n,
  '1267650600228229401496703205376': 2n ** 100n,
  '1000000000000000000000000000000': 10n ** 30n,
  '0.0': new Float(0),
  '-0.0': -0,
  '3.25': 3.25,
  '1.5': 1.5,
  '5e-324': 5e-324,
  '1e+300': new Float(1e300),
  inf: Infinity,
  '-inf': -Infinity,
  nan: NaN,
  '(1.5+2j)': new Complex(1.5, 2),
  '-1j': new Complex(0, -1),
  "''": '',
  "'abc'": 'abc',
  "'é'": 'é',
  "'日本'": '日本',
  "'😀'": '😀',
  "'a\\x00b'": 'a\0b',
  "b''": new Uint8Array(0),
  "b'hi'": Buffer.from('hi'),
  "b'\\x00\\x01\\x02\\x03\\x04\\x05\\x06\\x07'": new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]),
  "b'\\xff\\x00'": Buffer.from([0xff, 0]),
  '[]': [],
  '[1, 2]': [1, 2],
  '[None, [True]]': [null, [true]],
  "['a', 1.5]": ['a', 1.5],
  '()': tuple(),
  '(1,)': tuple(1),
  '(1, 2)': tuple(1, 2),
  '(1, (), 3)': tuple(1, tuple(), 3),
  '([], {})': tuple([], {}),
  '{}': {},
  "{'a': 1}": { a: 1 },
  "{'b': 2, 'a': 1}": { b: 2, a: 1 },
  "{1: 'x'}": new Map([[1, 'x']]),
  '{(1, 2): None}': new Map([[tuple(1, 2), null]]),
  "{'k': {'n': [1]}}": { k: { n: [1] } },
  'set()': new Set(),
  '{1, 2}': new Set([1, 2]),
  "{'x'}": new Set(['x']),
  'frozenset()': new FrozenSet(),
  'frozenset({1})': new FrozenSet([1]),
  'frozenset({(1, 2)})': new FrozenSet([tuple(1, 2)]),
  "[(1, 'a'), {'k': frozenset({3})}, {4}]": [tuple(1, 'a'), { k: new FrozenSet([3]) }, new Set([4])],
};

describe('golden fixtures from Python execnet', () => {
  it('were written by execnet 1.9 and cover every JavaScript value of the table', () => {
    assert.equal(golden.execnet, '1.9.0');
    assert.deepEqual(golden.fixtures.map((f) => f.python).sort(), Object.keys(jsFor).sort());
  });

  for (const { python, hex } of golden.fixtures) {
    it(`${python}: dumps gives Python's bytes, loads gives the value`, () => {
      const js = jsFor[python];
      assert.equal(Buffer.from(dumps(js, { version: 1 })).toString('hex'), hex);
      assert.equal(Buffer.from(dumps(js)).toString('hex'), `02${hex.slice(2)}`);
      assertSameValue(loads(Buffer.from(hex, 'hex')), expectedDecode(js));
    });
  }

  it('are what Python execnet writes today (live)', { skip: pythonSkipReason() }, () => {
    const live = execFileSync(PYTHON, [generatorPath, '--stdout'], { encoding: 'utf8' });
    assert.equal(live, committedText);
  });
});
