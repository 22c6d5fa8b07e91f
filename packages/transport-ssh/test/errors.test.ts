import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  AuthenticationError,
  BootstrapError,
  ExecnetError,
  ExecnetErrorCode,
  HostNotFound,
  isExecnetError,
  makeGateway,
  registerTransport,
} from '@execnet/core';
import { CONNECTION_ERROR_CODE, ConnectionError, RemoteCommandNotFound, SshAuthenticationError } from '@execnet/transport-ssh';
import { isolatedTransport, tempDir } from './helpers/gateways.js';
import { freePort, useSshd } from './helpers/sshd.js';

const fixture = await useSshd();

describe('error classes', () => {
  it('ConnectionError is an ExecnetError with a stable code and context', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new ConnectionError('connection refused by h port 1', { host: 'h', port: 1, failure: 'refused', cause });
    assert.ok(error instanceof ExecnetError);
    assert.ok(isExecnetError(error));
    assert.equal(error.name, 'ConnectionError');
    assert.equal(error.code, 'ERR_EXECNET_CONNECTION');
    assert.equal(error.cause, cause);
    assert.deepEqual([error.host, error.port, error.failure, error.via], ['h', 1, 'refused', undefined]);
    assert.equal(Object.keys(error).includes('name'), false, 'name is not an own enumerable property');
  });

  it('the ssh subclasses keep the name and code of the core class they refine', () => {
    const auth = new SshAuthenticationError({ host: 'h', port: 22, username: 'u', methodsTried: ['publickey /k'], methodsAllowed: ['publickey'], skippedKeys: [] });
    assert.ok(auth instanceof AuthenticationError);
    assert.equal(auth.name, 'AuthenticationError');
    assert.equal(auth.code, ExecnetErrorCode.AUTHENTICATION);
    const missing = new RemoteCommandNotFound({ command: 'node -e …', executable: 'node', runtimeKey: 'node', where: 'u@h:22' });
    assert.ok(missing instanceof BootstrapError);
    assert.equal(missing.code, ExecnetErrorCode.BOOTSTRAP);
    assert.equal(missing.exitCode, 127);
    assert.match(missing.message, /node=PATH/);
  });
});

describe('errors against the test sshd', { skip: fixture.skip }, () => {
  const sshd = fixture.sshd!;
  const base = `-i ${sshd.key} -o UserKnownHostsFile=${sshd.knownHosts} -o StrictHostKeyChecking=yes`;
  registerTransport(isolatedTransport());

  it('wrong port: ConnectionError (refused)', async () => {
    const port = await freePort();
    await assert.rejects(makeGateway(`ssh=-p ${port} ${base} ${sshd.user}@127.0.0.1`), (error) => {
      assert.ok(error instanceof ConnectionError, String(error));
      assert.equal(error.code, CONNECTION_ERROR_CODE);
      assert.equal(error.failure, 'refused');
      assert.equal(error.port, port);
      return true;
    });
  });

  it('unknown host name: HostNotFound', async () => {
    await assert.rejects(makeGateway(`ssh=${base} ${sshd.user}@no-such-host.invalid`), (error) => {
      assert.ok(error instanceof HostNotFound, String(error));
      assert.equal(error.code, ExecnetErrorCode.HOST_NOT_FOUND);
      assert.equal(error.host, 'no-such-host.invalid');
      return true;
    });
  });

  it('a server that never speaks SSH: ConnectionError (timeout) after ConnectTimeout', async () => {
    const accepted: Socket[] = [];
    const silent = createServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const started = Date.now();
      await assert.rejects(makeGateway(`ssh=-o ConnectTimeout=1 -p ${port} ${base} ${sshd.user}@127.0.0.1`), (error) => {
        assert.ok(error instanceof ConnectionError, String(error));
        assert.equal(error.failure, 'timeout');
        return true;
      });
      assert.ok(Date.now() - started < 5000);
    } finally {
      for (const socket of accepted) socket.destroy();
      silent.close();
    }
  });

  it('a server that closes at once: ConnectionError (closed)', async () => {
    const rude = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => rude.listen(0, '127.0.0.1', resolve));
    const { port } = rude.address() as AddressInfo;
    try {
      await assert.rejects(makeGateway(`ssh=-p ${port} ${base} ${sshd.user}@127.0.0.1`), (error) => {
        assert.ok(error instanceof ConnectionError, String(error));
        assert.ok(['closed', 'reset'].includes(error.failure), error.failure);
        return true;
      });
    } finally {
      rude.close();
    }
  });

  it('wrong key: AuthenticationError listing the methods tried', async () => {
    const dir = tempDir();
    const wrongKey = join(dir, 'wrong_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrongKey]);
    const encrypted = join(dir, 'encrypted_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-f', encrypted]);
    const spec = `ssh=-p ${sshd.port} -i ${wrongKey} -i ${encrypted} -i ${join(dir, 'missing')} -o UserKnownHostsFile=${sshd.knownHosts} ${sshd.user}@127.0.0.1`;
    await assert.rejects(makeGateway(spec), (error) => {
      assert.ok(error instanceof SshAuthenticationError, String(error));
      assert.ok(error instanceof AuthenticationError);
      assert.equal(error.code, ExecnetErrorCode.AUTHENTICATION);
      assert.deepEqual(error.methodsTried, [`publickey ${wrongKey}`]);
      assert.deepEqual(error.methodsAllowed, ['publickey']);
      assert.equal(error.skippedKeys.length, 2);
      assert.ok(error.skippedKeys[0]!.startsWith(`${encrypted}:`));
      assert.equal(error.username, sshd.user);
      return true;
    });
  });

  it('missing remote runtime: RemoteCommandNotFound suggesting node=', async () => {
    await assert.rejects(makeGateway(`ssh=${sshd.sshArgs()}//node=/no/such/node`), (error) => {
      assert.ok(error instanceof RemoteCommandNotFound, String(error));
      assert.ok(error instanceof BootstrapError);
      assert.equal(error.code, ExecnetErrorCode.BOOTSTRAP);
      assert.equal(error.exitCode, 127);
      assert.equal(error.executable, '/no/such/node');
      assert.match(error.reason, /node=PATH/);
      return true;
    });
  });

  it('a runtime that exits before the handshake: BootstrapError with its exit code', async () => {
    await assert.rejects(makeGateway(`ssh=${sshd.sshArgs()}//node=/bin/false`), (error) => {
      assert.ok(error instanceof BootstrapError, String(error));
      assert.ok(!(error instanceof RemoteCommandNotFound));
      assert.equal(error.exitCode, 1);
      return true;
    });
  });
});
