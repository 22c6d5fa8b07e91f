/** UTF-8 helpers tuned for the many short strings of typical payloads. */

const encoder = new TextEncoder();
const fatalDecoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Writes `s` as UTF-8 into `buf` at `pos`, assuming enough room (3 bytes per UTF-16 unit).
 * Returns the number of bytes written, or -1 if `s` holds a lone surrogate (not UTF-8 encodable).
 */
export function writeUtf8(s: string, buf: Uint8Array, pos: number): number {
  const n = s.length;
  if (n < 48) {
    let p = pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        buf[p++] = c;
      } else {
        return writeUtf8Slow(s, buf, pos);
      }
    }
    return p - pos;
  }
  return writeUtf8Slow(s, buf, pos);
}

function writeUtf8Slow(s: string, buf: Uint8Array, pos: number): number {
  if (!isWellFormed(s)) return -1;
  return encoder.encodeInto(s, buf.subarray(pos)).written;
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** False for a string holding a lone surrogate (not encodable as UTF-8). */
export function isWellFormed(s: string): boolean {
  const native = (s as { isWellFormed?: () => boolean }).isWellFormed;
  return native ? native.call(s) : !loneSurrogate.test(s);
}

/** Decodes UTF-8, returning `undefined` when the bytes are not valid UTF-8. */
export function readUtf8(buf: Uint8Array, start: number, end: number): string | undefined {
  const n = end - start;
  if (n < 64) {
    for (let i = start; i < end; i++) if ((buf[i] as number) >= 0x80) return readUtf8Slow(buf, start, end);
    if (n < 8) {
      let out = '';
      for (let i = start; i < end; i++) out += String.fromCharCode(buf[i] as number);
      return out;
    }
    // ASCII: latin-1 gives the same characters, and Node's native slice is fast.
    if (latin1Slice) return latin1Slice.call(buf, start, end);
    return String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
  }
  return readUtf8Slow(buf, start, end);
}

const latin1Slice = (globalThis as { Buffer?: { prototype: { latin1Slice?: (this: Uint8Array, start: number, end: number) => string } } }).Buffer
  ?.prototype.latin1Slice;

function readUtf8Slow(buf: Uint8Array, start: number, end: number): string | undefined {
  try {
    return fatalDecoder.decode(buf.subarray(start, end));
  } catch {
    return undefined;
  }
}

/** Decodes bytes as latin-1 (Python 2 `str` read as text). */
export function readLatin1(buf: Uint8Array, start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; i += 4096) {
    out += String.fromCharCode.apply(null, Array.from(buf.subarray(i, Math.min(end, i + 4096))));
  }
  return out;
}
