import { createHash, type Hash } from 'node:crypto';
import { readSync } from 'node:fs';
import { CHUNK_SIZE, STRONG_HASH, STRONG_HASH_LENGTH, type WireSignature } from './protocol.js';

/**
 * The weak checksum of `buf[start, end)`, as rsync's: `a` is the sum of the bytes and `b` the
 * sum of the running sums `a`, both mod 2^16, packed as `(b << 16) | a` (an int32).
 *
 * This function is also shipped to JavaScript workers as its source text (remote-js.ts), so
 * it must stay self-contained.
 */
export function weakSum(buf: Uint8Array, start: number, end: number): number {
  let a = 0;
  let b = 0;
  for (let i = start; i < end; i++) {
    a = (a + (buf[i] as number)) | 0;
    b = (b + a) | 0;
  }
  return ((b & 0xffff) << 16) | (a & 0xffff);
}

/** Block size for a file of `size` bytes: about its square root, as rsync picks it. */
export function blockSizeFor(size: number): number {
  const root = Math.ceil(Math.sqrt(size) / 64) * 64;
  return Math.min(128 * 1024, Math.max(2048, root));
}

/** A target's block signature: weak and strong checksums of each full block of its old file. */
export interface Signature {
  blockSize: number;
  /** Weak checksum of block i. */
  weak: Int32Array;
  /** Strong hash of block i at `i * STRONG_HASH_LENGTH`. */
  strong: Uint8Array;
}

/** Reads a signature from its wire form, checking its shape. */
export function parseSignature(wire: unknown): Signature {
  if (!Array.isArray(wire) || wire.length !== 3) throw new TypeError('bad signature');
  const [blockSize, weakBytes, strong] = wire as WireSignature;
  if (!(weakBytes instanceof Uint8Array) || !(strong instanceof Uint8Array) || !(blockSize > 0)) throw new TypeError('bad signature');
  const count = weakBytes.byteLength / 4;
  if (!Number.isInteger(count) || strong.byteLength !== count * STRONG_HASH_LENGTH) throw new TypeError('bad signature size');
  const weak = new Int32Array(count);
  const view = new DataView(weakBytes.buffer, weakBytes.byteOffset, weakBytes.byteLength);
  for (let i = 0; i < count; i++) weak[i] = view.getInt32(i * 4, true);
  return { blockSize, weak, strong };
}

/** Receives the delta as it is computed; each call may wait (flow control). */
export interface DeltaSink {
  /** Bytes present only in the new file. The view is valid during the call only. */
  literal(bytes: Uint8Array): Promise<void> | void;
  /** `length` bytes at `offset` of the target's old file. */
  copy(offset: number, length: number): Promise<void> | void;
  /** Called after each read of the new file with the bytes read so far. */
  progress?(position: number): void;
}

/** What {@link computeDelta} found. */
export interface DeltaResult {
  /** md5 of the whole new file, for the target to verify its reconstruction. */
  md5: Buffer;
  literalBytes: number;
  matchedBytes: number;
}

/** Hash table of weak checksums: head per bucket, chain through `next`. */
interface WeakIndex {
  head: Int32Array;
  next: Int32Array;
  shift: number;
}

function buildIndex(weak: Int32Array): WeakIndex {
  let bits = 4;
  while (1 << bits < weak.length * 2) bits++;
  const head = new Int32Array(1 << bits).fill(-1);
  const next = new Int32Array(weak.length);
  const shift = 32 - bits;
  // Later blocks first in each chain is fine; earlier ones are added last so they are found first.
  for (let i = weak.length - 1; i >= 0; i--) {
    const h = Math.imul(weak[i] as number, 0x9e3779b1) >>> shift;
    next[i] = head[h] as number;
    head[h] = i;
  }
  return { head, next, shift };
}

/**
 * Rolls the weak checksum from window start `i` forward until a window whose checksum is in
 * the index, or until window `limit` was checked. Returns the window start of the hit, or -1;
 * `state` carries `a`, `b` in and out. The hot loop of the delta: kept small and monomorphic.
 */
function scan(buf: Uint8Array, i: number, limit: number, n: number, state: Int32Array, index: WeakIndex, weak: Int32Array): number {
  let a = state[0] as number;
  let b = state[1] as number;
  const { head, next, shift } = index;
  for (;;) {
    const w = (b << 16) | a;
    let j = head[Math.imul(w, 0x9e3779b1) >>> shift] as number;
    while (j >= 0) {
      if (weak[j] === w) {
        state[0] = a;
        state[1] = b;
        return i;
      }
      j = next[j] as number;
    }
    if (i >= limit) {
      state[0] = a;
      state[1] = b;
      return -1;
    }
    const out = buf[i] as number;
    a = (a - out + (buf[i + n] as number)) & 0xffff;
    b = (b - Math.imul(n, out) + a) & 0xffff;
    i++;
  }
}

/**
 * Computes the delta of the file open at `fd` (`size` bytes) against a target's signature,
 * reading it once through a bounded window. Matching blocks become `copy` calls (adjacent ones
 * merged), everything else `literal` runs of at most CHUNK_SIZE bytes.
 * @throws {Error} the file shrank while it was read
 */
export async function computeDelta(fd: number, size: number, sig: Signature, sink: DeltaSink): Promise<DeltaResult> {
  const n = sig.blockSize;
  const { weak, strong } = sig;
  const hash: Hash = createHash(STRONG_HASH);
  const literalMax = CHUNK_SIZE;
  const readSize = Math.max(CHUNK_SIZE, n * 4);
  const buf = Buffer.allocUnsafe(literalMax + n + readSize);
  let bufStart = 0; // file offset of buf[0]
  let bufEnd = 0; // file offset just past the buffered data
  let literalBytes = 0;
  let matchedBytes = 0;
  let copyOffset = -1;
  let copyLength = 0;
  let lit = 0; // start of the pending literal run
  let p = 0; // start of the current window

  const refill = (): void => {
    // Keep the pending literal and the window; read as much as fits after them.
    if (lit > bufStart) {
      buf.copy(buf, 0, lit - bufStart, bufEnd - bufStart);
      bufStart = lit;
    }
    while (bufEnd < size && bufEnd - bufStart < buf.length) {
      const want = Math.min(buf.length - (bufEnd - bufStart), size - bufEnd);
      const got = readSync(fd, buf, bufEnd - bufStart, want, bufEnd);
      if (got === 0) throw new Error(`file shrank while it was read (${bufEnd} of ${size} bytes)`);
      hash.update(buf.subarray(bufEnd - bufStart, bufEnd - bufStart + got));
      bufEnd += got;
      if (bufEnd - bufStart >= literalMax + n + CHUNK_SIZE / 2) break;
    }
    sink.progress?.(bufEnd);
  };
  const flushCopy = async (): Promise<void> => {
    if (copyLength === 0) return;
    const [offset, length] = [copyOffset, copyLength];
    copyLength = 0;
    await sink.copy(offset, length);
  };
  const flushLiteral = async (end: number): Promise<void> => {
    if (end <= lit) return;
    await flushCopy();
    literalBytes += end - lit;
    await sink.literal(buf.subarray(lit - bufStart, end - bufStart));
    lit = end;
  };

  if (weak.length > 0 && size >= n) {
    const index = buildIndex(weak);
    const state = new Int32Array(2);
    let fresh = true;
    refill();
    for (;;) {
      if (fresh) {
        if (p + n > size) break;
        if (p + n > bufEnd) refill();
        const w = weakSum(buf, p - bufStart, p - bufStart + n);
        state[0] = w & 0xffff;
        state[1] = (w >>> 16) & 0xffff;
        fresh = false;
      }
      const limit = Math.min(bufEnd - n, lit + literalMax);
      const hit = scan(buf, p - bufStart, limit - bufStart, n, state, index, weak);
      if (hit >= 0) {
        p = hit + bufStart;
        const block = matchBlock(buf, hit, n, p, weak, strong, (state[1]! << 16) | state[0]!, index);
        if (block >= 0) {
          await flushLiteral(p);
          if (copyLength > 0 && copyOffset + copyLength === block * n) copyLength += n;
          else {
            await flushCopy();
            copyOffset = block * n;
            copyLength = n;
          }
          matchedBytes += n;
          p += n;
          lit = p;
          fresh = true;
          continue;
        }
      } else {
        p = limit;
      }
      // Advance one byte past a window with no match.
      if (p + n >= size) break;
      if (p - lit >= literalMax) await flushLiteral(p);
      if (p + n >= bufEnd) refill();
      const out = buf[p - bufStart] as number;
      const a = ((state[0] as number) - out + (buf[p - bufStart + n] as number)) & 0xffff;
      state[0] = a;
      state[1] = ((state[1] as number) - Math.imul(n, out) + a) & 0xffff;
      p++;
    }
  }
  // The tail: whatever follows the last match, in literal runs.
  for (;;) {
    if (bufEnd < size && bufEnd - lit < literalMax) refill();
    const end = Math.min(bufEnd, lit + literalMax);
    if (end <= lit) break;
    await flushLiteral(end);
  }
  await flushCopy();
  return { md5: hash.digest(), literalBytes, matchedBytes };
}

/**
 * The block whose weak and strong checksums match the window at buffer index `at`, or -1.
 * Prefers the block at the window's own offset, so an unchanged file maps onto itself.
 */
function matchBlock(buf: Buffer, at: number, n: number, fileOffset: number, weak: Int32Array, strong: Uint8Array, w: number, index: WeakIndex): number {
  const digest = createHash(STRONG_HASH).update(buf.subarray(at, at + n)).digest();
  const equal = (j: number): boolean => {
    const base = j * STRONG_HASH_LENGTH;
    for (let k = 0; k < STRONG_HASH_LENGTH; k++) if (strong[base + k] !== digest[k]) return false;
    return true;
  };
  const aligned = fileOffset % n === 0 ? fileOffset / n : -1;
  if (aligned >= 0 && aligned < weak.length && weak[aligned] === w && equal(aligned)) return aligned;
  for (let j = index.head[Math.imul(w, 0x9e3779b1) >>> index.shift] as number; j >= 0; j = index.next[j] as number) {
    if (weak[j] === w && equal(j)) return j;
  }
  return -1;
}
