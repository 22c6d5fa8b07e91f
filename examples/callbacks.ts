/**
 * Receiving items with a callback instead of `receive()` (execnet docs: "Receive results
 * asynchronously with callbacks"). The end marker is delivered once the channel closes.
 *
 *   node --import tsx --conditions=@execnet/source examples/callbacks.ts
 */
import { makeGateway } from 'execnet';

const gw = await makeGateway('popen');
const END = 'end of results';

const ch = gw.remoteExec(`
  for (let i = 1; i <= 5; i++) await channel.send({ step: i, pid: process.pid })
`);
const received: unknown[] = [];
const finished = new Promise<void>((resolve) => {
  ch.setCallback(
    (item) => {
      if (item === END) {
        console.log('callback got the end marker');
        resolve();
        return;
      }
      received.push(item);
      console.log('callback got', item);
    },
    { endMarker: END },
  );
});
await finished;
console.log(`${received.length} items by callback`);

// Callbacks on many channels at once: the results arrive as they are ready.
const sums: number[] = [];
await Promise.all(
  [3, 1, 2].map((delay) => {
    const worker = gw.remoteExec('await new Promise((r) => setTimeout(r, delay * 20)); channel.send(delay * 100)', { delay });
    return new Promise<void>((resolve) => worker.setCallback((item) => (item === null ? resolve() : sums.push(item as number)), { endMarker: null }));
  }),
);
console.log('arrived in order of readiness:', sums.join(' '));

await gw.terminate();
