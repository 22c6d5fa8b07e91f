import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { processExists, sleep, tempDir } from './helpers/gateways.js';
import { useSshd } from './helpers/sshd.js';

const fixture = await useSshd();
const MASTER = fileURLToPath(new URL('./fixtures/ssh-master.ts', import.meta.url));

describe('termination against the test sshd', { skip: fixture.skip }, () => {
  const sshd = fixture.sshd!;

  it('kill -9 of the master leaves no worker on the remote side 5 s later (idle and busy)', { timeout: 60_000 }, async () => {
    const master = spawn(process.execPath, ['--import', 'tsx', '--conditions=@execnet/source', MASTER, `ssh=${sshd.sshArgs()}`], {
      env: { ...process.env, EXECNET_TEST_HOME: tempDir('execnet-ssh-home-') },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let line = '';
    master.stdout.setEncoding('utf8');
    master.stdout.on('data', (text: string) => (line += text));
    const exited = once(master, 'exit');
    while (!line.includes('\n')) {
      await Promise.race([once(master.stdout, 'data'), exited.then(() => assert.fail('the master exited before printing the worker pids'))]);
    }
    const pids = JSON.parse(line) as { idle: number; busy: number };
    assert.ok(processExists(pids.idle) && processExists(pids.busy), 'both workers run');
    master.kill('SIGKILL');
    await exited;
    await sleep(5000);
    assert.equal(processExists(pids.idle), false, `idle worker ${pids.idle} still running`);
    assert.equal(processExists(pids.busy), false, `busy worker ${pids.busy} still running`);
  });
});
