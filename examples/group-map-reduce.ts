/**
 * Map-reduce over a group of gateways (execnet docs: "Work with multiple gateways",
 * "Execute code in parallel"). Three local workers here; put `ssh=host1`, `ssh=host2`, …
 * in EXAMPLE_SPECS (comma-separated) to spread the same work over other machines.
 *
 *   node --import tsx --conditions=@execnet/source examples/group-map-reduce.ts
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Group } from 'execnet';

const specs = process.env['EXAMPLE_SPECS']?.split(',') ?? ['popen//id=alpha', 'popen//id=beta', 'popen//id=gamma'];
const group = await Group.create(specs);
console.log(`group of ${group.size}: ${[...group].map((gw) => gw.id).join(', ')}`);

// Every worker answers at once: group.remoteExec() gives one channel per gateway.
const pids = await group.remoteExec('channel.send(process.pid)').receiveEach();
console.log(`${new Set(pids).size} distinct worker processes`);

// The input: the README of every package of this repository (read by the workers).
const root = fileURLToPath(new URL('..', import.meta.url));
const files = readdirSync(join(root, 'packages')).map((dir) => join(root, 'packages', dir, 'README.md'));

// Map: each worker counts the words of the files it is sent, until it gets null.
const mapper = group.remoteExec(`
  const { readFileSync, existsSync } = require('node:fs');
  const counts = new Map();
  for (let file = await channel.receive(); file !== null; file = await channel.receive()) {
    if (!existsSync(file)) continue;
    for (const word of readFileSync(file, 'utf8').toLowerCase().match(/[a-z]{4,}/g) ?? []) {
      counts.set(word, (counts.get(word) ?? 0) + 1);
    }
    await channel.send(['done', file]);
  }
  // A Map whose keys are all strings arrives as a plain object (Python: a dict).
  await channel.send(['counts', counts]);
`);
// Hand out the files round-robin, then tell every worker to finish.
const channels = [...mapper]; // one per gateway, in the group's order
const workerOf = new Map(channels.map((channel, i) => [channel, [...group][i]!.id]));
await Promise.all(files.map((file, i) => channels[i % channels.length]!.send(file)));
await mapper.sendEach(null);

// Reduce: merge the workers' counts as their results arrive.
const total = new Map<string, number>();
const queue = mapper.makeReceiveQueue({ endMarker: 'closed' });
let open = channels.length;
let filesDone = 0;
while (open > 0) {
  const [channel, item] = await queue.get();
  if (item === 'closed') open--;
  else if ((item as [string])[0] === 'done') filesDone++;
  else {
    const counts = Object.entries((item as [string, Record<string, number>])[1]);
    console.log(`${workerOf.get(channel)} counted ${counts.length} distinct words`);
    for (const [word, n] of counts) total.set(word, (total.get(word) ?? 0) + n);
  }
}
const top = [...total].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 5);
console.log(`${filesDone} files mapped; top words: ${top.map(([word, n]) => `${word}=${n}`).join(' ')}`);

await group.terminate();
