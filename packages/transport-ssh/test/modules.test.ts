// A module with its dependencies shipped over ssh: the remote host has no node_modules for it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gatewayPool, tempDir } from './helpers/gateways.js';
import { useSshd } from './helpers/sshd.js';

const fixture = await useSshd();
// The popen package's fixture: a TypeScript module importing a sibling file and msgpackr.
const task = new URL('../../transport-popen/test/fixtures/modules/task.ts', import.meta.url);

describe('remoteExec of a module over ssh', { skip: fixture.skip }, () => {
  const sshd = fixture.sshd!;
  const open = gatewayPool();

  it('runs a TypeScript module with an npm dependency on the ssh host, in a folder without node_modules', async () => {
    const bare = tempDir('execnet-ssh-module-');
    const gw = await open(`ssh=${sshd.sshArgs()}//chdir=${bare}`);
    const result = (await gw.remoteExec(task, { n: 9 }).receive({ timeout: 30_000 })) as { squared: number; cwd: string };
    assert.equal(result.squared, 81);
    assert.equal(result.cwd, bare);
  });
});
