/* The README's example, as written there (console.log replaced by assertions). */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { makeGateway, registerTransport } from '@execnet/core';
import { socketTransport, startSocketServer } from '@execnet/transport-socket';

it('README example: a server, a socket gateway, a round trip', async () => {
  const secret = 'correct horse battery staple';
  const server = await startSocketServer({ port: 0, secret, log: () => undefined }); // 127.0.0.1, a free port
  registerTransport(socketTransport({ secret }));

  const gw = await makeGateway(`socket=${server.address}`);
  const ch = gw.remoteExec('channel.send(await channel.receive() * 2)');
  await ch.send(21);
  assert.equal(await ch.receive(), 42);
  await gw.terminate();
  await server.close();
});
