/*
 * The examples of packages/execnet/README.md and of the `@packageDocumentation` block of
 * src/index.ts, repeated so they cannot go stale; `console.log(x) // y` means x equals y here.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeGateway } from 'execnet';
import { PACKAGE_DIR, runCli } from './helpers.js';

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
