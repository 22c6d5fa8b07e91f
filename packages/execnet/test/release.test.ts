/*
 * Releases: the changesets configuration versions every public package and leaves the private
 * ones (@execnet/testkit, @execnet/bench: "ignore" and privatePackages.version false) alone,
 * and `pnpm -r publish --dry-run` publishes exactly the public packages. `changeset version`
 * runs on a copy of the workspace manifests and changesets, so nothing here is bumped.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, runNode, skipOutsideCi } from './helpers.js';

const PUBLIC = ['@execnet/serializer', '@execnet/core', '@execnet/transport-popen', '@execnet/transport-ssh', '@execnet/transport-socket', '@execnet/rsync', 'execnet'];
const PRIVATE = ['@execnet/testkit', '@execnet/bench'];
const noPnpm = spawnSync('pnpm', ['--version'], { stdio: 'ignore' }).status === 0 ? undefined : 'pnpm is not on PATH';

/** Every workspace package folder (relative), from pnpm-workspace.yaml's two globs. */
function workspaceFolders(): string[] {
  return ['packages', 'tools'].flatMap((parent) =>
    readdirSync(join(REPO_ROOT, parent))
      .map((name) => `${parent}/${name}`)
      .filter((folder) => existsSync(join(REPO_ROOT, folder, 'package.json'))),
  );
}

function manifest(root: string, folder: string): { name: string; version: string; private?: boolean } {
  return JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8'));
}

describe('changesets', () => {
  let copy: string;
  before(() => {
    copy = mkdtempSync(join(tmpdir(), 'execnet-changeset-'));
    for (const file of ['package.json', 'pnpm-workspace.yaml', '.changeset']) cpSync(join(REPO_ROOT, file), join(copy, file), { recursive: true });
    for (const folder of workspaceFolders()) {
      mkdirSync(join(copy, folder), { recursive: true });
      cpSync(join(REPO_ROOT, folder, 'package.json'), join(copy, folder, 'package.json'));
    }
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(copy, 'node_modules'));
    // A changeset of its own, so the test does not depend on pending ones (there are none right after a release).
    writeFileSync(join(copy, '.changeset', 'release-test.md'), '---\n"execnet": patch\n---\n\nA change for the release test.\n');
  });
  after(() => rmSync(copy, { recursive: true, force: true }));

  it('the config: public access, baseBranch main, private packages ignored and not versioned', () => {
    const config = JSON.parse(readFileSync(join(REPO_ROOT, '.changeset', 'config.json'), 'utf8'));
    assert.equal(config.access, 'public');
    assert.equal(config.baseBranch, 'main');
    assert.deepEqual([...config.ignore].sort(), [...PRIVATE].sort());
    assert.deepEqual(config.privatePackages, { version: false, tag: false });
    for (const folder of workspaceFolders()) {
      const { name, private: isPrivate } = manifest(REPO_ROOT, folder);
      assert.equal(Boolean(isPrivate), PRIVATE.includes(name), `${name}: private must match the ignore list`);
    }
  });

  it('changeset version bumps the public packages with changesets and writes their changelogs, never the private ones', async () => {
    const before = Object.fromEntries(workspaceFolders().map((folder) => [folder, manifest(copy, folder)]));
    const r = await runNode([join(REPO_ROOT, 'node_modules', '@changesets', 'cli', 'bin.js'), 'version'], { cwd: copy });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const folder of workspaceFolders()) {
      const { name, version } = manifest(copy, folder);
      if (PRIVATE.includes(name)) {
        assert.equal(version, before[folder]!.version, `${name} was versioned`);
        assert.equal(existsSync(join(copy, folder, 'CHANGELOG.md')), false, `${name} got a changelog`);
      }
    }
    const execnet = manifest(copy, 'packages/execnet');
    assert.notEqual(execnet.version, before['packages/execnet']!.version);
    assert.match(readFileSync(join(copy, 'packages/execnet/CHANGELOG.md'), 'utf8'), /^# execnet\n[\s\S]*A change for the release test\./);
    assert.deepEqual(readdirSync(join(copy, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md'), []);
  });
});

describe('pnpm -r publish --dry-run', { skip: skipOutsideCi(noPnpm) }, () => {
  it('publishes exactly the public packages', async () => {
    const r = await runNode(['-r', 'publish', '--dry-run', '--no-git-checks'], { command: 'pnpm', cwd: REPO_ROOT });
    assert.equal(r.code, 0, r.stderr);
    const published = [...(r.stdout + r.stderr).matchAll(/📦 (\S+)@\d\S* → /g)].map((m) => m[1]);
    assert.deepEqual(published.sort(), [...PUBLIC].sort());
  });
});

