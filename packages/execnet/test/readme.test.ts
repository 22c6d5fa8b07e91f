/*
 * The examples of packages/execnet/README.md and of the `@packageDocumentation` block of
 * src/index.ts, repeated so they cannot go stale; `console.log(x) // y` means x equals y here.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeGateway } from 'execnet';
import { PACKAGE_DIR, REPO_ROOT, SOURCE_FLAGS, runCli, runNode } from './helpers.js';

const readme = readFileSync(join(PACKAGE_DIR, 'README.md'), 'utf8');

describe('execnet README', () => {
  it('the example (also the @packageDocumentation one): doubling over a channel', async () => {
    const gw = await makeGateway('popen');
    const ch = gw.remoteExec('channel.send(await channel.receive() * 2)');
    await ch.send(21);
    assert.equal(await ch.receive(), 42);
    await gw.terminate();
  });

  it('the first two command lines print what they say', async () => {
    const version = await runCli(['exec', 'popen', '-e', 'channel.send(process.version)']);
    assert.equal(version.stdout, `${process.version}\n`);
    const squares = await runCli(['exec', 'popen', '--kw', 'n=3', '-e', 'for (let i = 0; i < n; i++) await channel.send(i * i)']);
    assert.equal(squares.stdout, '0\n1\n4\n');
    assert.match(readme, /execnet exec popen -e 'channel\.send\(process\.version\)' +# v\d/);
    assert.match(readme, /execnet exec popen --kw n=3 -e 'for \(let i = 0; i < n; i\+\+\) await channel\.send\(i \* i\)'/);
  });

  it('links to files that exist', () => {
    for (const [, target] of readme.matchAll(/\]\((\.\.?\/[^)#]+)\)/g)) {
      assert.ok(existsSync(join(PACKAGE_DIR, target!)), `${target} does not exist`);
    }
  });
});

describe('root README', () => {
  const root = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

  it('the tour runs as written and prints what its comments say', async () => {
    const section = root.slice(root.indexOf('## A tour'));
    const code = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
    const expected = code
      .split('\n')
      .filter((line) => line.includes('console.log('))
      .map((line) => line.slice(line.lastIndexOf('// ') + 3).trim());
    assert.equal(expected.length, 4);
    // As a module file below node_modules (git ignores it), so 'execnet' resolves as in an app.
    const dir = join(REPO_ROOT, 'node_modules', '.cache', 'execnet-readme-test', String(process.pid));
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(join(dir, 'tour.mts'), code);
      const r = await runNode([...SOURCE_FLAGS, join(dir, 'tour.mts')]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split('\n'), expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync('/tmp/execnet-tour', { recursive: true, force: true });
    }
  });

  it('the spec table names every key core knows', () => {
    const table = root.slice(root.indexOf('## Specs'), root.indexOf('## Compared with Python execnet'));
    for (const key of ['popen', 'ssh', 'vagrant_ssh', 'socket', 'installvia', 'via', 'id', 'python', 'node', 'bun', 'deno', 'chdir', 'nice', 'env:NAME', 'execmodel', 'codec', 'dont_write_bytecode', 'ssh_config']) {
      assert.match(table, new RegExp(`^\\|.*\`${key}[=\`]`, 'm'), key);
    }
  });

  it('links to files that exist', () => {
    for (const [, target] of root.matchAll(/\]\(((?!https?:)[^)#]+)(#[^)]*)?\)/g)) {
      assert.ok(existsSync(join(REPO_ROOT, target!)), `${target} does not exist`);
    }
  });

  it('keeps its first two commands: install and demo, then every test', () => {
    assert.match(root, /```bash\n# 1\. .*\nnpm i -g pnpm@[\d.]+ && pnpm install && pnpm demo\n\n# 2\. [\s\S]*?\nbash \.ci\/run\n```/);
  });
});
