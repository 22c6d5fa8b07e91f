import { runTransportCompliance } from '@execnet/testkit/transport-compliance';
import { popenTransport } from '@execnet/transport-popen';

// The shared transport cases (DESIGN §3), on local subprocesses.
runTransportCompliance({
  name: 'popen',
  setup: async () => ({ transport: popenTransport(), spec: 'popen' }),
  teardown: async () => {},
});
