/*
 * execnet testing/test_rsync.py (TestRSync), ported and run twice: against JavaScript workers
 * (this package's protocol) and against Python workers (execnet's own rsync_remote, shipped
 * from the master's installed execnet).
 * Left out: test_2_to_3_bridge_can_send_binary_files (Python 2 masters only).
 * Adapted: IOError is NoTargetsError; the filter override is a subclass method as in execnet.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Gateway } from '@execnet/core';
import { NoTargetsError, RSync } from '@execnet/rsync';
import { captureOutput, gatewayPool, skipPython, specFor, tempDir, type WorkerKind } from './helpers.js';

const open = gatewayPool();

for (const kind of ['js', 'python'] as const satisfies readonly WorkerKind[]) {
  describe(`RSync to ${kind === 'js' ? 'JavaScript' : 'Python'} workers (execnet test_rsync)`, { skip: kind === 'python' ? skipPython() : undefined }, () => {
    let gw1: Gateway;
    let gw2: Gateway;
    before(async () => {
      [gw1, gw2] = await Promise.all([open(specFor(kind, `${kind}1`)), open(specFor(kind, `${kind}2`))]);
    });

    /** source, dest1 and dest2, made fresh for each test. */
    function dirs(): { source: string; dest1: string; dest2: string } {
      const t = tempDir();
      const d = { source: join(t, 'source'), dest1: join(t, 'dest1'), dest2: join(t, 'dest2') };
      for (const p of Object.values(d)) mkdirSync(p);
      return d;
    }

    it('test_notargets: send without targets rejects, or resolves to undefined with raises: false', async () => {
      const rsync = new RSync(dirs().source);
      await assert.rejects(rsync.send(), NoTargetsError);
      await assert.rejects(rsync.send(), { code: 'ERR_EXECNET_RSYNC_NO_TARGETS' });
      assert.equal(await rsync.send({ raises: false }), undefined);
    });

    it('test_dirsync: two targets, updated content, reset mtimes, delete only where asked', async () => {
      const { source, dest1: dest, dest2 } = dirs();
      for (const s of ['content1', 'content2', 'content2-a-bit-longer']) {
        mkdirSync(join(source, 'subdir'), { recursive: true });
        writeFileSync(join(source, 'subdir', 'file1'), s);
        const rsync = new RSync(source, { verbose: false });
        rsync.addTarget(gw1, dest);
        rsync.addTarget(gw2, dest2);
        await rsync.send();
        for (const d of [dest, dest2]) {
          assert.ok(statSync(join(d, 'subdir')).isDirectory());
          assert.ok(statSync(join(d, 'subdir', 'file1')).isFile());
          assert.equal(readFileSync(join(d, 'subdir', 'file1'), 'utf8'), s);
          utimesSync(join(d, 'subdir', 'file1'), 0, 0);
        }
      }
      unlinkSync(join(source, 'subdir', 'file1'));
      let rsync = new RSync(source, { verbose: false });
      rsync.addTarget(gw2, dest2);
      rsync.addTarget(gw1, dest);
      await rsync.send();
      assert.ok(statSync(join(dest, 'subdir', 'file1')).isFile());
      assert.ok(statSync(join(dest2, 'subdir', 'file1')).isFile());
      rsync = new RSync(source, { verbose: false });
      rsync.addTarget(gw1, dest, { delete: true });
      rsync.addTarget(gw2, dest2);
      await rsync.send();
      assert.equal(existsSync(join(dest, 'subdir', 'file1')), false);
      assert.equal(existsSync(join(dest2, 'subdir', 'file1')), true);
    });

    it('test_dirsync_twice: a second send fails until targets are added again', async () => {
      const { source, dest1, dest2 } = dirs();
      writeFileSync(join(source, 'hello'), '');
      const rsync = new RSync(source, { verbose: false });
      rsync.addTarget(gw1, dest1);
      await rsync.send();
      assert.ok(existsSync(join(dest1, 'hello')));
      await assert.rejects(rsync.send(), NoTargetsError);
      assert.equal(await rsync.send({ raises: false }), undefined);
      rsync.addTarget(gw1, dest2);
      await rsync.send();
      assert.ok(existsSync(join(dest2, 'hello')));
      await assert.rejects(rsync.send(), NoTargetsError);
      assert.equal(await rsync.send({ raises: false }), undefined);
    });

    it('test_rsync_default_reporting: verbose by default, naming each file sent on stdout', async () => {
      const { source, dest1 } = dirs();
      writeFileSync(join(source, 'hello'), '');
      const rsync = new RSync(source);
      rsync.addTarget(gw1, dest1);
      const { out } = await captureOutput(() => rsync.send());
      assert.ok(out.includes('hello'), out);
      assert.ok(out.includes(gw1.id), out);
    });

    it('test_rsync_non_verbose: nothing on stdout or stderr', async () => {
      const { source, dest1 } = dirs();
      writeFileSync(join(source, 'hello'), '');
      const rsync = new RSync(source, { verbose: false });
      rsync.addTarget(gw1, dest1);
      const { out, err } = await captureOutput(() => rsync.send());
      assert.equal(out, '');
      assert.equal(err, '');
    });

    it('test_permissions: file and directory modes, re-synced after a mode-only change', async () => {
      const { source, dest1: dest } = dirs();
      const onedir = join(source, 'one');
      mkdirSync(onedir);
      chmodSync(onedir, 0o700);
      const onefile = join(source, 'file');
      writeFileSync(onefile, '');
      chmodSync(onefile, 0o770);
      const mtime = statSync(onefile).mtime;
      await new RSync(source, { verbose: false }).addTarget(gw1, dest).send();
      assert.equal(statSync(join(dest, 'file')).mode & 0o777, 0o770);
      assert.equal(statSync(join(dest, 'one')).mode & 0o777, 0o700);

      chmodSync(onedir, 0o770);
      chmodSync(onefile, 0o700);
      utimesSync(onefile, mtime, mtime);
      await new RSync(source, { verbose: false }).addTarget(gw1, dest).send();
      assert.equal(statSync(join(dest, 'file')).mode & 0o777, 0o700);
      assert.equal(statSync(join(dest, 'one')).mode & 0o777, 0o770);
    });

    it('test_read_only_directories: read-only source directories can be synced into', async () => {
      const { source, dest1: dest } = dirs();
      const sub = join(source, 'sub');
      const subsub = join(sub, 'subsub');
      mkdirSync(subsub, { recursive: true });
      writeFileSync(join(subsub, 'f'), 'x');
      chmodSync(subsub, 0o500);
      chmodSync(sub, 0o500);
      try {
        await new RSync(source, { verbose: false }).addTarget(gw1, dest).send();
        assert.ok(statSync(join(dest, 'sub')).mode & 0o700);
        assert.ok(statSync(join(dest, 'sub', 'subsub')).mode & 0o700);
        assert.equal(readFileSync(join(dest, 'sub', 'subsub', 'f'), 'utf8'), 'x');
      } finally {
        for (const d of [sub, subsub, join(dest, 'sub'), join(dest, 'sub', 'subsub')]) if (existsSync(d)) chmodSync(d, 0o700);
      }
    });

    it('test_symlink_rsync: a relative link is kept, an absolute one into the tree is rebased', async () => {
      const { source, dest1: dest } = dirs();
      const sourcefile = join(source, 'subdir', 'existent');
      mkdirSync(dirname(sourcefile));
      writeFileSync(sourcefile, '');
      symlinkSync(relative(source, sourcefile), join(source, 'rellink'));
      symlinkSync(sourcefile, join(source, 'abslink'));
      await new RSync(source, { verbose: false }).addTarget(gw1, dest).send();
      assert.equal(readlinkSync(join(dest, 'rellink')), 'subdir/existent');
      assert.equal(readlinkSync(join(dest, 'abslink')), join(dest, 'subdir', 'existent'));
    });

    it('test_symlink2_rsync: link chains and links out of the tree', async () => {
      const { source, dest1: dest } = dirs();
      const subdir = join(source, 'subdir');
      mkdirSync(subdir);
      const sourcefile = join(subdir, 'somefile');
      writeFileSync(sourcefile, '');
      symlinkSync('link2', join(subdir, 'link1'));
      symlinkSync(sourcefile, join(subdir, 'link2'));
      symlinkSync(dirname(source), join(subdir, 'link3'));
      await new RSync(source, { verbose: false }).addTarget(gw1, dest).send();
      assert.ok(existsSync(join(dest, 'subdir')));
      assert.equal(readlinkSync(join(dest, 'subdir', 'link1')), 'link2');
      assert.equal(readlinkSync(join(dest, 'subdir', 'link2')), join(dest, 'subdir', 'somefile'));
      assert.equal(readlinkSync(join(dest, 'subdir', 'link3')), dirname(source));
    });

    it('test_callback: ("list", 110), then ("ack", 100) and ("ack", 10)', async () => {
      const { source, dest1: dest } = dirs();
      writeFileSync(join(source, 'existent'), 'a'.repeat(100));
      writeFileSync(join(source, 'existant2'), 'a'.repeat(10));
      const total = new Set<string>();
      const rsync = new RSync(source, { verbose: false, callback: (cmd, lgt, channel) => (assert.ok(channel), total.add(`${cmd}:${lgt}`)) });
      rsync.addTarget(gw1, dest);
      await rsync.send();
      assert.deepEqual([...total].sort(), ['ack:10', 'ack:100', 'list:110']);
    });

    it('test_file_disappearing: a file deleted during the walk is skipped', async () => {
      const { source, dest1: dest } = dirs();
      writeFileSync(join(source, 'ex'), 'a'.repeat(100));
      writeFileSync(join(source, 'ex2'), 'a'.repeat(100));
      class DRsync extends RSync {
        x = 0;
        override filter(path: string): boolean {
          assert.notEqual(path, source);
          if (path.endsWith('ex2')) {
            this.x = 1;
            unlinkSync(join(source, 'ex2'));
          }
          return true;
        }
      }
      const rsync = new DRsync(source, { verbose: false });
      rsync.addTarget(gw1, dest);
      const report = await rsync.send();
      assert.equal(rsync.x, 1);
      assert.equal(readdirSync(dest).length, 1);
      assert.equal(readdirSync(source).length, 1);
      assert.deepEqual(report.problems.map((p) => p.code), ['ERR_EXECNET_RSYNC_VANISHED']);
    });
  });
}
