import { memoryTransport } from '@execnet/testkit';
import { runTransportCompliance } from '@execnet/testkit/transport-compliance';

// Self-check of the suite: the in-memory transport runs every case that needs no worker process.
runTransportCompliance({
  name: 'memory',
  setup: async () => ({ transport: memoryTransport(), spec: 'memory' }),
  teardown: async () => {},
  capabilities: { process: false },
  badSpecs: ['memory//chdir=/tmp', 'memory//env:X=1', 'memory//nice=5', 'memory//bun', 'memory//execmodel=thread'],
});
