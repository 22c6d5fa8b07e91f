/**
 * Byte-for-byte interop with Python execnet 1.9 (Debian python3-execnet, `/usr/bin/python3`):
 * our dumps equals Python's dumps, Python loads our bytes, we load Python's bytes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dumps, LoadError, loads } from '@execnet/serializer';
import { interopCases } from './helpers/interop-cases.js';
import { PythonError, PythonOracle, pythonSkipReason } from './helpers/python-oracle.js';
import { assertSameValue, expectedDecode } from './helpers/values.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A version byte, then `parts` as hex (spaces allowed), then nothing else. */
const bytesOf = (...parts: string[]): Buffer => Buffer.from(parts.join('').replace(/ /g, ''), 'hex');

/** int4 big-endian, as hex. */
const int4 = (n: number): string => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b.toString('hex');
};

/** Version-1 LONGINT encoding of a top-level integer, as execnet writes it when it can. */
function longintV1(n: number | bigint): Buffer {
  const digits = BigInt(n).toString();
  return bytesOf('01', '48', int4(digits.length), Buffer.from(digits, 'latin1').toString('hex'), '51');
}

describe('interop with Python execnet 1.9', { skip: pythonSkipReason() }, () => {
  let oracle: PythonOracle;

  before(async () => {
    oracle = await PythonOracle.start();
    assert.equal(await oracle.version(), '1.9.0');
  });
  after(async () => {
    await oracle?.close();
  });

  it('has at least 100 cases', () => {
    assert.ok(interopCases.length >= 100, `${interopCases.length} cases`);
  });

  for (const c of interopCases) {
    it(c.name ?? c.py, async () => {
      const ours1 = dumps(c.js, { version: 1 });
      const ours2 = dumps(c.js);
      // (b) version 2 is the same body with another first byte
      assert.equal(ours1[0], 0x01);
      assert.equal(hex(ours2), `02${hex(ours1.subarray(1))}`);

      // (a) our version-1 bytes are Python's bytes
      let pythonBytes: Buffer;
      if (c.pyDumpsFails) {
        await assert.rejects(oracle.dumps(c.py), PythonError, 'Python execnet 1.9 cannot dump ints below -2**31');
        pythonBytes = longintV1(c.js as number | bigint);
      } else {
        pythonBytes = await oracle.dumps(c.py);
      }
      assert.equal(hex(ours1), hex(pythonBytes));

      // (c) Python loads our bytes as the same value, types included
      const loaded = await oracle.loads(ours1, c.py);
      assert.equal(loaded.equal, true, `Python loaded ${loaded.repr}`);

      // (d) we load Python's bytes (either version byte) as the expected JavaScript value
      const expected = expectedDecode(c.js);
      assertSameValue(loads(pythonBytes), expected);
      assert.deepStrictEqual(loads(ours2), expected);
    });
  }

  it('NaN is written as 7ff8000000000000 by both sides', async () => {
    assert.equal(hex(await oracle.dumps("float('nan')")), '01447ff800000000000051');
    assert.equal(hex(dumps(NaN, { version: 1 })), '01447ff800000000000051');
  });

  it('legacy Python 2 opcodes G, I, S load as Python 3 loads them', async () => {
    const cases: [string, string, unknown][] = [
      ['G (long)', `47 ${int4(5)} 51`, 5],
      ['G negative', `47 ${int4(-7)} 51`, -7],
      ['I (long long)', `49 ${int4(2)} 3132 51`, 12],
      ['I beyond 2**53', `49 ${int4(20)} ${Buffer.from('12345678901234567890').toString('hex')} 51`, 12345678901234567890n],
      ['S (unicode)', `53 ${int4(2)} c3a9 51`, 'é'],
    ];
    const pyExpect = ['5', '-7', '12', '12345678901234567890', "'\\u00e9'"];
    for (const [i, [name, body, want]] of cases.entries()) {
      assert.deepStrictEqual(loads(bytesOf('02', body)), want, name);
      assert.deepStrictEqual(loads(bytesOf('01', body)), want, name);
      const py = await oracle.loads(bytesOf('01', body), pyExpect[i]);
      assert.equal(py.equal, true, `${name}: Python loaded ${py.repr}`);
    }
  });

  it('M (Python 2 str) loads as bytes by default and as a latin-1 string with py2strAsPy3str', async () => {
    const body = `4d ${int4(2)} 61e9 51`;
    assert.deepStrictEqual(loads(bytesOf('02', body)), Buffer.from([0x61, 0xe9]));
    assert.equal(loads(bytesOf('02', body), { py2strAsPy3str: true }), 'aé');
    assert.equal((await oracle.loads(bytesOf('01', body), "b'a\\xe9'")).equal, true);
    assert.equal((await oracle.loads(bytesOf('01', body), "'a\\u00e9'", { py2str_as_py3str: true })).equal, true);
  });

  // execnet 2.x honours py3str_as_py2str on Python 3 (N loads as bytes), and so do we; the 1.9
  // oracle ignores it on Python 3 (only its Python 2 loader did), so it is not compared here.
  it('py3strAsPy2str loads N (str) as its UTF-8 bytes, keys included', () => {
    const bytes = dumps(['é', { k: 'v' }], { version: 1 });
    assert.deepStrictEqual(loads(bytes, { py3strAsPy2str: true }), [Buffer.from('é'), new Map([[Buffer.from('k'), Buffer.from('v')]])]);
  });

  it('Python rejects the version-2 byte our default dumps writes (execnet 1.9 only reads 1)', async () => {
    await assert.rejects(oracle.loads(dumps(1)), PythonError);
  });
});

describe('loads and the format version byte', () => {
  it('accepts version 1 and version 2', () => {
    assert.equal(loads(bytesOf('01 4c 51')), null);
    assert.equal(loads(bytesOf('02 4c 51')), null);
    assert.equal(loads(bytesOf('01', '46', int4(42), '51')), 42);
  });

  it('rejects other version bytes and empty input with LoadError', () => {
    for (const version of ['00', '03', '4c', 'ff']) {
      assert.throws(() => loads(bytesOf(version, '4c 51')), (e: unknown) => e instanceof LoadError && e.offset === 0, version);
    }
    assert.throws(() => loads(new Uint8Array(0)), LoadError);
  });

  it('loads 02 4d 00000001 61 51 as bytes "a" by default, as the string "a" with py2strAsPy3str', () => {
    const bytes = Buffer.from('024d0000000161 51'.replace(' ', ''), 'hex');
    assert.deepStrictEqual(loads(bytes), Buffer.from('a'));
    assert.equal(loads(bytes, { py2strAsPy3str: true }), 'a');
  });

  it('loads N as bytes with py3strAsPy2str', () => {
    assert.deepStrictEqual(loads(dumps('abc'), { py3strAsPy2str: true }), Buffer.from('abc'));
  });

  it('dumps writes version 2 by default and 1 on request', () => {
    assert.equal(hex(dumps(null)), '024c51');
    assert.equal(hex(dumps(null, { version: 1 })), '014c51');
    assert.equal(hex(dumps(null, { version: 2 })), '024c51');
  });

  it('dumps refuses an unknown version option with RangeError', () => {
    assert.throws(() => dumps(null, { version: 3 as 2 }), RangeError);
  });

  it('loads refuses a non-Uint8Array with TypeError', () => {
    assert.throws(() => loads('024c51' as unknown as Uint8Array), TypeError);
  });
});
