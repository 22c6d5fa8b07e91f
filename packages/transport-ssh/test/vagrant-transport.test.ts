import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, it } from 'node:test';
import { BootstrapError, ExecnetErrorCode, HostNotFound, makeGateway, registerTransport } from '@execnet/core';
import { RemoteCommandNotFound, vagrantSshTransport } from '@execnet/transport-ssh';
import { eventually, gatewayPool, processExists, tempDir } from './helpers/gateways.js';
import { useSshd } from './helpers/sshd.js';

const fixture = await useSshd();

describe('vagrant_ssh through a stand-in vagrant on PATH', { skip: fixture.skip }, () => {
  const sshd = fixture.sshd!;
  const bin = tempDir('execnet-vagrant-bin-');
  const log = join(bin, 'calls.log');
  const ssh = (port: number) =>
    `exec ssh -p ${port} -i ${sshd.key} -o UserKnownHostsFile=${sshd.knownHosts} -o StrictHostKeyChecking=yes -o BatchMode=yes -o LogLevel=ERROR ${sshd.user}@127.0.0.1 "$@"`;
  // Like `vagrant ssh NAME -- ARGS`: the arguments after -- go to ssh, which joins them into the remote command.
  writeFileSync(
    join(bin, 'vagrant'),
    `#!/bin/sh
[ "$1" = ssh ] || { echo "stand-in vagrant: only 'vagrant ssh' is supported" >&2; exit 1; }
name=$2; shift 2
[ "$1" = -- ] && shift
printf '%s\\n' "$name $*" >> ${log}
case "$name" in
  default) ${ssh(sshd.port)} ;;
  unreachable) ${ssh(0)} ;;
  *) echo "The machine with the name '$name' was not found configured for this Vagrant environment." >&2; exit 1 ;;
esac
`,
  );
  chmodSync(join(bin, 'vagrant'), 0o755);
  process.env.PATH = `${bin}${delimiter}${process.env.PATH}`;
  const open = gatewayPool(vagrantSshTransport());

  it('runs the worker through `vagrant ssh NAME -- -C [-F ssh_config] REMOTECMD`', async () => {
    const config = join(bin, 'ssh_config');
    writeFileSync(config, '');
    const gw = await open(`vagrant_ssh=default//ssh_config=${config}`);
    const ch = gw.remoteExec('channel.send(await channel.receive() + 1)');
    await ch.send(41);
    assert.equal(await ch.receive({ timeout: 10_000 }), 42);
    const call = readFileSync(log, 'utf8').trim().split('\n').at(-1)!;
    assert.ok(call.startsWith(`default -C -F ${config} command -v node`), call);
    assert.equal(gw.remoteAddress, 'vagrant machine default');
  });

  it('terminate() of a busy worker kills it', async () => {
    const gw = await open('vagrant_ssh=default');
    const ch = gw.remoteExec('await channel.send(process.pid); for (;;) {}');
    const pid = (await ch.receive({ timeout: 10_000 })) as number;
    const result = await gw.terminate({ timeout: 200 });
    assert.equal(result.killed, true);
    await eventually(() => !processExists(pid), 5000, `worker ${pid} ended after its ssh client was killed`);
  });

  it('an unknown machine: BootstrapError with vagrant’s message', async () => {
    registerTransport(vagrantSshTransport());
    await assert.rejects(makeGateway('vagrant_ssh=nosuchbox', { onOutput: () => undefined }), (error) => {
      assert.ok(error instanceof BootstrapError, String(error));
      assert.equal(error.exitCode, 1);
      assert.ok(error.stderrTail.some((line) => line.includes('nosuchbox')));
      return true;
    });
  });

  it('ssh failing with 255: HostNotFound, as in execnet', async () => {
    registerTransport(vagrantSshTransport());
    await assert.rejects(makeGateway('vagrant_ssh=unreachable', { onOutput: () => undefined }), (error) => {
      assert.ok(error instanceof HostNotFound, String(error));
      assert.equal(error.code, ExecnetErrorCode.HOST_NOT_FOUND);
      return true;
    });
  });

  it('missing runtime in the machine: RemoteCommandNotFound', async () => {
    registerTransport(vagrantSshTransport());
    await assert.rejects(makeGateway('vagrant_ssh=default//node=/no/such/node', { onOutput: () => undefined }), RemoteCommandNotFound);
  });

  it('no vagrant executable: BootstrapError saying so', async () => {
    registerTransport(vagrantSshTransport({ executable: join(bin, 'no-vagrant-here') }));
    await assert.rejects(makeGateway('vagrant_ssh=default'), (error) => error instanceof BootstrapError && /not found/.test(error.reason));
  });
});
