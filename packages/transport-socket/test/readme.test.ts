/* The README's example, as written there (console.log replaced by assertions). */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { makeGateway, registerTransport } from '@execnet/core';
import { socketTransport, startSocketServer } from '@execnet/transport-socket';
import { skipUnlessPythonExecnet, startPythonSocketServer } from './python-server.js';

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

it('README example: a Python execnet socketserver, with the opt-in', { skip: skipUnlessPythonExecnet() }, async () => {
  const py = await startPythonSocketServer(); // the README's server runs on 127.0.0.1:8888; here a free port
  try {
    registerTransport(socketTransport({ unauthenticatedPython: true })); // 1. the program allows it
    const gw = await makeGateway(`socket=${py.address}//python`); // 2. the spec asks for it
    const ch = gw.remoteExec('channel.send(channel.receive() * 2)'); // Python source
    await ch.send(21);
    assert.equal(await ch.receive({ timeout: 10_000 }), 42);
    await gw.terminate();
  } finally {
    await py.stop();
  }
});
