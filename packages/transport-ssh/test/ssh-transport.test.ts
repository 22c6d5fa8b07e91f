import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { XSpec, isTransport, transportSymbol } from '@execnet/core';
import { sshTransport, vagrantSshTransport } from '@execnet/transport-ssh';
import { eventually, gatewayPool, processExists, tempDir } from './helpers/gateways.js';
import { useSshd } from './helpers/sshd.js';

const fixture = await useSshd();
const run = promisify(execFile);
const IDLE_MASTER = fileURLToPath(new URL('./fixtures/idle-master.ts', import.meta.url));
const MIB = 1024 * 1024;

describe('sshTransport', () => {
  it('is a branded transport serving the ssh key; vagrantSshTransport serves vagrant_ssh', () => {
    const ssh = sshTransport();
    assert.ok(isTransport(ssh));
    assert.equal(ssh[transportSymbol], true);
    assert.equal(Object.prototype.toString.call(ssh), '[object @execnet/transport-ssh]');
    assert.equal(ssh.name, new XSpec('ssh=host').transportName);
    const vagrant = vagrantSshTransport();
    assert.ok(isTransport(vagrant));
    assert.equal(vagrant.name, new XSpec('vagrant_ssh=default').transportName);
  });
});

describe('ssh gateways against the test sshd', { skip: fixture.skip }, () => {
  const sshd = fixture.sshd!;
  const spec = `ssh=${sshd.sshArgs()}`;
  const open = gatewayPool();

  it('remoteExec round trip; the worker runs in the login home of the remote user', async () => {
    const gw = await open(spec);
    const ch = gw.remoteExec('for await (const item of channel) await channel.send([item, process.cwd(), process.env.HOME])');
    await ch.send({ question: 6 * 7 });
    const [echo, cwd, home] = (await ch.receive({ timeout: 10_000 })) as [unknown, string, string];
    assert.deepEqual(echo, { question: 42 });
    assert.equal(cwd, home);
    ch.close();
    assert.equal(gw.remoteAddress, `${sshd.user}@127.0.0.1:${sshd.port}`);
  });

  it('1 MiB items both ways, byte-exact', async () => {
    const gw = await open(spec);
    const ch = gw.remoteExec('const item = await channel.receive(); await channel.send(item); await channel.send(new Uint8Array(item.length).fill(7))');
    const sent = new Uint8Array(MIB).map((_, i) => (i * 31 + 11) & 255);
    await ch.send(sent);
    const back = (await ch.receive({ timeout: 20_000 })) as Uint8Array;
    assert.equal(Buffer.compare(Buffer.from(back), Buffer.from(sent)), 0);
    const filled = (await ch.receive({ timeout: 20_000 })) as Uint8Array;
    assert.equal(filled.length, MIB);
    assert.ok(filled.every((byte) => byte === 7));
  });

  it('the worker’s stdout and stderr reach onOutput, apart from the protocol', async () => {
    const output: string[] = [];
    const gw = await open(spec, { onOutput: (text) => output.push(text) });
    const ch = gw.remoteExec('console.log("to stdout"); console.error("to stderr"); channel.send("done")');
    assert.equal(await ch.receive({ timeout: 10_000 }), 'done');
    await eventually(() => output.join('').includes('to stdout') && output.join('').includes('to stderr'), 5000, 'output forwarded');
  });

  it('chdir= and env: apply on the remote side', async () => {
    const dir = `/tmp/execnet-ssh-chdir-${process.pid}`;
    const gw = await open(`${spec}//chdir=${dir}//env:EXECNET_TEST=yes`);
    const ch = gw.remoteExec('channel.send([process.cwd(), process.env.EXECNET_TEST])');
    assert.deepEqual(await ch.receive({ timeout: 10_000 }), [dir, 'yes']);
    await gw.remoteExec(`require('fs').rmSync(${JSON.stringify(dir)}, { recursive: true, force: true }); channel.send(0)`).receive();
  });

  it('a master that leaves an idle gateway open still exits, and its worker ends', { timeout: 60_000 }, async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--conditions=@execnet/source', IDLE_MASTER, spec], {
      env: { ...process.env, EXECNET_TEST_HOME: tempDir('execnet-ssh-home-') },
      timeout: 30_000,
    });
    const { pid } = JSON.parse(stdout) as { pid: number };
    await eventually(() => !processExists(pid), 5000, `worker ${pid} ended with its master`);
  });
});
