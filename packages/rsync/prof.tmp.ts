import { makeGateway, registerTransport } from '@execnet/core';
import { popenTransport } from '@execnet/transport-popen';
import { RSync } from '@execnet/rsync';
registerTransport(popenTransport());
const gw = await makeGateway(process.env.SPEC ?? 'popen');
const dst = '/tmp/rsb/dst_prof';
for (let i = 0; i < 8; i++) {
  const t0 = performance.now();
  const r = await new RSync('/tmp/rsb/src', { verbose: false }).addTarget(gw, dst).send();
  console.log(i, (performance.now() - t0).toFixed(1), 'ms', r.targets[0].filesRequested);
}
const t0 = performance.now();
const ch = gw.remoteExec('channel.send(1)'); await ch.receive();
console.log('rtt exec', (performance.now() - t0).toFixed(2));
await gw.terminate();
