/** Deterministic input generation for the decoder fuzz tests. */
import { Complex, Float, FrozenSet, tuple } from '@execnet/serializer';

/** sfc32: a small, fast, seeded PRNG, so every run feeds the decoders the same inputs. */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = seed >>> 0;
    for (let i = 0; i < 16; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return this.u32() % n;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  bytes(n: number, alphabet?: readonly number[]): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = alphabet ? this.pick(alphabet) : this.int(256);
    return out;
  }
}

/** Realistic payloads: what channels typically carry, plus every part of the value model. */
export const valuePool: unknown[] = [
  null,
  42,
  -7.5,
  'hello',
  Buffer.from([0, 1, 2, 250]),
  [1, 2, 3],
  tuple('exec', 'print(1)', null),
  { cmd: 'status', args: [1, 'a', true], opts: { verbose: false, level: 3 } },
  new Map<unknown, unknown>([[1, 'one'], [tuple(2, 3), [4]], ['s', new Set([5, 6])]]),
  new FrozenSet([1, 2, 'x']),
  new Set([tuple(1, 'a')]),
  new Complex(1.5, -0),
  new Float(3),
  [2n ** 70n, -(2n ** 40n), 2 ** 40, -0, NaN, Infinity, 2147483648],
  'unicode é 日本 😀'.repeat(3),
  { files: [tuple('a.txt', 120, 1.7e9), tuple('b.bin', 0, 1.7e9)], dirs: [['sub', []]] },
  [[[[['deep']]]], { k: { k: { k: tuple(tuple()) } } }],
  JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}'),
  Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? `s${i}` : i)),
  Buffer.alloc(300, 7),
];

/** What a mutator knows about its codec: where the 4-byte length fields are, which bytes start one. */
export interface MutationContext {
  /** Offsets of 4-byte length/count fields in the base encoding. */
  lengthSites: number[];
  /** Opcodes or type bytes followed by a 4-byte length or count. */
  lengthHeaders: readonly number[];
}

export type Mutator = (rng: Prng, base: Uint8Array, context: MutationContext) => Uint8Array;

const BIG_LENGTHS = [
  [0x7f, 0xff, 0xff, 0xff],
  [0x80, 0x00, 0x00, 0x00],
  [0xff, 0xff, 0xff, 0xff],
];

const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** Ways of damaging a valid encoding. */
export const mutators: Record<string, Mutator> = {
  flipBits(rng, base) {
    const out = base.slice();
    for (let n = 1 + rng.int(3); n > 0 && out.length > 0; n--) {
      const i = rng.int(out.length);
      out[i] = (out[i] as number) ^ (1 << rng.int(8));
    }
    return out;
  },
  setByte(rng, base) {
    const out = base.slice();
    if (out.length > 0) out[rng.int(out.length)] = rng.int(256);
    return out;
  },
  truncate(rng, base) {
    return base.slice(0, rng.int(base.length + 1));
  },
  insertBytes(rng, base) {
    const at = rng.int(base.length + 1);
    return concat(base.subarray(0, at), rng.bytes(1 + rng.int(4)), base.subarray(at));
  },
  deleteBytes(rng, base) {
    const at = rng.int(base.length + 1);
    return concat(base.subarray(0, at), base.subarray(at + 1 + rng.int(4)));
  },
  bigLength(rng, base, { lengthSites }) {
    const out = base.slice();
    const at = lengthSites.length > 0 && rng.int(4) > 0 ? rng.pick(lengthSites) : rng.int(Math.max(1, out.length - 3));
    out.set(rng.pick(BIG_LENGTHS).slice(0, Math.max(0, out.length - at)), at);
    return out;
  },
  insertBigHeader(rng, base, { lengthHeaders }) {
    const at = rng.int(base.length + 1);
    const header = new Uint8Array([rng.pick(lengthHeaders), ...rng.pick(BIG_LENGTHS)]);
    return concat(base.subarray(0, at), header, base.subarray(at));
  },
  splice(rng, base) {
    const other = rng.pick(spliceSources);
    return concat(base.subarray(0, rng.int(base.length + 1)), other.subarray(rng.int(other.length + 1)));
  },
};

/** Filled by the test with the encodings of {@link valuePool}, for {@link mutators}.splice. */
export const spliceSources: Uint8Array[] = [];

const INT4_LENGTH_OPS = new Set([0x41, 0x48, 0x49, 0x4d, 0x4e, 0x53]); // A H I M N S: int4 length, then bytes
const INT4_OPS = new Set([0x40, 0x42, 0x45, 0x46, 0x47, 0x4b, 0x4f]); // @ B E F G K O: int4 count or value

/** Offsets of the int4 fields in a valid execnet encoding (without version byte). */
export function execnetLengthSites(bytes: Uint8Array): number[] {
  const sites: number[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let p = 0; p < bytes.length; ) {
    const op = bytes[p] as number;
    if (INT4_LENGTH_OPS.has(op)) {
      sites.push(p + 1);
      p += 5 + view.getInt32(p + 1);
    } else if (INT4_OPS.has(op)) {
      sites.push(p + 1);
      p += 5;
    } else {
      p += op === 0x44 ? 9 : op === 0x54 ? 17 : 1;
    }
  }
  return sites;
}

/** Execnet opcodes followed by an int4. */
export const execnetLengthHeaders = [...INT4_LENGTH_OPS, ...INT4_OPS];
/** msgpack types followed by a 32-bit length: bin32, ext32, str32, array32, map32. */
export const msgpackLengthHeaders = [0xc6, 0xc9, 0xdb, 0xdd, 0xdf];
