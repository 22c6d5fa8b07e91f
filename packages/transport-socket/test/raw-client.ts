/** A hand-driven client of the socket protocol, for tests that misbehave on purpose. */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { computeProof, makeNonce } from '../src/auth.js';
import { AuthMethod, GREETING_BYTES, NONCE_SIZE } from '../src/protocol.js';

/** Opens a TCP connection and collects everything the server sends. */
export async function rawConnect(port: number, host = '127.0.0.1'): Promise<{ socket: Socket; received: () => Buffer; closed: Promise<void> }> {
  const socket = connect({ host, port });
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => Buffer.concat(chunks), closed };
}

/** Resolves once `read()` holds at least `size` bytes (or the socket closed). */
export async function waitForBytes(read: () => Buffer, size: number, closed: Promise<void>): Promise<Buffer> {
  let done = false;
  void closed.then(() => (done = true));
  while (read().length < size && !done) await new Promise((resolve) => setTimeout(resolve, 5));
  return read();
}

/** The client hello for the server nonce in `greeting`, proving `secret`. */
export function clientHello(greeting: Buffer, secret: string): Buffer {
  const serverNonce = greeting.subarray(GREETING_BYTES.length + 1, GREETING_BYTES.length + 1 + NONCE_SIZE);
  const input = { secret: new TextEncoder().encode(secret), serverNonce, clientNonce: makeNonce(), binding: new Uint8Array(0) };
  return Buffer.concat([GREETING_BYTES, Uint8Array.of(AuthMethod.HMAC_SHA256), input.clientNonce, computeProof(input, 'client')]);
}

/** Bytes of a greeting with a nonce. */
export const GREETING_WITH_NONCE = GREETING_BYTES.length + 1 + NONCE_SIZE;

/**
 * A bootstrap for the worker loader (4-byte length + script) that creates `marker` and exits:
 * if it ever reaches a worker, the file exists.
 */
export function markerBootstrap(marker: string): Buffer {
  const script = Buffer.from(`(function (require) { require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran'); process.exit(0) })`);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(script.length, 0);
  return Buffer.concat([length, script]);
}

/** A TCP relay to `port` that records the bytes of each direction. */
export async function recordingProxy(port: number): Promise<{ server: Server; port: number; toServer: Buffer[]; toClient: Buffer[] }> {
  const toServer: Buffer[] = [];
  const toClient: Buffer[] = [];
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    client.on('data', (chunk: Buffer) => toServer.push(chunk));
    upstream.on('data', (chunk: Buffer) => toClient.push(chunk));
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, toServer, toClient };
}
