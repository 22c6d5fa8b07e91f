import { after } from 'node:test';
import { makeGateway, type Gateway, type MakeGatewayOptions } from '@execnet/core';

/** Opens a gateway. */
export type OpenGateway = (spec?: string, options?: MakeGatewayOptions) => Promise<Gateway>;

/** How a {@link gatewayPool} opens gateways. */
export interface GatewayPoolOptions {
  /** The spec when the caller gives none (default `popen`). */
  defaultSpec?: string;
  /** Options merged under the caller's (e.g. an `onOutput` that keeps test output quiet). */
  defaultOptions?: MakeGatewayOptions;
  /** Runs before each gateway is opened (e.g. registering the transport under test). */
  beforeOpen?: () => void;
}

/**
 * Returns a function that opens gateways and remembers them; they are all terminated in
 * `after` of the suite (or file) where this was called.
 */
export function gatewayPool(pool: GatewayPoolOptions = {}): OpenGateway {
  const gateways: Gateway[] = [];
  after(async () => {
    await Promise.all(gateways.splice(0).map((gw) => gw.terminate({ timeout: 2000 })));
  });
  return async (spec = pool.defaultSpec ?? 'popen', options) => {
    pool.beforeOpen?.();
    const gw = await makeGateway(spec, { ...pool.defaultOptions, ...options });
    gateways.push(gw);
    return gw;
  };
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True while a process with this pid exists on this machine. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
