/**
 * Section `serializer` (TypeScript side). Encodes and decodes STANDARD_PAYLOAD and a
 * small dict with: raw msgpackr `pack`/`unpack` (module defaults, i.e. plain msgpack with
 * `useRecords: false`, as in the reference `node_limits.mjs`), our `execnetCodec`, our
 * public `dumps`/`loads` (with the version byte) and our `msgpackCodec`.
 * Payload: median of >= 5 reps and >= 1 s per direction; small dict: 100,000 calls per
 * rep, >= 3 reps and >= 0.5 s. MB/s is of each format's own encoded size.
 * Also checks round trips and the exact bytes (sha256) that Python execnet must match.
 *
 * Run alone: node --import tsx --conditions=@execnet/source tools/bench/src/sections/serializer.ts [--quick]
 */
import { createHash } from 'node:crypto';
import { dumps, execnetCodec, loads, msgpackCodec } from '@execnet/serializer';
import { isNativeAccelerationEnabled, pack, unpack } from 'msgpackr';
import { runSectionMain } from '../lib/child.js';
import { log, round, timeIt } from '../lib/measure.js';
import { firstDifference, makePayload, SMALL_DICT } from '../lib/payload.js';
import { type Check, type MeasureOptions, type SectionData } from '../lib/section.js';

/** An encoder/decoder pair under test. */
interface Subject {
  /** Key in the JSON result. */
  key: string;
  label: string;
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

const SUBJECTS: readonly Subject[] = [
  { key: 'msgpackr', label: 'raw msgpackr pack/unpack', encode: (v) => pack(v), decode: (b) => unpack(b) },
  { key: 'execnet', label: 'execnetCodec', encode: (v) => execnetCodec.encode(v), decode: (b) => execnetCodec.decode(b) },
  { key: 'dumps', label: 'dumps/loads', encode: (v) => dumps(v), decode: (b) => loads(b) },
  { key: 'msgpack', label: 'msgpackCodec', encode: (v) => msgpackCodec.encode(v), decode: (b) => msgpackCodec.decode(b) },
];

interface Sizes {
  minMs: number;
  smallK: number;
  smallMinMs: number;
}

function benchSubject(s: Subject, payload: unknown, z: Sizes): SectionData {
  const data = s.encode(payload);
  const size = data.length;
  const te = timeIt(() => s.encode(payload), 5, z.minMs);
  const td = timeIt(() => s.decode(data), 5, z.minMs);
  const small = s.encode(SMALL_DICT);
  const K = z.smallK;
  const tse = timeIt(() => { for (let i = 0; i < K; i++) s.encode(SMALL_DICT); }, 3, z.smallMinMs);
  const tsd = timeIt(() => { for (let i = 0; i < K; i++) s.decode(small); }, 3, z.smallMinMs);
  return {
    encoded_bytes: size,
    encode_ms: round(te.medianMs, 3),
    encode_MB_per_s: round(size / (te.medianMs / 1000) / 1e6, 1),
    encode_ops_per_s: round(1000 / te.medianMs, 2),
    decode_ms: round(td.medianMs, 3),
    decode_MB_per_s: round(size / (td.medianMs / 1000) / 1e6, 1),
    decode_ops_per_s: round(1000 / td.medianMs, 2),
    reps: [te.reps, td.reps],
    small_dict_encoded_bytes: small.length,
    small_dict_encode_ops_per_s: Math.round(K / (tse.medianMs / 1000)),
    small_dict_decode_ops_per_s: Math.round(K / (tsd.medianMs / 1000)),
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function correctness(payload: unknown): { checks: Check[]; wire: SectionData } {
  const checks: Check[] = [];
  for (const s of SUBJECTS) {
    const diff = firstDifference(s.decode(s.encode(payload)), payload);
    checks.push({ name: `${s.label} round trip of STANDARD_PAYLOAD`, ok: diff === undefined, detail: diff && `differs at ${diff}` });
  }
  const v1 = dumps(payload, { version: 1 });
  const v2 = dumps(payload);
  const body = execnetCodec.encode(payload);
  checks.push({ name: 'dumps writes version byte 2 by default, 1 on request', ok: v2[0] === 2 && v1[0] === 1 });
  checks.push({ name: 'dumps body = execnetCodec.encode', ok: sameBytes(v2.subarray(1), body) && sameBytes(v1.subarray(1), body) });
  const smallV1 = dumps(SMALL_DICT, { version: 1 });
  return {
    checks,
    wire: {
      dumps_v1_bytes: v1.length,
      dumps_v1_sha256: sha256(v1),
      small_dict_dumps_v1_bytes: smallV1.length,
      small_dict_dumps_v1_sha256: sha256(smallV1),
    },
  };
}

/** Measure the serializer section; see the file header for what is measured. */
export function measureSerializer({ quick }: MeasureOptions): SectionData {
  const payload = makePayload(quick ? 1000 : 10000);
  const sizes: Sizes = quick ? { minMs: 100, smallK: 10000, smallMinMs: 50 } : { minMs: 1000, smallK: 100000, smallMinMs: 500 };
  const { checks, wire } = correctness(payload);
  const out: SectionData = { payload_items: payload.length, msgpackr_native_acceleration: isNativeAccelerationEnabled, ...wire };
  for (const s of SUBJECTS) {
    log(`[bench] serializer: ${s.label} ...`);
    out[s.key] = benchSubject(s, payload, sizes);
  }
  out.checks = checks;
  return out;
}

runSectionMain(measureSerializer);
