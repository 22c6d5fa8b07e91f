/*
 * ssh-then-popen (spec §4.6): a popen gateway started through an ssh gateway runs where the
 * ssh gateway runs, as a child of its worker; and popen-then-ssh: an ssh gateway started by a
 * popen worker's own `ssh` client, as Python execnet's proxy does. Here, in the package that has both transports,
 * against the throwaway sshd of .ci/sshd-start.sh (the one .ci/run started, or one of our own
 * on a free port). Without sshd the tests skip outside CI; in CI they must run.
 * The popen-through-popen cases are in packages/transport-popen/test/via.test.ts.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BootstrapError, GatewayClosedError, Group, registerTransport, type Gateway } from '@execnet/core';
import { popenTransport } from '@execnet/transport-popen';
import { sshTransport } from '@execnet/transport-ssh';

const IN_CI = process.env.CI === 'true';
const START_SCRIPT = fileURLToPath(new URL('../../../.ci/sshd-start.sh', import.meta.url));

interface Sshd {
  /** `ssh=` arguments with strict host key checking. */
  args: string;
  stop(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The sshd .ci/run exported, or a new one from .ci/sshd-start.sh. */
async function findSshd(): Promise<Sshd | string> {
  const env = process.env;
  const args = (port: string, key: string, knownHosts: string) =>
    `-p ${port} -i ${key} -o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes ${userInfo().username}@127.0.0.1`;
  if (env.TEST_SSH_PORT && env.TEST_SSH_KEY && env.TEST_SSHD_DIR) {
    return { args: args(env.TEST_SSH_PORT, env.TEST_SSH_KEY, env.TEST_SSH_KNOWN_HOSTS ?? join(env.TEST_SSHD_DIR, 'known_hosts')), stop: () => undefined };
  }
  if (!existsSync('/usr/sbin/sshd')) return '/usr/sbin/sshd is not installed (apt-get install openssh-server)';
  const port = String(await freePort());
  const out = execFileSync('bash', [START_SCRIPT], { env: { ...env, TEST_SSH_PORT: port, TEST_SSHD_DIR: '' }, encoding: 'utf8' });
  const vars = Object.fromEntries([...out.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
  const dir = vars.TEST_SSHD_DIR!;
  return {
    args: args(port, vars.TEST_SSH_KEY!, vars.TEST_SSH_KNOWN_HOSTS ?? join(dir, 'known_hosts')),
    stop: () => {
      try {
        process.kill(Number(readFileSync(join(dir, 'sshd.pid'), 'utf8').trim()), 'SIGTERM');
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const found = await findSshd();
if (IN_CI && typeof found === 'string') throw new Error(`${found}; CI=true: the ssh tests must run`);
const sshd = typeof found === 'string' ? undefined : found;
after(() => sshd?.stop());
const python = spawnSync('/usr/bin/python3', ['-c', 'import execnet']).status === 0 ? '/usr/bin/python3' : undefined;

/** The command names of a process's ancestors, nearest first (this machine's /proc). */
function ancestors(pid: number): string[] {
  const names: string[] = [];
  for (let p = pid; p > 1; ) {
    const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    names.push(stat.slice(stat.indexOf('(') + 1, close));
    p = Number(stat.slice(close + 2).split(' ')[1]);
  }
  return names.slice(1);
}

async function pids(gw: Gateway): Promise<[number, number]> {
  const code = gw.remoteKind === 'python' ? 'import os\nchannel.send([os.getpid(), os.getppid()])' : 'channel.send([process.pid, process.ppid])';
  return (await gw.remoteExec(code).receive({ timeout: 10_000 })) as [number, number];
}

describe('via: popen through ssh', { skip: typeof found === 'string' ? found : undefined }, () => {
  const home = mkdtempSync(join(tmpdir(), 'execnet-via-ssh-home-'));
  let group: Group;
  let remote: Gateway;

  before(async () => {
    registerTransport(popenTransport());
    // Nothing of this machine's own ssh setup: an empty home, no system config, no agent.
    registerTransport(sshTransport({ homeDir: home, systemConfigFile: false, agent: false }));
    group = new Group();
    remote = await group.makeGateway(`ssh=${sshd!.args}//id=remote`);
  });
  after(async () => {
    await group?.terminate({ timeout: 2000 });
    rmSync(home, { recursive: true, force: true });
  });

  it('the sub-gateway runs where the ssh gateway runs, as a child of its worker', async () => {
    const sub = await group.makeGateway('popen//via=remote//id=sub');
    const [remotePid] = await pids(remote);
    const [, subParent] = await pids(sub);
    assert.equal(subParent, remotePid);
    assert.equal(sub.remoteAddress, remote.remoteAddress);
    assert.ok(sub.remoteAddress);
    const ch = sub.remoteExec('channel.send(await channel.receive() + 1)');
    await ch.send(41);
    assert.equal(await ch.receive({ timeout: 10_000 }), 42);
    const { killed, status } = await sub.terminate({ timeout: 5000 });
    assert.equal(killed, false);
    assert.equal(status.code, 0);
  });

  it('a Python worker through the ssh gateway', { skip: python ? undefined : 'no Python execnet on this machine' }, async () => {
    const py = await group.makeGateway(`popen//via=remote//id=py//python=${python}`);
    const [remotePid] = await pids(remote);
    assert.equal((await pids(py))[1], remotePid);
    const ch = py.remoteExec('channel.send(channel.receive() * 2)');
    await ch.send('ab');
    assert.equal(await ch.receive({ timeout: 10_000 }), 'abab');
    await py.terminate({ timeout: 5000 });
  });

  it('losing the ssh gateway fails its sub-gateways with GatewayClosedError', async () => {
    const own = new Group();
    try {
      const hop = await own.makeGateway(`ssh=${sshd!.args}//id=hop`);
      const sub = await own.makeGateway('popen//via=hop//id=sub', { onOutput: () => undefined });
      const waiting = sub.remoteExec('await channel.receive()');
      hop.kill();
      const error = await waiting.receive({ timeout: 10_000 }).then(
        () => assert.fail('expected GatewayClosedError'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof GatewayClosedError);
      assert.equal(error.gatewayId, 'sub');
      assert.ok(error.cause instanceof GatewayClosedError);
      assert.equal(error.cause.gatewayId, 'hop');
    } finally {
      await own.terminate({ timeout: 2000 });
    }
  });
});

describe('via: ssh through popen (the forwarder runs ssh)', { skip: typeof found === 'string' ? found : undefined }, () => {
  let group: Group;
  let fwd: Gateway;
  const ssh = () => `ssh=${sshd!.args} -o BatchMode=yes`;

  before(async () => {
    registerTransport(popenTransport());
    group = new Group();
    fwd = await group.makeGateway('popen//id=fwd');
  });
  after(async () => {
    await group?.terminate({ timeout: 2000 });
  });

  it('the forwarder starts the worker with its ssh client; it runs under sshd', async () => {
    const far = await group.makeGateway(`${ssh()}//via=fwd//id=far`);
    const [farPid] = await pids(far);
    const chain = ancestors(farPid);
    assert.ok(chain.includes('sshd'), chain.join(' < '));
    assert.equal(far.remoteAddress, far.spec.ssh);
    const ch = far.remoteExec('for await (const item of channel) await channel.send(item)');
    const data = new Uint8Array(300_000).map((_, i) => i % 251);
    await ch.send(data);
    assert.deepEqual(new Uint8Array((await ch.receive({ timeout: 10_000 })) as Uint8Array), data);
    ch.close();
    // And one level further: popen through the gateway that came through ssh.
    const deeper = await group.makeGateway('popen//via=far//id=deeper');
    assert.equal((await pids(deeper))[1], farPid);
    await deeper.terminate({ timeout: 5000 });
    const { killed, status } = await far.terminate({ timeout: 5000 });
    assert.equal(killed, false);
    assert.equal(status.code, 0);
    assert.equal(fwd.remoteKind, 'js');
  });

  it('a Python worker over the forwarder\'s ssh', { skip: python ? undefined : 'no Python execnet on this machine' }, async () => {
    const py = await group.makeGateway(`${ssh()}//via=fwd//id=farpy//python=${python}`);
    const [pid] = await pids(py);
    assert.ok(ancestors(pid).includes('sshd'));
    const ch = py.remoteExec('channel.send(channel.receive() + 1)');
    await ch.send(1);
    assert.equal(await ch.receive({ timeout: 10_000 }), 2);
    await py.terminate({ timeout: 5000 });
  });

  it('an ssh that cannot log in is a BootstrapError', async () => {
    const bad = `ssh=${sshd!.args.replace(/-i \S+/, '-i /nonexistent-key')} -o BatchMode=yes//via=fwd//id=denied`;
    await assert.rejects(group.makeGateway(bad, { timeout: 20_000, onOutput: () => undefined }), BootstrapError);
  });
});
