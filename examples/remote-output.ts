/**
 * Redirecting remote output to the master (execnet docs: "Redirect output of remote print
 * statements to local"). Two ways: a channel file the remote code writes to, and the
 * gateway's `onOutput` handler, which receives the worker's own stdout/stderr.
 *
 *   node --import tsx --conditions=@execnet/source examples/remote-output.ts
 */
import { makeGateway, type Channel } from 'execnet';

// 1. Remote code makes a channel, turns it into a writable file and sends the channel over.
const gw = await makeGateway('popen');
const ch = gw.remoteExec(`
  const out = channel.gateway.newChannel();
  await channel.send(out);
  const file = out.makeFile('w');
  for (const word of ['writes', 'to', 'a', 'channel', 'file']) file.write(word + '\\n');
  out.close();
`);
const out = (await ch.receive()) as Channel;
const lines: string[] = [];
await new Promise<void>((resolve) =>
  out.setCallback((item) => (item === null ? resolve() : lines.push(String(item).trimEnd())), { endMarker: null }),
);
console.log('remote wrote:', lines.join(' '));

// The other direction: a readable file of what the other side sends.
const reader = gw.remoteExec('for (const part of ["read ", "from ", "a ", "channel"]) await channel.send(part)');
const file = reader.makeFile('r');
file.setEncoding('utf8');
let text = '';
for await (const chunk of file) text += chunk;
console.log('master read:', text);
await gw.terminate();

// 2. The worker's stdout and stderr (console.log, child processes) go to onOutput.
const captured: string[] = [];
const loud = await makeGateway('popen', { onOutput: (chunk, stream) => captured.push(`${stream}: ${chunk.trimEnd()}`) });
await loud.remoteExec('console.log("printed by the worker"); console.error("and a warning")').waitClose();
await loud.terminate();
console.log('captured:', captured.sort().join(' | '));
