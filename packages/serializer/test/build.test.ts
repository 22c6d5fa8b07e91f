/**
 * The built package (tsup: ESM + CJS + .d.ts), loaded from dist/ by path, since the package name
 * resolves to src/ under the @execnet/source condition the tests run with.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as source from '@execnet/serializer';

type Api = typeof source;

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const dist = (file: string): string => fileURLToPath(new URL(`../dist/${file}`, import.meta.url));

/** The same values, built with one copy's own classes. */
function sample(api: Api): unknown {
  return {
    list: [1, -1, 2 ** 31, 2n ** 70n, 1.5, -0, NaN, 'é😀', Buffer.from([0, 255]), null, true],
    tuple: api.tuple(1, api.tuple(), 'x'),
    sets: [new Set([1, 2]), new api.FrozenSet(['a'])],
    map: new Map<unknown, unknown>([[api.tuple(1, 2), 'k'], [3, { deep: [api.tuple()] }]]),
    complex: new api.Complex(1.5, -2),
    float: new api.Float(3),
  };
}

describe('built package (dist)', () => {
  let esm: Api;
  let cjs: Api;

  before(async () => {
    // tsup cleans and rebuilds dist in about 2 s; always rebuild so dist matches src.
    execFileSync('pnpm', ['--filter', '@execnet/serializer', 'build'], { cwd: packageDir, stdio: 'pipe' });
    esm = (await import(pathToFileURL(dist('index.js')).href)) as Api;
    cjs = createRequire(import.meta.url)(dist('index.cjs')) as Api;
  });

  it('ships ESM, CJS and both declaration files', () => {
    for (const file of ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts']) assert.ok(existsSync(dist(file)), file);
    const dts = readFileSync(dist('index.d.ts'), 'utf8');
    for (const name of ['dumps', 'loads', 'DumpError', 'LoadError', 'Tuple', 'ChannelRefs']) assert.match(dts, new RegExp(`\\b${name}\\b`));
  });

  it('ESM and CJS export the same names as the source', () => {
    const names = Object.keys(source).sort();
    assert.deepEqual(Object.keys(esm).sort(), names);
    assert.deepEqual(Object.keys(cjs).sort(), names);
    for (const api of [esm, cjs]) {
      assert.equal(typeof api.dumps, 'function');
      assert.equal(typeof api.loads, 'function');
    }
  });

  it('ESM, CJS and source write identical bytes and load the same values', () => {
    const expected = Buffer.from(source.dumps(sample(source))).toString('hex');
    for (const api of [esm, cjs]) {
      const bytes = api.dumps(sample(api));
      assert.equal(Buffer.from(bytes).toString('hex'), expected);
      assert.equal(Buffer.from(api.dumps(sample(api), { version: 1 })).toString('hex'), `01${expected.slice(2)}`);
      const reloaded = Buffer.from(source.dumps(source.loads(bytes))).toString('hex');
      assert.equal(Buffer.from(api.dumps(api.loads(bytes))).toString('hex'), reloaded);
      assert.equal(Buffer.from(api.execnetCodec.encode(sample(api))).toString('hex'), expected.slice(2));
      const viaMsgpack = api.msgpackCodec.decode(api.msgpackCodec.encode(sample(api)));
      assert.equal(Buffer.from(api.dumps(viaMsgpack)).toString('hex'), reloaded);
    }
  });

  it("dumps accepts another copy's Tuple, FrozenSet, Complex and Float (dual-package hazard)", () => {
    const expected = Buffer.from(source.dumps(sample(source))).toString('hex');
    assert.equal(Buffer.from(esm.dumps(sample(cjs))).toString('hex'), expected);
    assert.equal(Buffer.from(cjs.dumps(sample(esm))).toString('hex'), expected);
  });

  it("msgpackCodec keeps another copy's Tuple, FrozenSet, Complex and Float", () => {
    const expected = Buffer.from(source.dumps(source.loads(source.dumps(sample(source))))).toString('hex');
    for (const [encoder, maker] of [[esm, cjs], [cjs, esm]] as const) {
      const back = encoder.msgpackCodec.decode(encoder.msgpackCodec.encode(sample(maker)));
      assert.equal(Buffer.from(encoder.dumps(back)).toString('hex'), expected);
    }
  });

  it('errors of one copy are recognised by the other through isDataFormatError, not instanceof', () => {
    let cjsError: unknown;
    try {
      cjs.loads(Buffer.from([9]));
    } catch (error) {
      cjsError = error;
    }
    assert.ok(cjsError instanceof cjs.LoadError);
    assert.equal(cjsError instanceof esm.LoadError, false);
    assert.equal(esm.isDataFormatError(cjsError), true);
    assert.equal((cjsError as source.LoadError).code, 'ERR_EXECNET_LOAD');
    assert.equal(esm.isTuple(cjs.tuple(1)), true);
    assert.equal(cjs.isFrozenSet(new esm.FrozenSet()), true);
  });
});
