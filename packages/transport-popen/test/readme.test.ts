/*
 * The examples of packages/core/README.md, packages/transport-popen/README.md and the
 * `@packageDocumentation` blocks of both packages, repeated so they cannot go stale; a
 * `console.log(x) // y` of an example is an assertion that x equals y here.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { makeGateway, registerTransport } from '@execnet/core';
import { popenTransport } from '@execnet/transport-popen';
import { IN_CI, REPO_ROOT, runtime } from './helpers/runtimes.js';

describe('README examples', () => {
  it('core README: squares over a channel', async () => {
    registerTransport(popenTransport());

    const gw = await makeGateway('popen');
    const ch = gw.remoteExec(`
      for await (const n of channel) await channel.send(n * n)
    `);
    await ch.send(7);
    assert.equal(await ch.receive(), 49);
    ch.close();
    await gw.terminate();
  });

  describe('transport-popen README', () => {
    const dir = '/tmp/execnet-example';
    const existed = existsSync(dir);
    after(() => {
      if (!existed) rmSync(dir, { recursive: true, force: true });
    });

    it('chdir and env in the spec', async () => {
      registerTransport(popenTransport());
      const gw = await makeGateway('popen//chdir=/tmp/execnet-example//env:GREETING=hi');
      const ch = gw.remoteExec('channel.send([process.cwd(), process.env.GREETING])');
      assert.deepEqual(await ch.receive(), ['/tmp/execnet-example', 'hi']);
      await gw.terminate();
    });
  });

  it('core @packageDocumentation: doubling', async () => {
    registerTransport(popenTransport());
    const gw = await makeGateway('popen');
    const ch = gw.remoteExec('channel.send(await channel.receive() * 2)');
    await ch.send(21);
    assert.equal(await ch.receive(), 42);
    await gw.terminate();
  });

  it('transport-popen @packageDocumentation: the worker pid', async () => {
    registerTransport(popenTransport());
    const gw = await makeGateway('popen');
    const ch = gw.remoteExec('channel.send(process.pid)');
    assert.equal(await ch.receive(), gw.pid);
    await gw.terminate();
  });

  it('makeGateway @example: increment', async () => {
    const gw = await makeGateway('popen');
    const ch = gw.remoteExec('channel.send(await channel.receive() + 1)');
    await ch.send(1);
    assert.equal(await ch.receive(), 2);
    gw.exit();
    await gw.join({ timeout: 5000 });
  });

  it('makeFile @example: remote output streamed back through a write file', async () => {
    const gw = await makeGateway('popen');
    const ch = gw.remoteExec(`
      const out = channel.makeFile('w')
      out.write('hello\\n')
    `);
    assert.equal(await ch.receive(), 'hello\n');
    await gw.terminate();
  });
});

describe('root README: drive Python from TypeScript', () => {
  const python3 = spawnSync('python3', ['--version']).status === 0;
  const skip = runtime('python').skip ?? (python3 || IN_CI ? undefined : 'no python3 on PATH');

  it('the example runs exactly as written and prints what its comments say', { skip }, async () => {
    const readme = readFileSync(`${REPO_ROOT}README.md`, 'utf8');
    const section = readme.slice(readme.indexOf('## Drive Python from TypeScript'));
    const code = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
    // `console.log(x) // y`: y is the line x prints (a trailing "  (note)" is a comment).
    const expected = code
      .split('\n')
      .filter((line) => line.includes('console.log('))
      .map((line) => line.slice(line.lastIndexOf('// ') + 3).replace(/\s{2,}\(.*\)$/, '').trim());
    assert.equal(expected.length, 3);
    // It is plain JavaScript, so it runs as an ES module, from the repository root as an app would.
    const child = spawnSync(process.execPath, ['--conditions=@execnet/source', '--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(child.stdout.trim().split('\n'), expected);
  });
});
