/*
 * The README example, run exactly as written (as an ES module, from this package's folder);
 * a `console.log(x) // y` in it is an assertion that x prints y.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RSync } from '@execnet/rsync';
import { gatewayPool, tempDir } from './helpers.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('README', () => {
  after(() => rmSync('/tmp/rsync-example', { recursive: true, force: true }));

  it('the example runs as written and prints what its comments say', () => {
    const readme = readFileSync(`${packageDir}README.md`, 'utf8');
    const section = readme.slice(readme.indexOf('## Example'));
    const code = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
    const expected = code
      .split('\n')
      .filter((line) => line.includes('console.log('))
      .map((line) => line.slice(line.lastIndexOf('// ') + 3).trim());
    assert.equal(expected.length, 2);
    const child = spawnSync(process.execPath, ['--conditions=@execnet/source', '--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: packageDir,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(child.stdout.trim().split('\n'), expected);
  });
});

describe('@packageDocumentation example', () => {
  const open = gatewayPool();

  it('syncs a tree and reports the files sent', async () => {
    const t = tempDir();
    mkdirSync(join(t, 'src'));
    writeFileSync(join(t, 'src', 'a'), 'a');
    const gw = await open();
    const report = await new RSync(join(t, 'src'), { verbose: false })
      .addTarget(gw, join(t, 'copy'), { delete: true })
      .send();
    assert.equal(report.targets[0]!.filesTransferred, 1);
  });
});
