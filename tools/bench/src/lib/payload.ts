/**
 * Benchmark inputs, mirrored exactly from the reference `py_execnet_bench.py`
 * (`make_payload`, `SMALL_DICT`) and from `python/py_bench.py`.
 */

/** One element of {@link makePayload}. */
export interface PayloadItem {
  id: number;
  name: string;
  tags: string[];
  score: number;
  ok: boolean;
  blob: Uint8Array;
}

/**
 * STANDARD_PAYLOAD: `n` dicts (10,000 by default), about 1.68 MB in execnet's format.
 * Python: `{"id": i, "name": "user-%05d" % i, "tags": ["alpha", "tag-%d" % (i % 10)],
 * "score": i * 0.5 + 0.25, "ok": i % 2 == 0, "blob": bytes((i + k) % 256 for k in range(32))}`.
 */
export function makePayload(n = 10000): PayloadItem[] {
  const out = new Array<PayloadItem>(n);
  for (let i = 0; i < n; i++) {
    const blob = new Uint8Array(32);
    for (let k = 0; k < 32; k++) blob[k] = (i + k) % 256;
    out[i] = {
      id: i,
      name: 'user-' + String(i).padStart(5, '0'),
      tags: ['alpha', 'tag-' + (i % 10)],
      score: i * 0.5 + 0.25,
      ok: i % 2 === 0,
      blob,
    };
  }
  return out;
}

/** The small dict used for per-item serializer costs: Python `{"id": 12345, "name": "x"}`. */
export const SMALL_DICT: Readonly<{ id: number; name: string }> = Object.freeze({ id: 12345, name: 'x' });

/**
 * Structural equality for decoded values: arrays, plain objects, byte arrays
 * (any `Uint8Array`, Buffer included) and primitives (compared with `Object.is`).
 * Returns the path of the first difference, or `undefined` when equal.
 */
export function firstDifference(a: unknown, b: unknown, path = '$'): string | undefined {
  if (Object.is(a, b)) return undefined;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    if (a.length !== b.length) return path + ' (byte length)';
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `${path}[${i}]`;
    return undefined;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return path + ' (length)';
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.length !== kb.length) return path + ' (keys)';
    for (const k of ka) {
      if (!Object.prototype.hasOwnProperty.call(b, k)) return `${path}.${k} (missing)`;
      const d = firstDifference(a[k], b[k], `${path}.${k}`);
      if (d) return d;
    }
    return undefined;
  }
  return path;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object') return false;
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}
