/*
 * Authentication and hostile clients: nothing reaches a worker without the secret, a recorded
 * handshake cannot be replayed, idle or garbage connections cannot lock others out, the client
 * checks the server too, and the secret never crosses the wire.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ExecnetErrorCode, Group, registerTransport, type Transport } from '@execnet/core';
import { SocketErrorCode, socketTransport } from '@execnet/transport-socket';
import { AuthStatus, GREETING_BYTES } from '../src/protocol.js';
import { computeProof } from '../src/auth.js';
import { eventually, makeCertificate, SECRET, sleep, startTestServer, type TestCertificate, type TestServer } from './helpers.js';
import { clientHello, GREETING_WITH_NONCE, markerBootstrap, rawConnect, recordingProxy, waitForBytes } from './raw-client.js';

/** Makes a gateway through `transport` in a fresh group; returns the group for cleanup. */
async function gatewayWith(transport: Transport, spec: string): Promise<Group> {
  registerTransport(transport);
  const group = new Group();
  try {
    const gw = await group.makeGateway(spec, { timeout: 10_000, onOutput: () => undefined });
    const ch = gw.remoteExec('channel.send(6 * 7)');
    assert.equal(await ch.receive({ timeout: 10_000 }), 42);
    return group;
  } catch (error) {
    await group.terminate({ timeout: 1000 });
    throw error;
  }
}

/** Asserts that making a gateway rejects with an execnet error of `code`. */
async function assertRefused(transport: Transport, spec: string, code: string): Promise<void> {
  await assert.rejects(gatewayWith(transport, spec), (error: { code?: string }) => {
    assert.equal(error.code, code);
    return true;
  });
}

describe('authentication', () => {
  let t: TestServer;
  let dir: string;
  before(async () => {
    t = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'execnet-socket-security-'));
  });
  after(async () => {
    await t.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the right secret connects', async () => {
    const group = await gatewayWith(socketTransport({ secret: SECRET }), `socket=${t.server.address}`);
    await group.terminate({ timeout: 2000 });
  });

  it('no secret: refused with AuthenticationError, and the server logs it', async () => {
    const before = t.connections().length;
    await assertRefused(socketTransport(), `socket=${t.server.address}`, ExecnetErrorCode.AUTHENTICATION);
    assert.ok(await eventually(() => t.connections().length > before, 5000));
    const logged = t.connections().at(-1)!;
    assert.equal(logged.outcome, 'refused');
    assert.equal(logged.workerPid, undefined);
  });

  it('wrong secret: refused with AuthenticationError, and the server logs it', async () => {
    const before = t.connections().length;
    await assertRefused(socketTransport({ secret: 'not-the-secret-0123456789' }), `socket=${t.server.address}`, ExecnetErrorCode.AUTHENTICATION);
    assert.ok(await eventually(() => t.connections().length > before, 5000));
    assert.equal(t.connections().at(-1)!.outcome, 'refused');
  });

  it('wrong secret: code sent along with the hello never runs (no marker file)', async () => {
    // Positive control: with the right secret, this very payload creates the marker.
    const control = join(dir, 'control');
    const good = await rawConnect(t.server.port);
    const greeting = await waitForBytes(good.received, GREETING_WITH_NONCE, good.closed);
    good.socket.write(Buffer.concat([clientHello(greeting, SECRET), markerBootstrap(control)]));
    assert.ok(await eventually(() => existsSync(control), 10_000), 'the payload runs when authenticated');
    good.socket.destroy();

    const marker = join(dir, 'marker');
    const refused = (): number => t.connections().filter((e) => e.outcome === 'refused').length;
    const before = refused();
    const bad = await rawConnect(t.server.port);
    const badGreeting = await waitForBytes(bad.received, GREETING_WITH_NONCE, bad.closed);
    bad.socket.write(Buffer.concat([clientHello(badGreeting, 'not-the-secret-0123456789'), markerBootstrap(marker)]));
    await bad.closed;
    assert.equal(bad.received()[GREETING_WITH_NONCE], AuthStatus.FAILED);
    assert.ok(await eventually(() => refused() > before, 5000), 'logged as refused');
    await sleep(500);
    assert.equal(existsSync(marker), false, 'nothing ran');
  });

  it('a replayed handshake is refused: the server nonce is fresh', async () => {
    const proxy = await recordingProxy(t.server.port);
    const marker = join(dir, 'replayed');
    const group = await gatewayWith(socketTransport({ secret: SECRET }), `socket=127.0.0.1:${proxy.port}`);
    const gw = group.get(0)!;
    await gw.remoteExec('require("fs").writeFileSync(marker, "ran")', { marker }).waitClose({ timeout: 10_000 });
    assert.ok(existsSync(marker));
    await group.terminate({ timeout: 2000 });
    proxy.server.close();
    rmSync(marker);

    // Everything the legitimate client sent (hello, proof, bootstrap, the marker code), replayed.
    const before = t.connections().length;
    const replay = await rawConnect(t.server.port);
    await waitForBytes(replay.received, GREETING_WITH_NONCE, replay.closed);
    replay.socket.write(Buffer.concat(proxy.toServer));
    await replay.closed;
    assert.equal(replay.received()[GREETING_WITH_NONCE], AuthStatus.FAILED);
    assert.ok(await eventually(() => t.connections().length > before, 5000));
    assert.equal(t.connections().at(-1)!.outcome, 'refused');
    await sleep(300);
    assert.equal(existsSync(marker), false, 'the replayed code did not run');
  });

  it('the secret never crosses the wire', async () => {
    const proxy = await recordingProxy(t.server.port);
    const group = await gatewayWith(socketTransport({ secret: SECRET }), `socket=127.0.0.1:${proxy.port}`);
    await group.terminate({ timeout: 2000 });
    proxy.server.close();
    const wire = Buffer.concat([...proxy.toServer, ...proxy.toClient]);
    assert.ok(wire.length > 1000, 'traffic was recorded');
    assert.equal(wire.includes(Buffer.from(SECRET)), false);
  });

  it('random bytes as the first message: closed at once, and the server keeps serving', async () => {
    for (const garbage of [randomBytes(256), Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), Buffer.from('"import os"\n')]) {
      const before = t.connections().length;
      const raw = await rawConnect(t.server.port);
      raw.socket.write(garbage);
      await raw.closed;
      assert.ok(await eventually(() => t.connections().length > before, 5000));
      assert.equal(t.connections().at(-1)!.outcome, 'invalid');
    }
    const group = await gatewayWith(socketTransport({ secret: SECRET }), `socket=${t.server.address}`);
    await group.terminate({ timeout: 2000 });
  });

  it('the client checks the server: a server that does not know the secret is refused', async () => {
    // A fake server: greets, accepts any proof, answers OK with a proof made from a wrong secret.
    const received: Buffer[] = [];
    const fake = createServer((socket) => {
      const nonce = randomBytes(32);
      socket.write(Buffer.concat([GREETING_BYTES, Uint8Array.of(1), nonce]));
      socket.on('data', (chunk: Buffer) => {
        received.push(chunk);
        if (Buffer.concat(received).length === GREETING_BYTES.length + 1 + 64) {
          const clientNonce = Buffer.concat(received).subarray(GREETING_BYTES.length + 1, GREETING_BYTES.length + 33);
          const proof = computeProof({ secret: Buffer.from('wrong-secret-of-an-impostor'), serverNonce: nonce, clientNonce, binding: new Uint8Array(0) }, 'server');
          socket.write(Buffer.concat([Uint8Array.of(AuthStatus.OK), proof]));
        }
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    try {
      const port = (fake.address() as { port: number }).port;
      await assertRefused(socketTransport({ secret: SECRET }), `socket=127.0.0.1:${port}`, ExecnetErrorCode.AUTHENTICATION);
      await sleep(100);
      assert.equal(Buffer.concat(received).length, GREETING_BYTES.length + 1 + 64, 'no bootstrap was sent to the impostor');
    } finally {
      fake.close();
    }
  });
});

describe('hostile and slow clients', () => {
  it('200 idle connections that never send a byte do not stop a legitimate client', async () => {
    const t = await startTestServer();
    const idle: Socket[] = [];
    try {
      const results = await Promise.all(Array.from({ length: 200 }, () => rawConnect(t.server.port)));
      for (const r of results) idle.push(r.socket);
      // Beyond the cap they are closed at once; the rest wait (and would time out after 10 s).
      assert.ok(await eventually(() => t.connections().filter((e) => e.outcome === 'rejected').length >= 200 - 32, 5000));
      // A connection waiting for a second or more makes room for a new one.
      await sleep(1100);
      const group = await gatewayWith(socketTransport({ secret: SECRET }), `socket=${t.server.address}`);
      await group.terminate({ timeout: 2000 });
      assert.ok(t.connections().some((e) => e.outcome === 'evicted'));
      assert.ok(t.connections().some((e) => e.outcome === 'served'));
    } finally {
      for (const socket of idle) socket.destroy();
      await t.server.close();
    }
  });

  it('a connection that does not authenticate in time is closed (handshake timeout)', async () => {
    const t = await startTestServer({ handshakeTimeout: 300 });
    try {
      const raw = await rawConnect(t.server.port);
      const started = Date.now();
      await raw.closed;
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 250 && elapsed < 5000, `closed after ${elapsed} ms`);
      assert.ok(await eventually(() => t.connections().length === 1, 2000));
      assert.equal(t.connections()[0]!.outcome, 'timeout');
    } finally {
      await t.server.close();
    }
  });

  it('a client that stops half-way through its hello times out too', async () => {
    const t = await startTestServer({ handshakeTimeout: 300 });
    try {
      const raw = await rawConnect(t.server.port);
      raw.socket.write(GREETING_BYTES.subarray(0, 5));
      await raw.closed;
      assert.ok(await eventually(() => t.connections().length === 1, 2000));
      assert.equal(t.connections()[0]!.outcome, 'timeout');
    } finally {
      await t.server.close();
    }
  });
});

describe('servers without a secret', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ secret: undefined, insecureNoSecret: true });
  });
  after(() => t.server.close());

  it('warn when they start', () => {
    assert.ok(t.events.some((e) => e.kind === 'warning'));
  });

  it('serve clients without a secret', async () => {
    const group = await gatewayWith(socketTransport(), `socket=${t.server.address}`);
    await group.terminate({ timeout: 2000 });
  });

  it('are refused by a client that has a secret: the server cannot prove who it is', async () => {
    await assertRefused(socketTransport({ secret: SECRET }), `socket=${t.server.address}`, ExecnetErrorCode.AUTHENTICATION);
  });
});

describe('TLS', () => {
  let certificate: TestCertificate;
  let other: TestCertificate;
  let tls: TestServer;
  let plain: TestServer;
  before(async () => {
    certificate = makeCertificate();
    other = makeCertificate();
    tls = await startTestServer({ tls: { cert: certificate.cert, key: certificate.key } });
    plain = await startTestServer();
  });
  after(async () => {
    await tls.server.close();
    await plain.server.close();
    certificate.remove();
    other.remove();
  });

  it('the client verifies the server: an untrusted certificate is a HostKeyError', async () => {
    await assertRefused(socketTransport({ secret: SECRET, tls: { ca: other.cert } }), `socket=${tls.server.address}`, ExecnetErrorCode.HOST_KEY);
    await assertRefused(socketTransport({ secret: SECRET, tls: true }), `socket=${tls.server.address}`, ExecnetErrorCode.HOST_KEY);
  });

  it('a certificate for another name is a HostKeyError', async () => {
    const named = makeCertificate('elsewhere.example', 'DNS:elsewhere.example');
    const server = await startTestServer({ tls: { cert: named.cert, key: named.key } });
    try {
      await assertRefused(socketTransport({ secret: SECRET, tls: { ca: named.cert } }), `socket=${server.server.address}`, ExecnetErrorCode.HOST_KEY);
    } finally {
      await server.server.close();
      named.remove();
    }
  });

  it('host names work: localhost is checked against the certificate', async () => {
    const group = await gatewayWith(socketTransport({ secret: SECRET, tls: { ca: certificate.cert } }), `socket=localhost:${tls.server.port}`);
    await group.terminate({ timeout: 2000 });
  });

  it('a TLS client at a plain server fails with SocketConnectError; the server logs invalid', async () => {
    const before = plain.connections().length;
    await assertRefused(socketTransport({ secret: SECRET, tls: { ca: certificate.cert } }), `socket=${plain.server.address}`, SocketErrorCode.CONNECT);
    assert.ok(await eventually(() => plain.connections().length > before, 5000));
    assert.equal(plain.connections().at(-1)!.outcome, 'invalid');
  });

  it('the wrong secret is refused over TLS too', async () => {
    await assertRefused(socketTransport({ secret: 'not-the-secret-0123456789', tls: { ca: certificate.cert } }), `socket=${tls.server.address}`, ExecnetErrorCode.AUTHENTICATION);
  });
});
