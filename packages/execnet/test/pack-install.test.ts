/*
 * The packages as npm users get them: `pnpm pack` of every public package (workspace:*
 * becomes the real version), then `npm install` of the tarballs into fresh projects, and an
 * example run there: the execnet package (ESM, CJS, the bin), and @execnet/core +
 * @execnet/transport-popen alone, which must not bring ssh2 (or the CLI's libraries).
 * Needs the build (`pnpm build`; .ci/run builds before testing) and pnpm; in CI it must run.
 * Third-party dependencies come from the npm cache, else from the registry.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, runNode, skipOutsideCi, type RunResult } from './helpers.js';

/** Folder → npm name of every public package. */
const PUBLIC = {
  serializer: '@execnet/serializer',
  core: '@execnet/core',
  'transport-popen': '@execnet/transport-popen',
  'transport-ssh': '@execnet/transport-ssh',
  'transport-socket': '@execnet/transport-socket',
  rsync: '@execnet/rsync',
  execnet: 'execnet',
} as const;
type Folder = keyof typeof PUBLIC;

const unbuilt = Object.keys(PUBLIC).filter((dir) => !existsSync(join(REPO_ROOT, 'packages', dir, 'dist', 'index.js')));
const noPnpm = spawnSync('pnpm', ['--version'], { stdio: 'ignore' }).status === 0 ? undefined : 'pnpm is not on PATH';
const skip = skipOutsideCi(unbuilt.length ? `not built (${unbuilt.join(', ')}): run pnpm build` : noPnpm);

/** Runs a command (not node) and resolves with its result. */
function run(command: string, args: string[], cwd: string, timeout = 120_000): Promise<RunResult> {
  return runNode(args, { command, cwd, timeout });
}

/**
 * `npm install` of tarballs into a new project. From the npm cache when everything is there
 * (a second run takes seconds), else from the registry. Install scripts are skipped: the only
 * ones (ssh2's and cpu-features' optional native crypto, msgpackr-extract's prebuild check)
 * are optional speed-ups that the packages work without, and npm 11 asks before running them.
 */
async function installProject(dir: string, tarballs: string[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'pack-install-test', private: true, type: 'module' }));
  const args = ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...tarballs];
  const offline = await run('npm', [...args, '--offline'], dir);
  if (offline.code === 0) return;
  const online = await run('npm', [...args, '--prefer-offline'], dir);
  assert.equal(online.code, 0, `npm install failed:\n${online.stderr}`);
}

describe('packed tarballs', { skip, concurrency: 2 }, () => {
  let work: string;
  const tarballs = {} as Record<Folder, string>;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'execnet-pack-'));
    const out = join(work, 'tarballs');
    mkdirSync(out);
    await Promise.all(
      Object.keys(PUBLIC).map(async (folder) => {
        const r = await run('pnpm', ['pack', '--pack-destination', out], join(REPO_ROOT, 'packages', folder));
        assert.equal(r.code, 0, `pnpm pack ${folder}: ${r.stderr}`);
      }),
    );
    for (const file of readdirSync(out)) {
      const folder = (Object.keys(PUBLIC) as Folder[]).find((f) => file === `${PUBLIC[f].replace('@', '').replace('/', '-')}-${version(f)}.tgz`);
      if (folder) tarballs[folder] = join(out, file);
    }
    assert.deepEqual(Object.keys(tarballs).sort(), Object.keys(PUBLIC).sort());
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('each holds only package.json, dist, README and LICENSE, with workspace versions made real', () => {
    for (const [folder, tarball] of Object.entries(tarballs)) {
      const list = spawnSync('tar', ['tzf', tarball], { encoding: 'utf8' }).stdout.trim().split('\n');
      const other = list.filter((path) => !/^package\/(package\.json|README\.md|LICENSE|dist\/.+)$/.test(path));
      assert.deepEqual(other, [], `${folder} packs more than dist, README and LICENSE`);
      for (const needed of ['package/package.json', 'package/README.md', 'package/LICENSE', 'package/dist/index.js', 'package/dist/index.cjs', 'package/dist/index.d.ts']) {
        assert.ok(list.includes(needed), `${folder} lacks ${needed}`);
      }
      const manifest = spawnSync('tar', ['xzf', tarball, '-O', 'package/package.json'], { encoding: 'utf8' }).stdout;
      assert.doesNotMatch(manifest, /workspace:/, `${folder}: workspace: left in package.json`);
    }
  });

  it('npm install of the execnet tarballs: ESM, CJS and the execnet bin work', async () => {
    const app = join(work, 'app-execnet');
    await installProject(app, Object.values(tarballs));
    writeFileSync(
      join(app, 'example.mjs'),
      `import { makeGateway } from 'execnet'
const gw = await makeGateway('popen')
const ch = gw.remoteExec('channel.send(await channel.receive() * 2)')
await ch.send(21)
console.log(await ch.receive())
await gw.terminate()
`,
    );
    const esm = await runNode(['example.mjs'], { cwd: app });
    assert.equal(esm.code, 0, esm.stderr);
    assert.equal(esm.stdout, '42\n');

    const cjs = await runNode(['-e', "const { makeGateway } = require('execnet'); makeGateway('popen').then(async (gw) => { console.log(await gw.remoteExec('channel.send(6 * 7)').receive()); await gw.terminate() })"], { cwd: app });
    assert.equal(cjs.code, 0, cjs.stderr);
    assert.equal(cjs.stdout, '42\n');

    const bin = await runNode([join(app, 'node_modules', '.bin', 'execnet'), 'exec', 'popen', '-e', 'channel.send("from the bin")'], { cwd: app });
    assert.equal(bin.code, 0, bin.stderr);
    assert.equal(bin.stdout, 'from the bin\n');
    assert.ok(existsSync(join(app, 'node_modules', '.bin', 'execnet-socketserver')));
  });

  it('@execnet/core + @execnet/transport-popen alone: the example runs, and no ssh2 is installed', async () => {
    const app = join(work, 'app-core');
    await installProject(app, [tarballs.serializer, tarballs.core, tarballs['transport-popen']]);
    writeFileSync(
      join(app, 'example.mjs'),
      `import { makeGateway, registerTransport } from '@execnet/core'
import { popenTransport } from '@execnet/transport-popen'
registerTransport(popenTransport())
const gw = await makeGateway('popen')
const ch = gw.remoteExec('for await (const n of channel) await channel.send(n * n)')
await ch.send(7)
console.log(await ch.receive())
ch.close()
await gw.terminate()
`,
    );
    const r = await runNode(['example.mjs'], { cwd: app });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '49\n');
    const installed = readdirSync(join(app, 'node_modules'));
    for (const absent of ['ssh2', 'execnet', 'commander', 'cli-progress']) assert.ok(!installed.includes(absent), `${absent} was installed`);
    assert.deepEqual(readdirSync(join(app, 'node_modules', '@execnet')).sort(), ['core', 'serializer', 'transport-popen']);
  });
});

function version(folder: Folder): string {
  return (JSON.parse(spawnSync('node', ['-p', 'JSON.stringify(require("./package.json"))'], { cwd: join(REPO_ROOT, 'packages', folder), encoding: 'utf8' }).stdout) as { version: string }).version;
}
