import { Group, registerTransport, transportSymbol, type Transport } from '@execnet/core';
import { runTransportCompliance } from '@execnet/testkit/transport-compliance';
import { popenTransport } from '@execnet/transport-popen';
import { socketTransport } from '@execnet/transport-socket';
import { makeCertificate, SECRET, startTestServer, type TestCertificate, type TestServer } from './helpers.js';

let plain: TestServer | undefined;
runTransportCompliance({
  name: 'socket',
  setup: async () => {
    plain = await startTestServer();
    return { transport: socketTransport({ secret: SECRET }), spec: `socket=${plain.server.address}` };
  },
  teardown: async () => void (await plain?.server.close()),
  badSpecs: ['socket=127.0.0.1', 'socket', 'socket=[::1', 'socket=127.0.0.1:8888//python=python3', 'socket=127.0.0.1:8888//node=/opt/node'],
});

let tls: TestServer | undefined;
let certificate: TestCertificate | undefined;
runTransportCompliance({
  name: 'socket over TLS',
  setup: async () => {
    certificate = makeCertificate();
    tls = await startTestServer({ tls: { cert: certificate.cert, key: certificate.key } });
    return { transport: socketTransport({ secret: SECRET, tls: { ca: certificate.cert } }), spec: `socket=${tls.server.address}` };
  },
  teardown: async () => {
    await tls?.server.close();
    certificate?.remove();
  },
});

// installvia needs gateway `p1` in the group making the gateway; the suite makes a fresh group
// per case, so the transport under test looks `p1` up in a group of its own.
const proxies = new Group();
runTransportCompliance({
  name: 'socket installvia',
  setup: async () => {
    registerTransport(popenTransport());
    await proxies.makeGateway('popen//id=p1');
    const inner = socketTransport();
    const transport: Transport = {
      [transportSymbol]: true,
      [Symbol.toStringTag]: inner[Symbol.toStringTag],
      name: inner.name,
      open: (spec, context) => inner.open(spec, { ...context, lookupGateway: (id) => proxies.get(id) }),
    };
    return { transport, spec: 'socket//installvia=p1' };
  },
  teardown: async () => void (await proxies.terminate({ timeout: 2000 })),
  badSpecs: ['socket//installvia=no-such-gateway', 'socket//installvia=p1//python=python3'],
});
