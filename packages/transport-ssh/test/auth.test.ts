import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeGateway, registerTransport } from '@execnet/core';
import { SshAuthenticationError, sshTransport } from '@execnet/transport-ssh';
import { planAuthentication } from '../src/auth.js';
import type { SshTarget } from '../src/resolve-target.js';
import { eventually, gatewayPool, isolatedTransport, tempDir } from './helpers/gateways.js';
import { useSshd } from './helpers/sshd.js';

const fixture = await useSshd();

describe('planAuthentication', () => {
  const dir = tempDir();
  const key = join(dir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  const locked = join(dir, 'locked');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'pass', '-f', locked]);
  const target = (fields: Partial<SshTarget>) => ({ agent: undefined, identitiesOnly: false, identityFiles: [], identityFilesGiven: false, ...fields }) as SshTarget;

  it('offers the agent first, then usable key files', () => {
    const plan = planAuthentication(target({ agent: '/run/agent.sock', identityFiles: [key, locked, join(dir, 'absent')], identityFilesGiven: true }));
    assert.deepEqual(plan.attempts.map((a) => (a.kind === 'agent' ? a.socket : a.path)), ['/run/agent.sock', key]);
    assert.equal(plan.skippedKeys.length, 2);
    assert.match(plan.skippedKeys[0]!, /encrypted/);
    assert.match(plan.skippedKeys[1]!, /not found/);
  });

  it('leaves missing default keys out quietly, and the agent out with IdentitiesOnly', () => {
    const plan = planAuthentication(target({ agent: '/run/agent.sock', identitiesOnly: true, identityFiles: [join(dir, 'id_rsa'), key] }));
    assert.deepEqual(plan.attempts.map((a) => a.kind), ['key']);
    assert.deepEqual(plan.skippedKeys, []);
  });
});

const agentBinary = '/usr/bin/ssh-agent';
describe('authentication against the test sshd', { skip: fixture.skip }, () => {
  const sshd = fixture.sshd!;
  const known = `-o UserKnownHostsFile=${sshd.knownHosts} -o StrictHostKeyChecking=yes`;
  let agent: ChildProcess | undefined;
  const agentSocket = join(tempDir('execnet-ssh-agent-'), 'agent.sock');

  before(async () => {
    if (!existsSync(agentBinary)) return;
    // -D: in the foreground, so the test owns the process and stops it by pid.
    agent = spawn(agentBinary, ['-D', '-a', agentSocket], { stdio: 'ignore' });
    await eventually(() => existsSync(agentSocket), 5000, 'ssh-agent socket');
    execFileSync('ssh-add', ['-q', sshd.key], { env: { ...process.env, SSH_AUTH_SOCK: agentSocket }, stdio: 'ignore' });
  });
  after(() => {
    if (agent?.pid) process.kill(agent.pid, 'SIGTERM');
  });

  it('logs in with a key from ssh-agent (no key file given)', { skip: !existsSync(agentBinary) && process.env.CI !== 'true' && 'no ssh-agent' }, async () => {
    const open = gatewayPool(isolatedTransport({ agent: agentSocket }));
    const gw = await open(`ssh=-p ${sshd.port} ${known} ${sshd.user}@127.0.0.1`);
    assert.equal(await gw.remoteExec('channel.send("via agent")').receive({ timeout: 10_000 }), 'via agent');
  });

  it('without agent or key the error says nothing could be tried', async () => {
    registerTransport(isolatedTransport());
    await assert.rejects(makeGateway(`ssh=-p ${sshd.port} ${known} ${sshd.user}@127.0.0.1`), (error) => {
      assert.ok(error instanceof SshAuthenticationError, String(error));
      assert.deepEqual(error.methodsTried, []);
      return true;
    });
  });

  it('an unreachable agent is one failed method; the key file still works', async () => {
    const open = gatewayPool(isolatedTransport({ agent: '/nonexistent/agent.sock' }));
    const gw = await open(`ssh=-p ${sshd.port} -i ${sshd.key} ${known} ${sshd.user}@127.0.0.1`);
    assert.equal(await gw.remoteExec('channel.send(1)').receive({ timeout: 10_000 }), 1);
  });

  it('finds a default key file (~/.ssh/id_ed25519) in the home directory', async () => {
    const home = tempDir('execnet-ssh-home-');
    mkdirSync(join(home, '.ssh'));
    copyFileSync(sshd.key, join(home, '.ssh', 'id_ed25519'));
    const open = gatewayPool(sshTransport({ homeDir: home, systemConfigFile: false, agent: false }));
    const gw = await open(`ssh=-p ${sshd.port} ${known} ${sshd.user}@127.0.0.1`);
    assert.equal(await gw.remoteExec('channel.send(2)').receive({ timeout: 10_000 }), 2);
  });
});
