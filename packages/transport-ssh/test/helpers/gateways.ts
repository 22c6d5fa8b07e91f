import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { registerTransport, type Transport } from '@execnet/core';
import { gatewayPool as testkitGatewayPool, sleep, type OpenGateway } from '@execnet/testkit';
import { sshTransport, type SshOptions } from '@execnet/transport-ssh';

/** A temporary folder, removed in `after` of the suite (or file) where this was called. */
export function tempDir(prefix = 'execnet-ssh-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * An ssh transport that sees nothing of this machine's own ssh setup: an empty home
 * directory (no ~/.ssh/config, keys or known_hosts), no system config, no agent.
 */
export function isolatedTransport(options: SshOptions = {}): Transport {
  return sshTransport({ homeDir: tempDir('execnet-ssh-home-'), systemConfigFile: false, agent: false, ...options });
}

export { processExists, sleep, type OpenGateway } from '@execnet/testkit';

/**
 * Registers `transport` (as `ssh`, or under its own name) and returns a function that opens
 * gateways through it; they are all terminated in `after` of the suite where this was called.
 */
export function gatewayPool(transport: Transport = isolatedTransport()): OpenGateway {
  return testkitGatewayPool({ beforeOpen: () => registerTransport(transport), defaultOptions: { onOutput: () => undefined } });
}

/** Waits until `condition()` holds, polling, or throws after `ms`. */
export async function eventually(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(50);
  }
}
