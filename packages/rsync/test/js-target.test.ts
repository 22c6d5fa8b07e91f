/*
 * What the JavaScript protocol adds to execnet's RSync: exact modes and mtimes, empty
 * directories, symlinks, delete, filters, dry-run, progress, fan-out, and bad input.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Gateway } from '@execnet/core';
import {
  DestinationError,
  RemoteFileError,
  RSync,
  SourceError,
  SpecialFileError,
  SyncError,
  TargetError,
  UnreadableFileError,
  VanishedFileError,
  type ProgressEvent,
} from '@execnet/rsync';
import { gatewayPool, tempDir } from './helpers.js';

const open = gatewayPool();

/** Modes, mtimes (ns) and kinds of every entry under `root`, by relative path. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (rel: string) => {
    const path = rel ? join(root, rel) : root;
    const st = lstatSync(path, { bigint: true });
    const kind = st.isDirectory() ? 'd' : st.isSymbolicLink() ? `l:${readlinkSync(path)}` : `f:${st.size}`;
    out[rel || '.'] = `${kind} ${(Number(st.mode) & 0o7777).toString(8)} ${st.mtimeNs / 1000n}`;
    if (st.isDirectory()) for (const name of readdirSync(path).sort()) visit(rel ? `${rel}/${name}` : name);
  };
  visit('');
  return out;
}

/** A source tree with a bit of everything. */
function makeSource(root: string): void {
  mkdirSync(join(root, 'a', 'b', 'c'), { recursive: true });
  mkdirSync(join(root, 'empty'));
  mkdirSync(join(root, 'locked'));
  writeFileSync(join(root, 'locked', 'inside'), 'secret');
  writeFileSync(join(root, 'top.txt'), 'top');
  writeFileSync(join(root, 'a', 'zero'), '');
  writeFileSync(join(root, 'a', 'b', 'c', 'deep.bin'), Buffer.alloc(300_000, 3));
  writeFileSync(join(root, 'exec.sh'), '#!/bin/sh\n');
  chmodSync(join(root, 'exec.sh'), 0o755);
  writeFileSync(join(root, 'private'), 'p');
  chmodSync(join(root, 'private'), 0o600);
  symlinkSync('top.txt', join(root, 'rel-link'));
  symlinkSync('/etc/hostname', join(root, 'outside-link'));
  symlinkSync('does/not/exist', join(root, 'dangling'));
  // Times with sub-microsecond digits, which a JavaScript worker keeps to the microsecond.
  utimesSync(join(root, 'top.txt'), 1_600_000_000.123456, 1_600_000_000.123456);
  chmodSync(join(root, 'locked'), 0o555);
  chmodSync(join(root, 'a', 'b'), 0o711);
}

describe('RSync to a JavaScript worker', () => {
  let gw: Gateway;
  before(async () => {
    gw = await open();
  });

  it('copies modes, mtimes (to the microsecond), empty directories and symlinks exactly', async () => {
    const t = tempDir();
    const src = join(t, 'src');
    const dst = join(t, 'dst');
    mkdirSync(src);
    makeSource(src);
    const report = await new RSync(src, { verbose: false }).addTarget(gw, dst).send();
    assert.deepEqual(snapshot(dst), snapshot(src));
    assert.equal(report.targets[0]?.protocol, 'js');
    assert.equal(readFileSync(join(dst, 'locked', 'inside'), 'utf8'), 'secret');
    assert.equal(readlinkSync(join(dst, 'outside-link')), '/etc/hostname');
    // A second send finds nothing to do.
    const again = await new RSync(src, { verbose: false }).addTarget(gw, dst).send();
    assert.deepEqual(again.targets[0]?.changes, []);
    assert.equal(again.targets[0]?.filesRequested, 0);
    chmodSync(join(src, 'locked'), 0o755);
    chmodSync(join(dst, 'locked'), 0o755);
  });

  it('reports what it changed, and re-syncs a mode or mtime change without sending data', async () => {
    const t = tempDir();
    const src = join(t, 'src');
    const dst = join(t, 'dst');
    mkdirSync(src);
    writeFileSync(join(src, 'f'), 'data');
    await new RSync(src, { verbose: false }).addTarget(gw, dst).send();
    chmodSync(join(src, 'f'), 0o640);
    utimesSync(join(src, 'f'), 1_000_000, 1_000_000);
    const report = await new RSync(src, { verbose: false }).addTarget(gw, dst).send();
    const target = report.targets[0]!;
    assert.deepEqual(target.changes.filter((c) => c.path === 'f'), [{ path: 'f', action: 'attrs' }]);
    assert.equal(target.literalBytes, 0);
    assert.deepEqual(snapshot(dst), snapshot(src));
  });

  it('delete removes what the source lacks and replaces entries of another kind', async () => {
    const t = tempDir();
    const src = join(t, 'src');
    const dst = join(t, 'dst');
    mkdirSync(join(src, 'keep'), { recursive: true });
    writeFileSync(join(src, 'keep', 'k'), 'k');
    writeFileSync(join(src, 'was-dir'), 'now a file');
    mkdirSync(join(src, 'was-file'));
    symlinkSync('keep', join(src, 'was-link-target'));
    mkdirSync(join(dst, 'keep', 'extra-dir', 'sub'), { recursive: true });
    writeFileSync(join(dst, 'keep', 'extra-dir', 'sub', 'x'), 'x');
    writeFileSync(join(dst, 'extra-file'), 'x');
    mkdirSync(join(dst, 'was-dir', 'child'), { recursive: true });
    writeFileSync(join(dst, 'was-file'), 'file');
    writeFileSync(join(dst, 'was-link-target'), 'a file, not a link');
    const report = await new RSync(src, { verbose: false }).addTarget(gw, dst, { delete: true }).send();
    assert.deepEqual(snapshot(dst), snapshot(src));
    const deleted = report.targets[0]!.changes.filter((c) => c.action === 'delete').map((c) => c.path).sort();
    assert.deepEqual(deleted, ['extra-file', 'keep/extra-dir', 'was-dir', 'was-file', 'was-link-target']);
    assert.ok(report.targets[0]!.changes.some((c) => c.path === 'was-link-target' && c.action === 'symlink'));
  });

  it('without delete, extra entries stay', async () => {
    const t = tempDir();
    const src = join(t, 'src');
    const dst = join(t, 'dst');
    mkdirSync(src);
    mkdirSync(dst);
    writeFileSync(join(src, 'a'), 'a');
    writeFileSync(join(dst, 'extra'), 'x');
    await new RSync(src, { verbose: false }).addTarget(gw, dst).send();
    assert.deepEqual(readdirSync(dst).sort(), ['a', 'extra']);
  });

  it('include and exclude patterns, and the filter function, leave entries out', async () => {
    const t = tempDir();
    const src = join(t, 'src');
    const dst = join(t, 'dst');
    mkdirSync(join(src, 'pkg', '__pycache__'), { recursive: true });
    mkdirSync(join(src, 'build'));
    writeFileSync(join(src, 'pkg', 'mod.py'), '');
    writeFileSync(join(src, 'pkg', 'mod.pyc'), '');
    writeFileSync(join(src, 'pkg', 'keep.pyc'), '');
    writeFileSync(join(src, 'pkg', '__pycache__', 'mod.cpython.pyc'), '');
    writeFileSync(join(src, 'build', 'out'), '');
    writeFileSync(join(src, 'notes.tmp'), '');
    writeFileSync(join(src, 'README'), '');
    const seen: string[] = [];
    const rsync = new RSync(src, {
      verbose: false,
      exclude: ['*.pyc', '__pycache__/', '/build'],
      include: ['keep.pyc'],
      filter: (path) => (seen.push(path), !path.endsWith('.tmp')),
    });
    await rsync.addTarget(gw, dst).send();
    const copied = (readdirSync(dst, { recursive: true }) as string[]).sort();
    assert.deepEqual(copied, ['README', 'pkg', 'pkg/keep.pyc', 'pkg/mod.py']);
    assert.ok(seen.includes(join(src, 'notes.tmp')));
    assert.ok(!seen.includes(src), 'the filter never sees the root');
  });

  it('a dry-run lists what would change and writes nothing', async () => {
    const t = tempDir();
    const src = join(t, 'src');
    const dst = join(t, 'dst');
    mkdirSync(join(src, 'd'), { recursive: true });
    mkdirSync(dst);
    writeFileSync(join(src, 'new'), 'n');
    writeFileSync(join(src, 'd', 'changed'), 'changed!');
    writeFileSync(join(src, 'touched'), 'same');
    symlinkSync('new', join(src, 'link'));
    mkdirSync(join(dst, 'd'));
    writeFileSync(join(dst, 'd', 'changed'), 'original');
    utimesSync(join(dst, 'd', 'changed'), 2000, 2000);
    writeFileSync(join(dst, 'touched'), 'same');
    utimesSync(join(dst, 'touched'), 1000, 1000);
    writeFileSync(join(dst, 'gone'), 'g');
    const before = snapshot(dst);
    const report = await new RSync(src, { verbose: false }).addTarget(gw, dst, { delete: true }).send({ dryRun: true });
    assert.deepEqual(snapshot(dst), before);
    const target = report.targets[0]!;
    assert.equal(target.dryRun, true);
    const byPath = Object.fromEntries(target.changes.filter((c) => c.path !== '' && c.path !== 'd').map((c) => [c.path, c.action]));
    assert.deepEqual(byPath, { new: 'create', 'd/changed': 'update', touched: 'attrs', link: 'symlink', gone: 'delete' });
    const real = await new RSync(src, { verbose: false }).addTarget(gw, dst, { delete: true }).send();
    const key = (c: { path: string; action: string }) => `${c.action} ${c.path}`;
    assert.deepEqual(real.targets[0]!.changes.map(key).sort(), target.changes.map(key).sort());
  });

  it('reports progress in bytes and files until all is done', async () => {
    const t = tempDir();
    const src = join(t, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'big'), Buffer.alloc(3 * 1024 * 1024 + 17, 1));
    writeFileSync(join(src, 'small'), 'small');
    const events: ProgressEvent[] = [];
    const report = await new RSync(src, { verbose: false, onProgress: (e) => events.push(e) }).addTarget(gw, join(t, 'dst')).send();
    const last = events.at(-1)!;
    assert.equal(last.bytesTotal, 3 * 1024 * 1024 + 17 + 5);
    assert.equal(last.bytesDone, last.bytesTotal);
    assert.equal(last.filesDone, 2);
    assert.equal(last.filesTotal, 2);
    assert.equal(last.listComplete, true);
    assert.equal(report.targets[0]!.literalBytes, last.bytesTotal);
    assert.ok(events.length > 4, 'progress within the big file');
    for (let i = 1; i < events.length; i++) assert.ok(events[i]!.bytesDone >= events[i - 1]!.bytesDone);
  });

  it('fans out to many targets, a few at a time', async () => {
    const t = tempDir();
    const src = join(t, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'f'), Buffer.alloc(100_000, 9));
    const gateways = await Promise.all([open(), open(), open()]);
    let finished = 0;
    const rsync = new RSync(src, { verbose: false, concurrency: 2 });
    const dests: string[] = [];
    for (let i = 0; i < 6; i++) {
      const dest = join(t, `dst${i}`);
      dests.push(dest);
      rsync.addTarget(gateways[i % 3]!, dest, { finishedCallback: () => finished++ });
    }
    const report = await rsync.send();
    assert.equal(finished, 6);
    assert.equal(report.targets.length, 6);
    for (const dest of dests) assert.equal(readFileSync(join(dest, 'f')).length, 100_000);
  });
});

describe('RSync with bad input', () => {
  let gw: Gateway;
  before(async () => {
    gw = await open();
  });

  it('a missing source, or a source that is a file, is a SourceError', async () => {
    const t = tempDir();
    await assert.rejects(new RSync(join(t, 'nope')).addTarget(gw, join(t, 'dst')).send(), SourceError);
    writeFileSync(join(t, 'file'), '');
    await assert.rejects(new RSync(join(t, 'file')).addTarget(gw, join(t, 'dst')).send(), { code: 'ERR_EXECNET_RSYNC_SOURCE' });
    assert.equal(existsSync(join(t, 'dst')), false);
  });

  it('a destination that is a file fails that target only, with a DestinationError', async () => {
    const t = tempDir();
    const src = join(t, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'a'), 'a');
    writeFileSync(join(t, 'dst-file'), 'not a directory');
    const error = await new RSync(src, { verbose: false })
      .addTarget(gw, join(t, 'dst-file'))
      .addTarget(gw, join(t, 'dst-ok'))
      .send()
      .then(() => assert.fail('send should fail'), (e: unknown) => e);
    assert.ok(error instanceof SyncError);
    assert.equal(error.failures.length, 1);
    assert.ok(error.failures[0] instanceof TargetError);
    assert.ok(error.failures[0]?.cause instanceof DestinationError);
    assert.equal(readFileSync(join(t, 'dst-file'), 'utf8'), 'not a directory');
    assert.equal(readFileSync(join(t, 'dst-ok', 'a'), 'utf8'), 'a');
  });

  it('special files are reported and skipped; the rest is synced', async () => {
    const t = tempDir();
    const src = join(t, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'regular'), 'r');
    assert.equal(spawnSync('mkfifo', [join(src, 'fifo')]).status, 0);
    const problems: unknown[] = [];
    const report = await new RSync(src, { verbose: false, onProblem: (p) => problems.push(p) }).addTarget(gw, join(t, 'dst')).send();
    assert.deepEqual(readdirSync(join(t, 'dst')), ['regular']);
    assert.equal(report.problems.length, 1);
    assert.ok(report.problems[0] instanceof SpecialFileError);
    assert.equal((report.problems[0] as SpecialFileError).kind, 'fifo');
    assert.deepEqual(problems, report.problems);
  });

  it('a file that vanishes before it is read is reported; the target keeps its old copy', async () => {
    const t = tempDir();
    const src = join(t, 'src');
    const dst = join(t, 'dst');
    mkdirSync(join(src, 'a'), { recursive: true });
    mkdirSync(join(src, 'b'));
    writeFileSync(join(src, 'a', 'goes'), 'new content');
    writeFileSync(join(src, 'b', 'stays'), 's');
    mkdirSync(join(dst, 'a'), { recursive: true });
    writeFileSync(join(dst, 'a', 'goes'), 'old');
    // a/goes is listed, then removed while b is listed: the worker asks for it, reading fails.
    const rsync = new RSync(src, {
      verbose: false,
      filter: (path) => {
        if (path.endsWith('stays')) rmSync(join(src, 'a', 'goes'));
        return true;
      },
    });
    const report = await rsync.addTarget(gw, dst).send();
    assert.equal(readFileSync(join(dst, 'a', 'goes'), 'utf8'), 'old');
    assert.equal(readFileSync(join(dst, 'b', 'stays'), 'utf8'), 's');
    assert.ok(report.problems.some((p) => p instanceof VanishedFileError));
    assert.deepEqual(readdirSync(join(dst, 'a')), ['goes'], 'no temporary file left');
  });

  it('a file that cannot be read is reported as unreadable; the rest is synced', async () => {
    const t = tempDir();
    const src = join(t, 'src');
    const dst = join(t, 'dst');
    mkdirSync(join(src, 'a'), { recursive: true });
    mkdirSync(join(src, 'b'));
    writeFileSync(join(src, 'a', 'turns-into-a-dir'), 'content');
    writeFileSync(join(src, 'b', 'fine'), 'fine');
    // Listed as a file, then replaced by a directory: opening works, reading fails (EISDIR).
    const rsync = new RSync(src, {
      verbose: false,
      filter: (path) => {
        if (path.endsWith('fine')) {
          rmSync(join(src, 'a', 'turns-into-a-dir'));
          mkdirSync(join(src, 'a', 'turns-into-a-dir'));
        }
        return true;
      },
    });
    const report = await rsync.addTarget(gw, dst).send();
    assert.ok(report.problems.some((p) => p instanceof UnreadableFileError && p.path === join(src, 'a', 'turns-into-a-dir')));
    assert.equal(readFileSync(join(dst, 'b', 'fine'), 'utf8'), 'fine');
    assert.deepEqual(readdirSync(join(dst, 'a')), []);
  });

  it('a path the worker cannot write is reported; the rest is synced', { skip: spawnSync('chattr', ['--help']).error ? 'no chattr' : undefined }, async () => {
    const t = tempDir();
    const src = join(t, 'src');
    const dst = join(t, 'dst');
    mkdirSync(join(src, 'frozen'), { recursive: true });
    mkdirSync(join(src, 'open'));
    writeFileSync(join(src, 'frozen', 'f'), 'f');
    writeFileSync(join(src, 'open', 'g'), 'g');
    mkdirSync(join(dst, 'frozen'), { recursive: true });
    if (spawnSync('chattr', ['+i', join(dst, 'frozen')]).status !== 0) return; // not on this file system
    try {
      const report = await new RSync(src, { verbose: false }).addTarget(gw, dst).send();
      const problems = report.targets[0]!.problems;
      assert.ok(problems.length >= 1);
      assert.ok(problems.every((p) => p instanceof RemoteFileError));
      assert.ok(problems.some((p) => (p as RemoteFileError).path === 'frozen/f'));
      assert.equal(readFileSync(join(dst, 'open', 'g'), 'utf8'), 'g');
    } finally {
      spawnSync('chattr', ['-i', join(dst, 'frozen')]);
    }
  });

  it('an aborted send leaves files in place untouched and no temporary files', async () => {
    const t = tempDir();
    const src = join(t, 'src');
    const dst = join(t, 'dst');
    mkdirSync(src);
    writeFileSync(join(src, 'big'), Buffer.alloc(40 * 1024 * 1024, 1));
    await new RSync(src, { verbose: false }).addTarget(gw, dst).send();
    writeFileSync(join(src, 'big'), Buffer.alloc(41 * 1024 * 1024, 2));
    const controller = new AbortController();
    const reason = new Error('stop');
    const sending = new RSync(src, {
      verbose: false,
      onProgress: (e) => {
        if (e.bytesDone > 4 * 1024 * 1024) controller.abort(reason);
      },
    })
      .addTarget(gw, dst)
      .send({ signal: controller.signal });
    await assert.rejects(sending, (e) => e === reason);
    const content = readFileSync(join(dst, 'big'));
    assert.equal(content.length, 40 * 1024 * 1024);
    assert.equal(content[content.length - 1], 1);
    // The worker removes its temporary file when the channel closes under it.
    for (let i = 0; i < 50 && readdirSync(dst).length > 1; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(readdirSync(dst), ['big']);
  });

  it('a worker that dies mid-file fails its target; the file in place is untouched', async () => {
    const t = tempDir();
    const src = join(t, 'src');
    const dst = join(t, 'dst');
    mkdirSync(src);
    writeFileSync(join(src, 'big'), Buffer.alloc(40 * 1024 * 1024, 1));
    const doomed = await open();
    await new RSync(src, { verbose: false }).addTarget(doomed, dst).send();
    writeFileSync(join(src, 'big'), Buffer.alloc(41 * 1024 * 1024, 2));
    const error = await new RSync(src, {
      verbose: false,
      onProgress: (e) => {
        if (e.bytesDone > 4 * 1024 * 1024) doomed.kill();
      },
    })
      .addTarget(doomed, dst)
      .send()
      .then(() => assert.fail('send should fail'), (e: unknown) => e);
    assert.ok(error instanceof SyncError);
    assert.equal(error.failures[0]?.gatewayId, doomed.id);
    const content = readFileSync(join(dst, 'big'));
    assert.equal(content.length, 40 * 1024 * 1024);
    assert.equal(content[content.length - 1], 1);
  });

  it('a timeout stops the send with a TimeoutError', async () => {
    const t = tempDir();
    const src = join(t, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'big'), Buffer.alloc(64 * 1024 * 1024, 1));
    await assert.rejects(new RSync(src, { verbose: false }).addTarget(gw, join(t, 'dst')).send({ timeout: 1 }), { code: 'ERR_EXECNET_TIMEOUT' });
  });

  it('a target whose gateway is gone fails alone', async () => {
    const t = tempDir();
    const src = join(t, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'f'), 'f');
    const doomed = await open();
    await doomed.terminate();
    const error = await new RSync(src, { verbose: false })
      .addTarget(doomed, join(t, 'dst1'))
      .addTarget(gw, join(t, 'dst2'))
      .send()
      .then(() => assert.fail('send should fail'), (e: unknown) => e);
    assert.ok(error instanceof SyncError);
    assert.deepEqual(
      error.failures.map((f) => f.gatewayId),
      [doomed.id],
    );
    assert.equal(readFileSync(join(t, 'dst2', 'f'), 'utf8'), 'f');
  });
});
