/*
 * The execnet-socketserver command, run from source with tsx: flags, --once, SIGTERM.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ExecnetErrorCode, Group, isExecnetError, registerTransport } from '@execnet/core';
import { socketTransport } from '@execnet/transport-socket';
import { eventually, makeCertificate, processExists, SECRET } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..', '..');
const bin = join(here, '..', 'src', 'bin.ts');

interface RunningBin {
  child: ChildProcessByStdio<null, Readable, Readable>;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: string | null }>;
}

/** Starts the command; the environment has no EXECNET_SOCKET_SECRET unless `env` gives one. */
function runBin(args: string[], env: Record<string, string> = {}): RunningBin {
  const base = { ...process.env };
  delete base.EXECNET_SOCKET_SECRET;
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@execnet/source', bin, ...args], {
    cwd: repoRoot,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Waits for the "listening on HOST:PORT" line; returns the address. */
async function listening(running: RunningBin): Promise<string> {
  const ok = await eventually(() => /listening on (\S+)\n/.test(running.stdout()) || running.child.exitCode !== null, 20_000);
  const match = /listening on (\S+)\n/.exec(running.stdout());
  assert.ok(ok && match, `no listening line; stderr: ${running.stderr()}`);
  return match[1]!;
}

describe('execnet-socketserver', () => {
  let dir: string;
  let secretFile: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'execnet-socketserver-'));
    secretFile = join(dir, 'secret');
    writeFileSync(secretFile, `${SECRET}\n`);
    chmodSync(secretFile, 0o600);
    registerTransport(socketTransport({ secret: SECRET }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--help prints the usage and exits 0', async () => {
    const running = runBin(['--help']);
    assert.deepEqual(await running.exited, { code: 0, signal: null });
    assert.match(running.stdout(), /usage: execnet-socketserver/);
  });

  it('a bad command line exits 2; no secret exits 1', async () => {
    const bad = runBin(['--listen', 'nonsense:port']);
    assert.equal((await bad.exited).code, 2);
    const unknown = runBin(['--no-such-flag']);
    assert.equal((await unknown.exited).code, 2);
    const noSecret = runBin(['--listen', '127.0.0.1:0']);
    assert.equal((await noSecret.exited).code, 1);
    assert.match(noSecret.stderr(), /secret/);
  });

  it('--insecure-no-secret on an address others can reach needs --force', async () => {
    const refused = runBin(['--listen', '0.0.0.0:0', '--insecure-no-secret']);
    assert.equal((await refused.exited).code, 1);
    const forced = runBin(['--listen', '0.0.0.0:0', '--insecure-no-secret', '--force']);
    try {
      await listening(forced);
      // stdout and stderr are separate pipes: the warning may arrive after the listening line.
      assert.ok(await eventually(() => /warning/.test(forced.stderr()), 10_000), `no warning; stderr: ${forced.stderr()}`);
      forced.child.kill('SIGTERM');
      assert.deepEqual(await forced.exited, { code: 0, signal: null });
    } finally {
      forced.child.kill('SIGKILL');
    }
  });

  it('--once serves one gateway, then exits 0 by itself', async () => {
    const running = runBin(['--listen', '127.0.0.1:0', '--secret-file', secretFile, '--once']);
    const group = new Group();
    try {
      const address = await listening(running);
      const gw = await group.makeGateway(`socket=${address}`, { onOutput: () => undefined });
      assert.equal(await gw.remoteExec('channel.send("from the bin")').receive({ timeout: 10_000 }), 'from the bin');
      await group.terminate({ timeout: 2000 });
      assert.deepEqual(await running.exited, { code: 0, signal: null });
      assert.equal(running.stderr().match(/ served, /g)?.length, 1, `one line for the connection:\n${running.stderr()}`);
    } finally {
      running.child.kill('SIGKILL');
      await group.terminate({ timeout: 1000 });
    }
  });

  it('SIGTERM stops it, ending its workers; the secret may come from EXECNET_SOCKET_SECRET', async () => {
    const running = runBin(['--listen', '127.0.0.1:0'], { EXECNET_SOCKET_SECRET: SECRET });
    const group = new Group();
    try {
      const address = await listening(running);
      const gw = await group.makeGateway(`socket=${address}`, { onOutput: () => undefined });
      const { pid } = await gw.remoteInfo();
      const busy = gw.remoteExec('await channel.send("spinning"); for (;;) {}');
      assert.equal(await busy.receive({ timeout: 10_000 }), 'spinning');
      const pending = busy.receive({ timeout: 10_000 });
      pending.catch(() => undefined);
      running.child.kill('SIGTERM');
      assert.deepEqual(await running.exited, { code: 0, signal: null });
      assert.equal(processExists(pid), false, 'the worker is gone');
      await assert.rejects(pending, (e: unknown) => isExecnetError(e) && e.code === ExecnetErrorCode.GATEWAY_CLOSED);
      assert.match(running.stderr(), /served, worker \d+ killed by SIGTERM/);
    } finally {
      running.child.kill('SIGKILL');
      await group.terminate({ timeout: 1000 });
    }
  });

  it('--tls-cert and --tls-key: TLS clients that trust the certificate connect', async () => {
    const certificate = makeCertificate();
    const running = runBin(['127.0.0.1:0', '--secret-file', secretFile, '--tls-cert', certificate.certFile, '--tls-key', certificate.keyFile]);
    try {
      const address = await listening(running);
      registerTransport(socketTransport({ secret: SECRET, tls: { ca: certificate.cert } }));
      const group = new Group();
      const gw = await group.makeGateway(`socket=${address}`, { onOutput: () => undefined });
      assert.equal(await gw.remoteExec('channel.send("over TLS")').receive({ timeout: 10_000 }), 'over TLS');
      await group.terminate({ timeout: 2000 });
    } finally {
      registerTransport(socketTransport({ secret: SECRET }));
      running.child.kill('SIGTERM');
      await running.exited;
      certificate.remove();
    }
  });
});
