import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { STRONG_HASH } from './protocol.js';

/** Reads up to `length` bytes at `position` into `buf`, looping over short reads. */
export function readFully(fd: number, buf: Uint8Array, length: number, position: number): number {
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** The strong hash of a whole file, read through `buf`. */
export function hashFile(path: string, buf: Uint8Array): Buffer {
  const hash = createHash(STRONG_HASH);
  const fd = openSync(path, 'r');
  try {
    for (let pos = 0; ; ) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest();
}

/** Byte-wise equality; false when either is not bytes. */
export function sameBytes(a: unknown, b: unknown): boolean {
  return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.compare(a, b) === 0;
}
