import { runTransportCompliance } from '@execnet/testkit/transport-compliance';
import { isolatedTransport } from './helpers/gateways.js';
import { useSshd } from './helpers/sshd.js';

// The shared transport cases (DESIGN §3), over ssh to a throwaway OpenSSH server on 127.0.0.1.
const fixture = await useSshd();
runTransportCompliance({
  name: 'ssh',
  skip: fixture.skip,
  setup: async () => ({ transport: isolatedTransport(), spec: `ssh=${fixture.sshd!.sshArgs()}` }),
  teardown: async () => {},
  badSpecs: ['ssh=', 'ssh=-p', 'ssh=-p notaport host', 'ssh=-L 8080:x:80 host', 'ssh=host extra words', 'ssh=-o ProxyCommand=nc host'],
});
