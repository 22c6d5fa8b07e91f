/**
 * Demo: start a Node worker over popen, run code there, talk to it over a channel, then
 * exchange a value with Python execnet through the byte-compatible serializer.
 */
import { spawnSync } from 'node:child_process';
// The execnet package registers every transport (popen, ssh, vagrant_ssh, socket) on import.
import { dumps, loads, makeGateway, tuple } from 'execnet';

const gw = await makeGateway('popen');
console.log(`started ${gw.id}, worker pid ${gw.pid}`);

// The string is an async function body; `channel` is in scope on the worker.
const channel = gw.remoteExec(`
  for await (const n of channel) await channel.send({ n, squared: n * n, pid: process.pid })
`);
for (const n of [1, 2, 3]) {
  await channel.send(n);
  console.log('worker answered', await channel.receive());
}
channel.close();
console.log('remote status', await gw.remoteStatus());
await gw.terminate();

// The same value in Python execnet's own format, checked by Python itself when it is there.
const bytes = dumps({ greeting: 'hello', point: tuple(1, 2.5), big: 2n ** 70n }, { version: 1 });
const python = spawnSync('/usr/bin/python3', ['-c', 'import execnet,sys; v = execnet.loads(sys.stdin.buffer.read()); print(repr(v)); sys.stdout.flush(); sys.stdout.buffer.write(execnet.dumps(v))'], {
  input: bytes,
});
if (python.status === 0) {
  const [repr] = python.stdout.toString('latin1').split('\n');
  console.log('python execnet loaded', repr);
  console.log('and sent back', loads(python.stdout.subarray(python.stdout.indexOf(10) + 1)));
} else {
  console.log('python3-execnet not installed: skipping the Python round trip');
}
