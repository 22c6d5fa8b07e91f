import { after } from 'node:test';
import { makeGateway, registerTransport, type Gateway, type MakeGatewayOptions } from '@execnet/core';
import { popenTransport } from '@execnet/transport-popen';

registerTransport(popenTransport());

/** Opens a gateway. */
export type OpenGateway = (spec?: string, options?: MakeGatewayOptions) => Promise<Gateway>;

/**
 * Returns a function that opens gateways and remembers them; they are all terminated in
 * `after` of the suite (or file) where this was called.
 */
export function gatewayPool(): OpenGateway {
  const gateways: Gateway[] = [];
  after(async () => {
    await Promise.all(gateways.splice(0).map((gw) => gw.terminate({ timeout: 2000 })));
  });
  return async (spec = 'popen', options) => {
    const gw = await makeGateway(spec, options);
    gateways.push(gw);
    return gw;
  };
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True while a process with this pid exists. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
