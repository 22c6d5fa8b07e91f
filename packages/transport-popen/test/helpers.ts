import { registerTransport } from '@execnet/core';
import { gatewayPool as testkitGatewayPool, type OpenGateway } from '@execnet/testkit';
import { popenTransport } from '@execnet/transport-popen';

registerTransport(popenTransport());

export { processExists, sleep, type OpenGateway } from '@execnet/testkit';

/**
 * Returns a function that opens gateways (`popen` unless told otherwise) and remembers them;
 * they are all terminated in `after` of the suite (or file) where this was called.
 */
export function gatewayPool(): OpenGateway {
  return testkitGatewayPool({ defaultSpec: 'popen' });
}
