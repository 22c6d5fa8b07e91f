/**
 * Report definition of section `serializer`: which figures and ratios to print, and the
 * byte-compatibility checks against Python execnet. Measurement: `serializer.ts` and
 * `sec_serializer` in `python/py_bench.py`. Targets from the baseline RESULTS.md.
 */
import {
  atLeast, atLeastX, type Check, num, ratioRow, type Row, type SectionData, type SectionDef, str, vsPython,
} from '../lib/section.js';

/** Target for the execnet codec relative to raw msgpackr (≥ 50% of msgpackr). */
const VS_MSGPACKR = atLeastX(0.5);
/** Target for the execnet codec relative to Python execnet's dumps/loads. */
const VS_PYTHON = atLeastX(5);
/** Target for small-dict ops/s, each way. */
const SMALL_OPS = atLeast(2_000_000);

function rows(ts: SectionData | undefined, py: SectionData | undefined): Row[] {
  const t = (k: string): number | undefined => num(ts, k);
  const p = (k: string): number | undefined => num(py, k);
  const payload = 'STANDARD_PAYLOAD';
  return [
    vsPython(`execnet codec encode, ${payload}`, 'payloads/s', t('execnet.encode_ops_per_s'), p('dumps_ops_per_s'), VS_PYTHON),
    vsPython(`execnet codec decode, ${payload}`, 'payloads/s', t('execnet.decode_ops_per_s'), p('loads_ops_per_s'), VS_PYTHON),
    vsPython('execnet codec encode', 'MB/s', t('execnet.encode_MB_per_s'), p('dumps_MB_per_s')),
    vsPython('execnet codec decode', 'MB/s', t('execnet.decode_MB_per_s'), p('loads_MB_per_s')),
    vsPython('dumps (with version byte)', 'payloads/s', t('dumps.encode_ops_per_s'), p('dumps_ops_per_s')),
    vsPython('loads (with version byte)', 'payloads/s', t('dumps.decode_ops_per_s'), p('loads_ops_per_s')),
    vsPython('msgpack codec encode', 'payloads/s', t('msgpack.encode_ops_per_s'), p('dumps_ops_per_s')),
    vsPython('msgpack codec decode', 'payloads/s', t('msgpack.decode_ops_per_s'), p('loads_ops_per_s')),
    vsPython('raw msgpackr pack', 'payloads/s', t('msgpackr.encode_ops_per_s'), p('dumps_ops_per_s')),
    vsPython('raw msgpackr unpack', 'payloads/s', t('msgpackr.decode_ops_per_s'), p('loads_ops_per_s')),
    ratioRow('execnet codec encode ÷ raw msgpackr pack (payloads/s)', t('execnet.encode_ops_per_s'), t('msgpackr.encode_ops_per_s'), VS_MSGPACKR),
    ratioRow('execnet codec decode ÷ raw msgpackr unpack (payloads/s)', t('execnet.decode_ops_per_s'), t('msgpackr.decode_ops_per_s'), VS_MSGPACKR),
    ratioRow('msgpack codec encode ÷ execnet codec encode', t('msgpack.encode_ops_per_s'), t('execnet.encode_ops_per_s')),
    ratioRow('msgpack codec decode ÷ execnet codec decode', t('msgpack.decode_ops_per_s'), t('execnet.decode_ops_per_s')),
    vsPython('small dict encode, execnet codec', 'ops/s', t('execnet.small_dict_encode_ops_per_s'), p('small_dict_dumps_ops_per_s'), SMALL_OPS),
    vsPython('small dict decode, execnet codec', 'ops/s', t('execnet.small_dict_decode_ops_per_s'), p('small_dict_loads_ops_per_s'), SMALL_OPS),
    vsPython('small dict dumps', 'ops/s', t('dumps.small_dict_encode_ops_per_s'), p('small_dict_dumps_ops_per_s')),
    vsPython('small dict loads', 'ops/s', t('dumps.small_dict_decode_ops_per_s'), p('small_dict_loads_ops_per_s')),
    vsPython('small dict encode, msgpack codec', 'ops/s', t('msgpack.small_dict_encode_ops_per_s'), p('small_dict_dumps_ops_per_s')),
    vsPython('small dict decode, msgpack codec', 'ops/s', t('msgpack.small_dict_decode_ops_per_s'), p('small_dict_loads_ops_per_s')),
    vsPython('small dict pack, raw msgpackr', 'ops/s', t('msgpackr.small_dict_encode_ops_per_s'), p('small_dict_dumps_ops_per_s')),
    vsPython('small dict unpack, raw msgpackr', 'ops/s', t('msgpackr.small_dict_decode_ops_per_s'), p('small_dict_loads_ops_per_s')),
    vsPython(`${payload} size, dumps`, 'bytes', t('dumps.encoded_bytes'), p('encoded_bytes')),
    vsPython(`${payload} size, msgpack codec`, 'bytes', t('msgpack.encoded_bytes'), p('encoded_bytes')),
    vsPython(`${payload} size, raw msgpackr`, 'bytes', t('msgpackr.encoded_bytes'), p('encoded_bytes')),
    vsPython('peak RSS of the section process', 'MiB', t('max_rss_MiB'), p('section_peak_rss_MiB')),
  ];
}

/** Compare `<prefix>_sha256` / `<prefix>_bytes` of both sides. */
function sameAsPython(name: string, ts: SectionData | undefined, py: SectionData | undefined, prefix: string): Check {
  const a = str(ts, `${prefix}_sha256`);
  const b = str(py, `${prefix}_sha256`);
  if (a === undefined || b === undefined) return { name, ok: null, detail: `${a === undefined ? 'TS' : 'Python'} side missing` };
  const la = num(ts, `${prefix}_bytes`);
  const lb = num(py, `${prefix}_bytes`);
  return a === b ? { name, ok: true, detail: `${la} bytes` } : { name, ok: false, detail: `sha256 differs; ${la} vs ${lb} bytes` };
}

function checks(ts: SectionData | undefined, py: SectionData | undefined): Check[] {
  const payloadItems = [num(ts, 'payload_items'), num(py, 'payload_items')];
  if (payloadItems[0] !== undefined && payloadItems[1] !== undefined && payloadItems[0] !== payloadItems[1]) {
    return [{ name: 'same payload on both sides', ok: false, detail: `${payloadItems[0]} vs ${payloadItems[1]} items` }];
  }
  return [
    sameAsPython('dumps(STANDARD_PAYLOAD, { version: 1 }) is byte-identical to Python execnet.dumps', ts, py, 'dumps_v1'),
    sameAsPython('dumps(small dict, { version: 1 }) is byte-identical to Python execnet.dumps', ts, py, 'small_dict_dumps_v1'),
  ];
}

/** The `serializer` section. */
export const serializerSection: SectionDef = {
  name: 'serializer',
  title: 'encode/decode throughput, STANDARD_PAYLOAD and a small dict',
  python: 'serializer',
  rows,
  checks,
};
