/*
 * Delta transfer: the rolling-checksum delta against block signatures (white-box), and a
 * changed 64 MiB file synced to a JavaScript worker with less than 1 MiB of file data sent.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Gateway } from '@execnet/core';
import { RSync, type ProgressEvent } from '@execnet/rsync';
import { blockSizeFor, computeDelta, parseSignature, weakSum, type Signature } from '../src/delta.js';
import { CHUNK_SIZE } from '../src/protocol.js';
import { gatewayPool, tempDir } from './helpers.js';

/** The signature a worker makes of its old file (remote-js.ts does the same, reading the file). */
function sign(old: Buffer, blockSize: number): Signature {
  const count = Math.floor(old.length / blockSize);
  const weak = Buffer.alloc(count * 4);
  const strong = Buffer.alloc(count * 16);
  for (let i = 0; i < count; i++) {
    weak.writeInt32LE(weakSum(old, i * blockSize, (i + 1) * blockSize), i * 4);
    createHash('md5').update(old.subarray(i * blockSize, (i + 1) * blockSize)).digest().copy(strong, i * 16);
  }
  return parseSignature([blockSize, weak, strong]);
}

/** Runs the delta of `next` against `old` and rebuilds `next` from it, as the worker does. */
async function roundTrip(old: Buffer, next: Buffer, blockSize = 2048) {
  const t = tempDir();
  const file = join(t, 'next');
  writeFileSync(file, next);
  const ops: Array<Buffer | [number, number]> = [];
  const fd = openSync(file, 'r');
  let result;
  try {
    result = await computeDelta(fd, next.length, sign(old, blockSize), {
      literal: (bytes) => void ops.push(Buffer.from(bytes)),
      copy: (offset, length) => void ops.push([offset, length]),
    });
  } finally {
    closeSync(fd);
  }
  const rebuilt = Buffer.concat(ops.map((op) => (Buffer.isBuffer(op) ? op : old.subarray(op[0], op[0] + op[1]))));
  assert.ok(rebuilt.equals(next), 'rebuilt content equals the new file');
  assert.ok(result.md5.equals(createHash('md5').update(next).digest()));
  assert.equal(result.literalBytes + result.matchedBytes, next.length);
  return { ...result, ops };
}

describe('computeDelta', () => {
  const old = randomBytes(200_000);

  it('an unchanged file is one copy of itself', async () => {
    const r = await roundTrip(old, Buffer.from(old));
    assert.equal(r.literalBytes, old.length % 2048);
    assert.deepEqual(r.ops[0], [0, Math.floor(old.length / 2048) * 2048]);
  });

  it('an insertion, a deletion and an overwrite cost about a block each', async () => {
    const changed = Buffer.concat([old.subarray(0, 50_000), randomBytes(100), old.subarray(50_000, 120_000), old.subarray(121_000)]);
    changed.fill(7, 150_000, 150_010);
    const r = await roundTrip(old, changed);
    assert.ok(r.literalBytes < 100 + 3 * 2048 + 2048 + old.length % 2048, `literal ${r.literalBytes}`);
  });

  it('prepended and appended data', async () => {
    const r = await roundTrip(old, Buffer.concat([randomBytes(333), old, randomBytes(4444)]));
    assert.ok(r.literalBytes <= 333 + 4444 + 2048, `literal ${r.literalBytes}`);
  });

  it('unrelated content is all literal, in bounded runs', async () => {
    const next = randomBytes(1_000_000);
    const r = await roundTrip(old, next);
    assert.equal(r.literalBytes, next.length);
    for (const op of r.ops) assert.ok(Buffer.isBuffer(op) && op.length <= CHUNK_SIZE);
  });

  it('files smaller than a block, empty files, and an empty signature', async () => {
    await roundTrip(old, Buffer.from('tiny'));
    await roundTrip(old, Buffer.alloc(0));
    await roundTrip(Buffer.alloc(0), randomBytes(10_000));
  });

  it('repeated blocks map onto themselves, so an unchanged file stays one copy', async () => {
    const zeros = Buffer.alloc(100 * 2048);
    const r = await roundTrip(zeros, Buffer.from(zeros));
    assert.deepEqual(r.ops, [[0, zeros.length]]);
  });

  it('picks block sizes near the square root, within 2 KiB..128 KiB', () => {
    assert.equal(blockSizeFor(0), 2048);
    assert.equal(blockSizeFor(64 * 1024 * 1024), 8192);
    assert.equal(blockSizeFor(1024 ** 3), 32768);
    assert.equal(blockSizeFor(1024 ** 4), 128 * 1024);
  });
});

describe('delta transfer to a JavaScript worker', () => {
  const open = gatewayPool();
  let gw: Gateway;
  before(async () => {
    gw = await open();
  });

  it('a 64 MiB file with 1 KiB changed in the middle sends less than 1 MiB', async () => {
    const t = tempDir();
    const src = join(t, 'src');
    const dst = join(t, 'dst');
    mkdirSync(src);
    const file = join(src, 'big.bin');
    const content = randomBytes(64 * 1024 * 1024);
    writeFileSync(file, content);
    await new RSync(src, { verbose: false }).addTarget(gw, dst).send();

    randomBytes(1024).copy(content, 32 * 1024 * 1024 + 123);
    writeFileSync(file, content);
    utimesSync(file, statSync(file).mtime.getTime() / 1000 + 10, statSync(file).mtime.getTime() / 1000 + 10);
    const events: ProgressEvent[] = [];
    const report = await new RSync(src, { verbose: false, onProgress: (e) => events.push(e) }).addTarget(gw, dst).send();
    const target = report.targets[0]!;
    assert.ok(target.literalBytes < 1024 * 1024, `literal bytes ${target.literalBytes}`);
    assert.ok(events.at(-1)!.literalBytes < 1024 * 1024);
    assert.equal(events.at(-1)!.bytesDone, 64 * 1024 * 1024);
    assert.ok(target.matchedBytes > 63 * 1024 * 1024);
    assert.deepEqual(target.changes.filter((c) => c.path === 'big.bin'), [{ path: 'big.bin', action: 'update' }]);
    assert.ok(readFileSync(join(dst, 'big.bin')).equals(content));
    assert.equal(statSync(join(dst, 'big.bin')).mtimeMs, statSync(file).mtimeMs);
  });

  it('an insertion shifts the rest, which is still found; a touched file is not rewritten', async () => {
    const t = tempDir();
    const src = join(t, 'src');
    const dst = join(t, 'dst');
    mkdirSync(src);
    const file = join(src, 'f.bin');
    const content = randomBytes(8 * 1024 * 1024);
    writeFileSync(file, content);
    await new RSync(src, { verbose: false }).addTarget(gw, dst).send();

    const shifted = Buffer.concat([content.subarray(0, 3_000_001), randomBytes(1000), content.subarray(3_000_001)]);
    writeFileSync(file, shifted);
    let report = await new RSync(src, { verbose: false }).addTarget(gw, dst).send();
    assert.ok(report.targets[0]!.literalBytes < 64 * 1024, `literal bytes ${report.targets[0]!.literalBytes}`);
    assert.ok(readFileSync(join(dst, 'f.bin')).equals(shifted));

    const inode = statSync(join(dst, 'f.bin')).ino;
    utimesSync(file, 2_000_000_000, 2_000_000_000);
    report = await new RSync(src, { verbose: false }).addTarget(gw, dst).send();
    assert.deepEqual(report.targets[0]!.changes.filter((c) => c.path === 'f.bin'), [{ path: 'f.bin', action: 'attrs' }]);
    assert.ok(report.targets[0]!.literalBytes < blockSizeFor(shifted.length), 'at most the last, partial block');
    assert.equal(statSync(join(dst, 'f.bin')).ino, inode);
    assert.equal(statSync(join(dst, 'f.bin')).mtimeMs, 2_000_000_000_000);
  });
});
