import { registerTransport } from '@execnet/core';
import { popenTransport } from '@execnet/transport-popen';

registerTransport(popenTransport());

/** Gateways opened by a pool (`popen` unless told otherwise) end in `after` of their suite. */
export { gatewayPool, processExists, sleep, type OpenGateway } from '@execnet/testkit';
