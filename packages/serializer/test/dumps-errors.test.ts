/** Values outside the value model: DumpError naming the path, in both codecs, never a RangeError. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  DataFormatError,
  DumpError,
  dumps,
  execnetCodec,
  isDataFormatError,
  LoadError,
  loads,
  msgpackCodec,
  tuple,
} from '@execnet/serializer';

const encoders: [string, (v: unknown) => unknown][] = [
  ['dumps', (v) => dumps(v)],
  ['execnetCodec.encode', (v) => execnetCodec.encode(v)],
  ['msgpackCodec.encode', (v) => msgpackCodec.encode(v)],
];

/** Asserts every encoder throws a DumpError at `path` (a RangeError or any other class fails). */
function assertDumpError(value: unknown, path: string): void {
  for (const [name, encode] of encoders) {
    assert.throws(
      () => encode(value),
      (error: unknown) => {
        assert.ok(error instanceof DumpError, `${name} threw ${String(error)}`);
        assert.equal(error.code, 'ERR_EXECNET_DUMP');
        assert.equal(error.path, path, name);
        return true;
      },
    );
  }
}

class Point {
  constructor(
    readonly x = 1,
    readonly y = 2,
  ) {}
}

/** `depth` containers made by `wrap`, nested. */
function nest(depth: number, wrap: (inner: unknown) => unknown): unknown {
  let v: unknown = 0;
  for (let i = 0; i < depth; i++) v = wrap(v);
  return v;
}

describe('unsupported values', () => {
  it('a Date is reported at [2].when', () => {
    assertDumpError([1, 2, { when: new Date(0) }], '[2].when');
  });

  const cases: [string, unknown, string][] = [
    ['Date at the top', new Date(0), ''],
    ['function', { cb: () => 1 }, '.cb'],
    ['symbol', [Symbol('s')], '[0]'],
    ['class instance', { a: [new Point()] }, '.a[0]'],
    ['RegExp', tuple(/x/), '[0]'],
    ['WeakMap', new Map([['k', new WeakMap()]]), '.get("k")'],
    ['WeakSet', { 'odd key': new WeakSet() }, '["odd key"]'],
    ['Promise', [Promise.resolve()], '[0]'],
    ['Error', { e: new Error('x') }, '.e'],
    ['Date in a Set', new Set([new Date(0)]), '{…}'],
    ['Date as a Map key', new Map([[new Date(0), 1]]), '{key}'],
    ['ArrayBuffer', { data: new ArrayBuffer(2) }, '.data'],
    ['DataView', { data: new DataView(new ArrayBuffer(2)) }, '.data'],
    ['boxed string', [Object('s')], '[0]'],
  ];
  for (const [name, value, path] of cases) {
    it(`${name} → DumpError at ${JSON.stringify(path)}`, () => assertDumpError(value, path));
  }

  for (const Typed of [Int8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array]) {
    it(`${Typed.name} (only Uint8Array is bytes) → DumpError`, () => {
      assertDumpError({ data: new Typed(2) }, '.data');
    });
  }

  it('Uint8Array and Buffer are bytes', () => {
    for (const [, encode] of encoders) {
      assert.doesNotThrow(() => encode([new Uint8Array(2), Buffer.from('x')]));
    }
  });

  it('strings with lone surrogates → DumpError (short and long strings, keys)', () => {
    assertDumpError({ s: ['ok', '\ud800'] }, '.s[1]');
    assertDumpError(['\udc00x'], '[0]');
    assertDumpError([`${'x'.repeat(100)}\ud83d`], '[0]');
    assertDumpError(new Map([['\ud800', 1]]), '{key}');
    // a bad object key is reported at the object holding it
    assertDumpError({ a: { '\ud800': 1 } }, '.a');
  });

  it('well-formed surrogate pairs are fine', () => {
    for (const [, encode] of encoders) assert.doesNotThrow(() => encode(['😀', { '𝄞': '\ud83d\ude00' }]));
  });
});

describe('cycles', () => {
  it('an array holding itself', () => {
    const a: unknown[] = [1];
    a.push(a);
    assertDumpError(a, '[1]');
    assertDumpError([0, a], '[1][1]');
  });

  it('an object holding itself', () => {
    const o: Record<string, unknown> = { a: 1 };
    o.self = o;
    assertDumpError(o, '.self');
  });

  it('a Map holding itself as value and as key', () => {
    const m = new Map<unknown, unknown>();
    m.set('k', m);
    assertDumpError(m, '.get("k")');
    const k = new Map<unknown, unknown>();
    k.set(k, 1);
    assertDumpError(k, '{key}');
  });

  it('a Set holding itself, and a tuple inside the loop', () => {
    const s = new Set<unknown>();
    s.add(tuple(s));
    assertDumpError(s, '{…}[0]');
  });

  it('a long cycle a → b → c → a', () => {
    const a: Record<string, unknown> = { n: 'a' };
    const b: Record<string, unknown> = { n: 'b', next: undefined };
    a.next = b;
    b.next = { n: 'c', next: a };
    assertDumpError([a], '[0].next.next.next');
  });

  it('a ring of 500 arrays', () => {
    const ring: unknown[] = [];
    let cur = ring;
    for (let i = 0; i < 499; i++) {
      const next: unknown[] = [];
      cur.push(next);
      cur = next;
    }
    cur.push(ring);
    assertDumpError(ring, '[0]'.repeat(500));
  });

  it('shared (non-cyclic) references are fine, also deep inside', () => {
    const shared = [1, { x: 2 }];
    const deepShared = nest(100, (inner) => [inner, shared]);
    for (const [, encode] of encoders) assert.doesNotThrow(() => encode([shared, shared, { again: shared }, deepShared]));
  });
});

describe('nesting', () => {
  const wrappers: [string, (v: unknown) => unknown][] = [
    ['lists', (v) => [v]],
    ['tuples', (v) => tuple(v)],
    ['objects', (v) => ({ k: v })],
    ['Maps', (v) => new Map([[1, v]])],
    ['Sets', (v) => new Set([v])],
  ];
  for (const [name, wrap] of wrappers) {
    it(`20000 nested ${name} → DumpError, not RangeError`, () => {
      const value = nest(20_000, wrap);
      for (const [encoderName, encode] of encoders) {
        assert.throws(() => encode(value), DumpError, encoderName);
      }
    });
  }

  it('1000 nested containers (the default maxDepth of loads) encode, 1001 do not', () => {
    for (const [name, encode] of encoders) {
      assert.doesNotThrow(() => encode(nest(1000, (v) => [v])), name);
      assert.throws(() => encode(nest(1001, (v) => [v])), DumpError, name);
    }
    assert.doesNotThrow(() => loads(dumps(nest(1000, (v) => [v]))));
  });

  it('running out of stack while encoding is a DumpError too', () => {
    const script = fileURLToPath(new URL('./helpers/small-stack.ts', import.meta.url));
    const out = execFileSync(process.execPath, ['--stack-size=150', '--import', 'tsx', '--conditions=@execnet/source', script], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), { dumps: 'DumpError', msgpack: 'DumpError' });
  });
});

describe('error classes', () => {
  it('DumpError and LoadError have stable names, codes and a common base', () => {
    const dumpError = new DumpError('x', '[0]');
    const loadError = new LoadError('y', 3);
    const base = new DataFormatError('z');
    assert.equal(dumpError.name, 'DumpError');
    assert.equal(dumpError.code, 'ERR_EXECNET_DUMP');
    assert.equal(dumpError.path, '[0]');
    assert.equal(loadError.name, 'LoadError');
    assert.equal(loadError.code, 'ERR_EXECNET_LOAD');
    assert.equal(loadError.offset, 3);
    assert.equal(base.name, 'DataFormatError');
    assert.equal(base.code, 'ERR_EXECNET_DATA_FORMAT');
    for (const e of [dumpError, loadError, base]) {
      assert.ok(e instanceof DataFormatError && e instanceof Error);
    }
  });

  it('pass cause through', () => {
    const cause = new Error('inner');
    assert.equal(new DumpError('x', '', { cause }).cause, cause);
    assert.equal(new LoadError('x', undefined, { cause }).cause, cause);
  });

  it('isDataFormatError recognises serializer errors only', () => {
    const thrown: unknown[] = [];
    for (const f of [() => dumps(new Date()), () => loads(Buffer.from('09', 'hex')), () => msgpackCodec.decode(Buffer.from('c1c1', 'hex'))]) {
      try {
        f();
      } catch (error) {
        thrown.push(error);
      }
    }
    assert.equal(thrown.length, 3);
    for (const e of thrown) assert.equal(isDataFormatError(e), true);
    for (const other of [new Error('x'), new RangeError('x'), { code: 'ERR_EXECNET_DUMP' }, null, undefined, 'DumpError']) {
      assert.equal(isDataFormatError(other), false);
    }
  });

  it('the brand works without instanceof (another copy of the package)', () => {
    const foreign = Object.assign(Object.create(Error.prototype) as object, { [Symbol.for('@execnet/data-format-error')]: true });
    assert.equal(isDataFormatError(foreign), true);
    assert.equal(foreign instanceof DataFormatError, false);
  });
});
