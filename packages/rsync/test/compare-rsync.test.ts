/*
 * Our sync against the real `rsync -a`: after RSync to a JavaScript worker,
 * `rsync -a --dry-run --itemize-changes --checksum SRC/ DST/` must find nothing to do
 * (content, sizes, modes, mtimes of files, directories and links, link targets, owners).
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Gateway } from '@execnet/core';
import { RSync } from '@execnet/rsync';
import { gatewayPool, rsyncDifferences, skipRsync, tempDir } from './helpers.js';

const open = gatewayPool();

/** A tree with nested and empty directories, modes, links in and out, empty and 20 MB files, unicode names. */
function generateTree(root: string, outside: string): void {
  const dirs = ['a/b/c/d/e', 'empty', 'a/b/empty too', 'naïve/ñandú', '日本語/ディレクトリ', 'ro', 'spaces in name'];
  for (const d of dirs) mkdirSync(join(root, d), { recursive: true });
  const files: Array<[string, Buffer | string, number]> = [
    ['zero', '', 0o644],
    ['a/zero too', '', 0o600],
    ['a/b/c/d/e/deep.txt', 'deep', 0o644],
    ['a/b/c/file', 'c file', 0o640],
    ['a/exec', '#!/bin/sh\necho hi\n', 0o755],
    ['a/readonly', 'ro', 0o444],
    ['big/twenty-mb.bin', randomBytes(20 * 1000 * 1000), 0o644],
    ['mid.bin', randomBytes(700 * 1024), 0o600],
    ['naïve/ñandú/café.txt', 'café', 0o644],
    ['日本語/ファイル.txt', 'こんにちは', 0o644],
    ['日本語/ディレクトリ/🙂 emoji.bin', randomBytes(3000), 0o644],
    ['spaces in name/a b c', 'abc', 0o644],
    ['ro/inside', 'in a read-only directory', 0o644],
  ];
  for (const [rel, content, mode] of files) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), content);
    chmodSync(join(root, rel), mode);
  }
  symlinkSync('b/c/file', join(root, 'a/link-inside'));
  symlinkSync('../a/b', join(root, 'empty-sibling-link'));
  symlinkSync(join(outside, 'target'), join(root, 'a/link-outside-absolute'));
  symlinkSync('../../../outside-relative', join(root, 'a/b/link-outside-relative'));
  symlinkSync('nowhere', join(root, 'dangling'));
  utimesSync(join(root, 'a/b/c/file'), 1_234_567_890.987654, 1_234_567_890.987654);
  utimesSync(join(root, 'zero'), 0, 0);
  chmodSync(join(root, 'a/b'), 0o750);
  chmodSync(join(root, 'empty'), 0o700);
  chmodSync(join(root, 'ro'), 0o555);
}

/** A temporary folder with `src` (the generated tree), the target `outside` of its links, and room for `dst`. */
function sourceTree(): { src: string; dst: string } {
  const t = tempDir();
  const src = join(t, 'src');
  mkdirSync(join(t, 'outside'));
  writeFileSync(join(t, 'outside', 'target'), 'outside');
  mkdirSync(src);
  generateTree(src, join(t, 'outside'));
  return { src, dst: join(t, 'dst') };
}

describe('RSync compared with rsync -a', { skip: skipRsync() }, () => {
  let gw: Gateway;
  before(async () => {
    gw = await open();
  });

  it('leaves nothing for rsync to do, after a full copy and after changes with delete', async () => {
    const { src, dst } = sourceTree();
    try {
      await new RSync(src, { verbose: false }).addTarget(gw, dst).send();
      assert.deepEqual(rsyncDifferences(src, dst), []);

      // Changes of every kind: content (same size, other size), mtime only, modes, kinds, removals.
      writeFileSync(join(src, 'a/b/c/file'), 'C FILE');
      utimesSync(join(src, 'a/b/c/file'), 1_234_567_999, 1_234_567_999);
      writeFileSync(join(src, 'mid.bin'), randomBytes(900 * 1024));
      utimesSync(join(src, 'a/exec'), 1_500_000_000.5, 1_500_000_000.5);
      chmodSync(join(src, 'a/readonly'), 0o400);
      chmodSync(join(src, 'a/b'), 0o755);
      rmSync(join(src, 'spaces in name'), { recursive: true });
      unlinkSync(join(src, 'dangling'));
      mkdirSync(join(src, 'dangling'));
      writeFileSync(join(src, 'dangling', 'now a dir'), '');
      unlinkSync(join(src, 'a/link-inside'));
      symlinkSync('exec', join(src, 'a/link-inside'));
      writeFileSync(join(src, 'new file'), 'new');
      const big = join(src, 'big/twenty-mb.bin');
      const content = randomBytes(20 * 1000 * 1000);
      writeFileSync(big, content);

      await new RSync(src, { verbose: false }).addTarget(gw, dst, { delete: true }).send();
      assert.deepEqual(rsyncDifferences(src, dst), []);
    } finally {
      chmodSync(join(src, 'ro'), 0o755);
      chmodSync(join(dst, 'ro'), 0o755);
    }
  });

  it('finds nothing to do in a copy rsync made', async () => {
    const { src, dst } = sourceTree();
    try {
      mkdirSync(dst);
      assert.equal(spawnSync('rsync', ['-a', `${src}/`, `${dst}/`]).status, 0);
      const report = await new RSync(src, { verbose: false }).addTarget(gw, dst).send();
      // rsync copies file times to the nanosecond, but leaves a directory's or link's time alone
      // when the whole second matches; we set those to the microsecond. No content is sent.
      const files = new Set(['zero', 'a/zero too', 'a/b/c/file', 'mid.bin', 'big/twenty-mb.bin', 'a/exec']);
      for (const change of report.targets[0]!.changes) {
        assert.equal(change.action, 'attrs', JSON.stringify(change));
        assert.ok(!files.has(change.path), JSON.stringify(change));
      }
      assert.equal(report.targets[0]!.literalBytes, 0);
      assert.deepEqual(rsyncDifferences(src, dst), []);
    } finally {
      chmodSync(join(src, 'ro'), 0o755);
      chmodSync(join(dst, 'ro'), 0o755);
    }
  });
});
