/**
 * Remote execution and channels (execnet docs: "Basic local and remote communication",
 * "Channels can be passed around").
 *
 *   node --import tsx --conditions=@execnet/source examples/remote-exec.ts
 */
import { makeGateway, tuple, type Channel } from 'execnet';

const gw = await makeGateway('popen');

// A string is the body of an async function; `channel` is in scope on the worker.
const ch = gw.remoteExec('channel.send(await channel.receive() + 1)');
await ch.send(1);
console.log('incremented:', await ch.receive()); // 2

// kwargs become variables of the remote code.
const greeter = gw.remoteExec('channel.send(`${greeting}, ${name}!`)', { greeting: 'hello', name: 'world' });
console.log('greeting:', await greeter.receive());

// A long-running remote loop: one request, one answer, until the master closes the channel.
const squares = gw.remoteExec(`
  for await (const n of channel) await channel.send(n * n)
`);
for (const n of [2, 3, 4]) {
  await squares.send(n);
  console.log(`${n} squared:`, await squares.receive());
}
squares.close();

// A function is shipped as source and called as fn(channel, kwargs); it must not use closures.
const info = gw.remoteExec(async (channel: Channel, kwargs: { keys: string[] }) => {
  await channel.send(kwargs.keys.map((key) => [key, typeof (process as unknown as Record<string, unknown>)[key]]));
}, { keys: ['pid', 'version', 'nope'] });
console.log('remote process fields:', await info.receive());

// Values keep Python execnet's model: tuples, bytes, bigints, sets, maps...
const echo = gw.remoteExec('channel.send(await channel.receive())');
await echo.send({ point: tuple(1, 2), bytes: new Uint8Array([0, 255]), big: 2n ** 64n, tags: new Set(['a']) });
console.log('echoed:', await echo.receive());

// Channels travel inside values: the worker answers on the channel it was given.
const replies = gw.newChannel();
const forwarder = gw.remoteExec('const reply = await channel.receive(); await reply.send("sent over a channel I received")');
await forwarder.send(replies);
console.log('reply:', await replies.receive());

// Many channels share one gateway; remote errors come back with the remote stack.
try {
  await gw.remoteExec('throw new Error("no such thing")').receive();
} catch (error) {
  console.log('remote error:', (error as Error).name);
}

await gw.terminate();
console.log('done');
