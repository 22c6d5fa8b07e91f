/**
 * Decoding untrusted bytes (DESIGN §5, §11): any input gives a value or a LoadError, never another
 * exception, a stack overflow, a huge allocation or a polluted prototype.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execnetCodec, isDataFormatError, LoadError, loads, msgpackCodec, type Codec } from '@execnet/serializer';
import {
  execnetLengthHeaders,
  execnetLengthSites,
  msgpackLengthHeaders,
  mutators,
  Prng,
  spliceSources,
  valuePool,
  type MutationContext,
} from './helpers/fuzz.js';
import { assertInValueModel, assertSameValue, expectedDecode } from './helpers/values.js';

const INPUTS_PER_CODEC = 100_000;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

interface FuzzTarget {
  name: string;
  decode: (bytes: Uint8Array) => unknown;
  encode: (value: unknown) => Uint8Array;
  contexts: (encoding: Uint8Array) => MutationContext;
  /** Bytes random inputs are drawn from besides 0..255: the codec's own vocabulary. */
  alphabet: number[];
  /** Also require decoded values to lie inside the value model. */
  checkModel: boolean;
}

const execnetOpcodes = Array.from({ length: 0x15 }, (_, i) => 0x40 + i).concat([0, 1, 0xff]);

function fuzzCodec(target: FuzzTarget, seed: number, count: number): { values: number; errors: number } {
  const rng = new Prng(seed);
  const bases = valuePool.map((v) => target.encode(v));
  spliceSources.splice(0, spliceSources.length, ...bases);
  const contexts = bases.map((b) => target.contexts(b));
  const names = Object.keys(mutators);
  const probe = bases[7] as Uint8Array;
  const probeExpected = expectedDecode(valuePool[7]);
  let values = 0;
  let errors = 0;
  for (let n = 0; n < count; n++) {
    let input: Uint8Array;
    const kind = rng.int(10);
    if (kind < 2) {
      input = rng.bytes(rng.int(64));
    } else if (kind < 4) {
      input = rng.bytes(1 + rng.int(48), target.alphabet);
    } else {
      const i = rng.int(bases.length);
      input = (mutators[rng.pick(names)] as (typeof mutators)[string])(rng, bases[i] as Uint8Array, contexts[i] as MutationContext);
    }
    let value: unknown;
    try {
      value = target.decode(input);
    } catch (error) {
      if (!(error instanceof LoadError) || !isDataFormatError(error)) {
        assert.fail(`${target.name} threw ${String(error)} instead of LoadError for input ${hex(input)}`);
      }
      errors++;
      continue;
    }
    values++;
    if (target.checkModel) {
      try {
        assertInValueModel(value);
      } catch (error) {
        assert.fail(`${target.name} decoded ${hex(input)} outside the value model: ${(error as Error).message}`);
      }
    }
    // Failed decodes must leave no state behind.
    if (n % 4096 === 0) assertSameValue(target.decode(probe), probeExpected);
  }
  return { values, errors };
}

const execnetTarget: FuzzTarget = {
  name: 'execnetCodec.decode',
  decode: (b) => execnetCodec.decode(b),
  encode: (v) => execnetCodec.encode(v),
  contexts: (b) => ({ lengthSites: execnetLengthSites(b), lengthHeaders: execnetLengthHeaders }),
  alphabet: execnetOpcodes,
  checkModel: true,
};

describe('fuzzing the decoders (seeded, deterministic)', () => {
  it(`execnetCodec.decode: ${INPUTS_PER_CODEC} random and mutated inputs give a value or LoadError`, () => {
    const { values, errors } = fuzzCodec(execnetTarget, 0x5eed0001, INPUTS_PER_CODEC);
    assert.equal(values + errors, INPUTS_PER_CODEC);
    assert.ok(values > 1000 && errors > 1000, `both outcomes exercised: ${values} values, ${errors} errors`);
  });

  it('loads: 30000 inputs with version bytes give a value or LoadError', () => {
    const target: FuzzTarget = {
      ...execnetTarget,
      name: 'loads',
      decode: (b) => loads(b),
      encode: (v) => {
        const body = execnetCodec.encode(v);
        return new Uint8Array(Buffer.concat([Buffer.from([2]), body]));
      },
      contexts: (b) => ({ lengthSites: execnetLengthSites(b.subarray(1)).map((p) => p + 1), lengthHeaders: execnetLengthHeaders }),
      alphabet: [...execnetOpcodes, 1, 2],
    };
    const { values, errors } = fuzzCodec(target, 0x5eed0002, 30_000);
    assert.ok(values > 100 && errors > 100, `${values} values, ${errors} errors`);
  });

  it(`msgpackCodec.decode: ${INPUTS_PER_CODEC} random and mutated inputs give a value or LoadError`, () => {
    const target: FuzzTarget = {
      name: 'msgpackCodec.decode',
      decode: (b) => msgpackCodec.decode(b),
      encode: (v) => msgpackCodec.encode(v),
      contexts: () => ({ lengthSites: [], lengthHeaders: msgpackLengthHeaders }),
      alphabet: [0x90, 0x91, 0x92, 0x81, 0xa1, 0xc0, 0xc3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xc7, 1, 2, 3, 4, 5, 6, 7, 8, 0x61],
      // msgpackr's own extensions (Date, RegExp, Error, typed arrays) can decode outside the model.
      checkModel: false,
    };
    const { values, errors } = fuzzCodec(target, 0x5eed0003, INPUTS_PER_CODEC);
    assert.ok(values > 1000 && errors > 1000, `${values} values, ${errors} errors`);
  });
});

/**
 * Asserts `decode()` throws LoadError, quickly: no giant allocation or long scan first. The best
 * of five runs is compared, so a busy machine's scheduling noise cannot fail it.
 */
function assertFastLoadError(decode: () => unknown, label: string): void {
  let best = Infinity;
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    assert.throws(decode, LoadError, label);
    best = Math.min(best, performance.now() - started);
  }
  assert.ok(best < 50, `${label} took ${best.toFixed(1)} ms`);
}

describe('hostile lengths', () => {
  const big = '7fffffff';
  const execnetCases: [string, string][] = [
    ['N (str)', `4e${big}616263`],
    ['A (bytes)', `41${big}616263`],
    ['H (long int)', `48${big}313233`],
    ['M (py2 str)', `4d${big}616263`],
    ['K (list of 2**31 - 1)', `4b${big}4c5151`],
    ['@ (tuple of 2**31 - 1)', `4c40${big}51`],
    ['O (set of 2**31 - 1)', `4c4f${big}51`],
    ['N (negative length)', '4e80000000616263'],
    ['N (length -1)', '4effffffff616263'],
  ];
  for (const [label, body] of execnetCases) {
    it(`execnet ${label} with a huge length and 3 bytes behind it is a LoadError at once`, () => {
      assertFastLoadError(() => execnetCodec.decode(Buffer.from(body, 'hex')), label);
      assertFastLoadError(() => loads(Buffer.from(`02${body}`, 'hex')), `loads ${label}`);
    });
  }

  const msgpackCases: [string, string][] = [
    ['str32', `db${big}616263`],
    ['bin32', `c6${big}616263`],
    ['array32', `dd${big}c0c0c0`],
    ['map32', `df${big}a161c0`],
    ['ext32', `c9${big}01616263`],
  ];
  for (const [label, input] of msgpackCases) {
    it(`msgpack ${label} with length 0x7fffffff and 3 bytes behind it is a LoadError at once`, () => {
      assertFastLoadError(() => msgpackCodec.decode(Buffer.from(input, 'hex')), label);
    });
  }
});

describe('hostile nesting', () => {
  const LEVELS = 100_000;

  it(`execnet: ${LEVELS} nested lists are a LoadError, not a RangeError`, () => {
    const open = Buffer.from('4b00000001' + '4600000000', 'hex');
    const input = Buffer.concat([...Array<Buffer>(LEVELS).fill(open), Buffer.from([0x4c]), Buffer.alloc(LEVELS, 0x50), Buffer.from([0x51])]);
    assert.throws(() => execnetCodec.decode(input), LoadError);
    assert.throws(() => loads(Buffer.concat([Buffer.from([2]), input])), LoadError);
  });

  it(`execnet: ${LEVELS} nested tuples and dicts are a LoadError`, () => {
    const tuples = Buffer.concat([Buffer.from([0x4c]), ...Array<Buffer>(LEVELS).fill(Buffer.from('4000000001', 'hex')), Buffer.from([0x51])]);
    assert.throws(() => execnetCodec.decode(tuples), LoadError);
    const openDict = Buffer.from('4a4e0000000161', 'hex');
    const dicts = Buffer.concat([...Array<Buffer>(LEVELS).fill(openDict), Buffer.from([0x4c]), Buffer.alloc(LEVELS, 0x50), Buffer.from([0x51])]);
    assert.throws(() => execnetCodec.decode(dicts), LoadError);
  });

  it('execnet: maxDepth bounds nesting (default 1000)', () => {
    const nested = (depth: number): unknown => {
      let v: unknown = [];
      for (let i = 1; i < depth; i++) v = [v];
      return v;
    };
    assert.doesNotThrow(() => execnetCodec.decode(execnetCodec.encode(nested(1000))));
    const deeper = Buffer.concat([Buffer.from('4b000000014600000000', 'hex'), execnetCodec.encode(nested(1000)).subarray(0, -1), Buffer.from('5051', 'hex')]);
    assert.throws(() => execnetCodec.decode(deeper), LoadError);
    assert.doesNotThrow(() => execnetCodec.decode(deeper, { maxDepth: 1001 }));
    assert.throws(() => execnetCodec.decode(execnetCodec.encode(nested(4)), { maxDepth: 3 }), LoadError);
  });

  it(`msgpack: ${LEVELS} nested arrays (0x91 …, 0xc0) are a LoadError, not a RangeError`, () => {
    const input = Buffer.concat([Buffer.alloc(LEVELS, 0x91), Buffer.from([0xc0])]);
    assert.throws(() => msgpackCodec.decode(input), LoadError);
    const maps = Buffer.concat([...Array<Buffer>(LEVELS).fill(Buffer.from('81a161', 'hex')), Buffer.from([0xc0])]);
    assert.throws(() => msgpackCodec.decode(maps), LoadError);
    // and the decoder still works afterwards
    assert.deepStrictEqual(msgpackCodec.decode(msgpackCodec.encode({ a: [1] })), { a: [1] });
  });
});

describe('hostile references', () => {
  it("msgpack: msgpackr's structured-clone reference extensions cannot build a cyclic value", () => {
    // ext 0x69 (id 1) holding [ext 0x70 (pointer to id 1)]: a list containing itself
    assert.throws(() => msgpackCodec.decode(Buffer.from('d66900000001' + '91' + 'd67000000001', 'hex')), LoadError);
    assert.throws(() => msgpackCodec.decode(Buffer.from('d67000000001', 'hex')), LoadError);
  });
});

describe('__proto__ keys', () => {
  const assertNotPolluted = (value: unknown): void => {
    const obj = value as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(obj), Object.prototype);
    assert.ok(Object.prototype.hasOwnProperty.call(obj, '__proto__'));
    assert.deepStrictEqual(Object.getOwnPropertyDescriptor(obj, '__proto__')?.value, { polluted: true });
    assert.equal(obj.polluted, undefined);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
  };

  it('execnet: a dict key "__proto__" is an own property and Object.prototype stays clean', () => {
    // J, N "__proto__", J N "polluted" R P, P, Q
    const bytes = Buffer.from('4a' + '4e00000009' + Buffer.from('__proto__').toString('hex') + '4a4e00000008' + Buffer.from('polluted').toString('hex') + '5250' + '50' + '51', 'hex');
    assertNotPolluted(execnetCodec.decode(bytes));
    assertNotPolluted(loads(Buffer.concat([Buffer.from([1]), bytes])));
    assert.deepStrictEqual(execnetCodec.decode(bytes, { alwaysMap: true }), new Map([['__proto__', new Map([['polluted', true]])]]));
  });

  it('msgpack: a hand-made map with key "__proto__" is an own property and Object.prototype stays clean', () => {
    // fixmap 1 { fixstr "__proto__": fixmap 1 { fixstr "polluted": true } }
    const bytes = Buffer.from('81a9' + Buffer.from('__proto__').toString('hex') + '81a8' + Buffer.from('polluted').toString('hex') + 'c3', 'hex');
    assertNotPolluted(msgpackCodec.decode(bytes));
    assert.deepStrictEqual(msgpackCodec.decode(bytes, { alwaysMap: true }), new Map([['__proto__', new Map([['polluted', true]])]]));
    // inside other containers too
    const wrapped = Buffer.concat([Buffer.from('92c0', 'hex'), bytes]);
    assertNotPolluted((msgpackCodec.decode(wrapped) as unknown[])[1]);
  });

  it('msgpack: found next to large values, and not mistaken in a lone bytes value', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const bin = Buffer.alloc(4096, '__proto__');
    for (const size of [10, 300, 70_000]) {
      // The key after a big bytes value: a long payload is searched natively.
      const back = msgpackCodec.decode(Buffer.from(msgpackCodec.encode([Buffer.alloc(size, 0x5f), value]))) as unknown[];
      assertNotPolluted(back[1]);
    }
    assert.ok(Buffer.from(msgpackCodec.decode(msgpackCodec.encode(bin)) as Uint8Array).equals(bin));
    assert.ok(Buffer.from((msgpackCodec.decode(msgpackCodec.encode([bin])) as Uint8Array[])[0]!).equals(bin));
  });

  it('both codecs: an own "__proto__" key survives a round trip', () => {
    const value = JSON.parse('{"a": 1, "__proto__": {"polluted": true}}') as unknown;
    for (const codec of [execnetCodec, msgpackCodec] as Codec[]) {
      const back = codec.decode(codec.encode(value));
      assertNotPolluted(back);
      assert.deepEqual(Object.keys(back as object), ['a', '__proto__'], codec.name);
    }
  });
});
