import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Group, registerTransport } from '@execnet/core';
import { memoryTransport } from '@execnet/testkit';

it('README: a memory gateway round trip', async () => {
  registerTransport(memoryTransport());
  const group = new Group();
  const gw = await group.makeGateway('memory');
  const ch = gw.remoteExec('channel.send(await channel.receive() * 2)');
  await ch.send(21);
  assert.equal(await ch.receive({ timeout: 10_000 }), 42);
  await group.terminate();
});
