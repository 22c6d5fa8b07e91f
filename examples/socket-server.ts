/**
 * A socket server with a shared secret, and gateways to it (execnet docs: "socketserver").
 * Each client that proves it knows the secret gets its own worker process; the secret itself
 * never crosses the wire. The same server runs from the command line:
 * `EXECNET_SOCKET_SECRET=… execnet socketserver 127.0.0.1:8888`.
 *
 *   node --import tsx --conditions=@execnet/source examples/socket-server.ts
 */
import { randomBytes } from 'node:crypto';
import { Group, registerTransport, socketTransport, startSocketServer } from 'execnet';

const secret = randomBytes(32).toString('hex');
const server = await startSocketServer({ port: 0, secret, log: () => {} });
console.log('socket server listening on a free loopback port');

// Clients give the secret to the transport (or set EXECNET_SOCKET_SECRET).
registerTransport(socketTransport({ secret }));
const group = new Group();
const gw = await group.makeGateway(`socket=${server.address}`);
const ch = gw.remoteExec('channel.send({ pid: process.pid, answer: (await channel.receive()) * 2 })');
await ch.send(21);
const { pid, answer } = (await ch.receive()) as { pid: number; answer: number };
console.log(`worker ${pid === process.pid ? 'is' : 'is not'} this process; it answered ${answer}`);

// A client with the wrong secret is refused before any code can run.
registerTransport(socketTransport({ secret: 'not the secret, but long enough' }));
try {
  await group.makeGateway(`socket=${server.address}`);
  console.log('wrong secret accepted?!');
} catch (error) {
  console.log('wrong secret refused:', (error as Error).name, (error as { code?: string }).code);
}

await group.terminate();
await server.close();
console.log('server closed');
