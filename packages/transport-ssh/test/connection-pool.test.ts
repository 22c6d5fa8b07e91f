import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isolatedTransport, gatewayPool, tempDir, eventually } from './helpers/gateways.js';
import { tcpConnectionOwner } from './helpers/sockets.js';
import { useSshd } from './helpers/sshd.js';
import type { Gateway } from '@execnet/core';
import { ConnectionPool } from '../src/connection-pool.js';
import { resolveTarget } from '../src/resolve-target.js';
import { parseSshArgs } from '../src/ssh-args.js';

const fixture = await useSshd();

/** The client port of the worker's SSH connection, as the server saw it. */
async function clientPort(gw: Gateway): Promise<number> {
  const ch = gw.remoteExec('channel.send(Number(process.env.SSH_CLIENT.split(" ")[1]))');
  return (await ch.receive({ timeout: 10_000 })) as number;
}

describe('connection sharing against the test sshd', { skip: fixture.skip }, () => {
  const sshd = fixture.sshd!;

  it('gateways to the same host and user share one SSH connection, one channel each', async () => {
    const open = gatewayPool(isolatedTransport());
    const spec = `ssh=${sshd.sshArgs()}`;
    const [a, b, c] = await Promise.all([open(spec), open(spec), open(`${spec}//id=third`)]);
    const ports = await Promise.all([a!, b!, c!].map(clientPort));
    assert.equal(new Set(ports).size, 1, `one TCP connection: ${ports}`);
    const owner = tcpConnectionOwner(ports[0]!, sshd.port);
    assert.equal(owner?.pid, process.pid, 'the connection is this process’s own socket');
    const pids = await Promise.all([a!, b!, c!].map(async (gw) => (await gw.remoteInfo()).pid));
    assert.equal(new Set(pids).size, 3, 'one worker process per gateway');
    // A gateway that ends leaves the others working on the shared connection.
    await a!.terminate();
    assert.equal(await b!.remoteExec('channel.send("still")').receive({ timeout: 10_000 }), 'still');
  });

  it('shareConnections: false gives each gateway its own connection', async () => {
    const open = gatewayPool(isolatedTransport({ shareConnections: false }));
    const spec = `ssh=${sshd.sshArgs()}`;
    const gateways = [await open(spec), await open(spec)];
    const ports = await Promise.all(gateways.map(clientPort));
    assert.notEqual(ports[0], ports[1]);
  });

  it('different settings do not share a connection', async () => {
    const open = gatewayPool(isolatedTransport());
    const one = await open(`ssh=${sshd.sshArgs()}`);
    const other = await open(`ssh=${sshd.sshArgs('-o ServerAliveInterval=30')}`);
    assert.notEqual(await clientPort(one), await clientPort(other));
  });

  it('beyond MaxSessions (10) channels, a second connection is opened', async () => {
    const home = tempDir('execnet-ssh-home-');
    const pool = new ConnectionPool({ share: true, readyTimeout: 20_000 });
    const target = resolveTarget(parseSshArgs(sshd.sshArgs()), {
      home,
      localUser: sshd.user,
      userConfigFile: false,
      systemConfigFile: false,
      agent: false,
      defaultServerAliveInterval: 15,
      env: {},
    });
    // `cat` waits for its stdin and ends when the channel closes.
    const opened = await Promise.all(Array.from({ length: 12 }, () => pool.exec(target, 'cat', new AbortController().signal)));
    try {
      assert.equal(pool.size, 2);
    } finally {
      for (const { channel, lease } of opened) {
        channel.onClose(() => lease.release());
        channel.stream.resume(); // 'close' follows the end of the stream
        channel.close();
      }
    }
    await eventually(() => pool.size === 0, 5000, 'both connections closed with their last channel');
  });

  it('ProxyJump: the connection goes through the jump host', async () => {
    const home = tempDir('execnet-ssh-home-');
    mkdirSync(join(home, '.ssh'));
    const common = `  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${sshd.user}\n  IdentityFile ${sshd.key}\n  UserKnownHostsFile ${sshd.knownHosts}\n`;
    writeFileSync(join(home, '.ssh', 'config'), `Host jumpbox\n${common}Host behind\n${common}  ProxyJump jumpbox\n`);
    const open = gatewayPool(isolatedTransport({ homeDir: home }));
    const gw = await open('ssh=behind');
    const port = await clientPort(gw);
    // The server sees a connection that its own sshd process opened (direct-tcpip), not ours.
    const owner = tcpConnectionOwner(port, sshd.port);
    assert.ok(owner && owner.pid !== process.pid, `owner of the forwarded connection: ${JSON.stringify(owner)}`);
    assert.match(owner.comm, /sshd/);
    // A direct gateway to the jump host shares the jump connection.
    const direct = await open('ssh=jumpbox');
    const directPort = await clientPort(direct);
    assert.equal(tcpConnectionOwner(directPort, sshd.port)?.pid, process.pid);
  });
});
