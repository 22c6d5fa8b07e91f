import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ExecnetErrorCode, HostKeyError, makeGateway, registerTransport } from '@execnet/core';
import { SshHostKeyError } from '@execnet/transport-ssh';
import { addKnownHost, entriesFor, fingerprint, knownHostsName, readKnownHosts, verifyHostKey, type HostKeyPolicy } from '../src/known-hosts.js';
import { gatewayPool, isolatedTransport, tempDir } from './helpers/gateways.js';
import { useSshd } from './helpers/sshd.js';

const fixture = await useSshd();

/** A fresh ed25519 public key blob and its known_hosts line text. */
function newKey(dir: string, name: string): { blob: Buffer; line: string } {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path]);
  const line = readFileSync(`${path}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  return { blob: Buffer.from(line.split(' ')[1]!, 'base64'), line };
}

describe('known_hosts', () => {
  const dir = tempDir();
  const a = newKey(dir, 'a');
  const b = newKey(dir, 'b');
  const policy = (file: string, strict: HostKeyPolicy['strict'], name = '[h]:2222'): HostKeyPolicy => ({ name, userFiles: [file], globalFiles: [], strict, hashNewEntries: false });

  it('computes fingerprints as ssh-keygen does', () => {
    const printed = execFileSync('ssh-keygen', ['-lf', join(dir, 'a.pub')], { encoding: 'utf8' }).split(' ')[1];
    assert.equal(fingerprint(a.blob), printed);
  });

  it('matches plain, wildcard, negated and hashed host names', () => {
    const file = join(dir, 'kh1');
    writeFileSync(file, `# comment\nplain,other ${a.line}\n*.example.com,!bad.example.com ${a.line}\n[h]:2222 ${b.line}\n`);
    addKnownHost(file, 'hashed-host', a.blob, true);
    const entries = readKnownHosts([file, join(dir, 'missing')]);
    assert.equal(entriesFor(entries, 'plain').length, 1);
    assert.equal(entriesFor(entries, 'x.example.com').length, 1);
    assert.equal(entriesFor(entries, 'bad.example.com').length, 0);
    assert.equal(entriesFor(entries, '[h]:2222').length, 1);
    assert.equal(entriesFor(entries, 'h').length, 0);
    assert.equal(entriesFor(entries, 'hashed-host').length, 1);
    assert.ok(readFileSync(file, 'utf8').includes('|1|'), 'the added name is hashed');
    assert.equal(knownHostsName('h', 22), 'h');
    assert.equal(knownHostsName('h', 2222), '[h]:2222');
  });

  it('yes: known key passes, unknown host and changed key fail with both fingerprints', () => {
    const file = join(dir, 'kh2');
    writeFileSync(file, `[h]:2222 ${a.line}\n`);
    verifyHostKey(a.blob, policy(file, 'yes'));
    assert.throws(
      () => verifyHostKey(b.blob, policy(file, 'yes')),
      (error) =>
        error instanceof SshHostKeyError &&
        error instanceof HostKeyError &&
        error.code === ExecnetErrorCode.HOST_KEY &&
        error.problem === 'changed' &&
        error.offeredFingerprint === fingerprint(b.blob) &&
        error.expectedFingerprints[0] === fingerprint(a.blob),
    );
    assert.throws(() => verifyHostKey(a.blob, policy(file, 'yes', 'other')), (error) => error instanceof SshHostKeyError && error.problem === 'unknown');
  });

  it('accept-new adds an unknown host but refuses a changed key; no accepts both', () => {
    const file = join(dir, 'kh3');
    writeFileSync(file, '');
    verifyHostKey(a.blob, policy(file, 'accept-new'));
    assert.match(readFileSync(file, 'utf8'), /^\[h\]:2222 ssh-ed25519 /);
    verifyHostKey(a.blob, policy(file, 'yes'));
    assert.throws(() => verifyHostKey(b.blob, policy(file, 'accept-new')), (error) => error instanceof SshHostKeyError && error.problem === 'changed');
    verifyHostKey(b.blob, policy(file, 'no'));
    verifyHostKey(b.blob, policy(file, 'no', 'new-host'));
    assert.match(readFileSync(file, 'utf8'), /^new-host /m);
  });

  it('@revoked keys are refused whatever the mode', () => {
    const file = join(dir, 'kh4');
    writeFileSync(file, `@revoked * ${a.line}\n`);
    assert.throws(() => verifyHostKey(a.blob, policy(file, 'no')), (error) => error instanceof SshHostKeyError && error.problem === 'revoked');
  });
});

describe('known_hosts against the test sshd', { skip: fixture.skip }, () => {
  const sshd = fixture.sshd!;
  const dir = tempDir();
  const open = gatewayPool();
  const offered = fingerprint(Buffer.from(sshd.hostPublicKey.split(' ')[1]!, 'base64'));
  const args = (knownHosts: string, strict: string) => `ssh=-p ${sshd.port} -i ${sshd.key} -o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=${strict} ${sshd.user}@127.0.0.1`;

  it('a changed host key is refused, naming the expected and the offered fingerprint', async () => {
    const other = newKey(dir, 'impostor');
    const file = join(dir, 'changed');
    writeFileSync(file, `[127.0.0.1]:${sshd.port} ${other.line}\n`);
    registerTransport(isolatedTransport());
    for (const strict of ['yes', 'accept-new']) {
      await assert.rejects(makeGateway(args(file, strict)), (error) => {
        assert.ok(error instanceof SshHostKeyError);
        assert.equal(error.code, ExecnetErrorCode.HOST_KEY);
        assert.equal(error.problem, 'changed');
        assert.equal(error.offeredFingerprint, offered);
        assert.deepEqual(error.expectedFingerprints, [fingerprint(other.blob)]);
        return true;
      });
    }
  });

  it('an unknown host is refused with StrictHostKeyChecking=yes', async () => {
    const file = join(dir, 'empty-yes');
    writeFileSync(file, '');
    registerTransport(isolatedTransport());
    await assert.rejects(makeGateway(args(file, 'yes')), (error) => error instanceof SshHostKeyError && error.problem === 'unknown' && error.offeredFingerprint === offered);
  });

  it('accept-new adds the key, and the next strict connection accepts it', async () => {
    const file = join(dir, 'empty-accept-new');
    writeFileSync(file, '');
    const gw = await open(args(file, 'accept-new'));
    assert.equal(await gw.remoteExec('channel.send(1)').receive({ timeout: 10_000 }), 1);
    assert.equal(readFileSync(file, 'utf8').trim(), `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}`);
    const strict = await open(args(file, 'yes'), {});
    assert.equal(await strict.remoteExec('channel.send(2)').receive({ timeout: 10_000 }), 2);
  });

  it('StrictHostKeyChecking=no connects despite a changed key', async () => {
    const file = join(dir, 'changed-no');
    writeFileSync(file, `[127.0.0.1]:${sshd.port} ${newKey(dir, 'other2').line}\n`);
    const gw = await open(args(file, 'no'));
    assert.equal(await gw.remoteExec('channel.send(3)').receive({ timeout: 10_000 }), 3);
  });
});
