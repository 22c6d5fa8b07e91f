import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { makeGateway, registerTransport, type Gateway, type MakeGatewayOptions, type Transport } from '@execnet/core';
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

/** Opens a gateway. */
export type OpenGateway = (spec: string, options?: MakeGatewayOptions) => Promise<Gateway>;

/**
 * Registers `transport` (as `ssh`, or under its own name) and returns a function that opens
 * gateways through it; they are all terminated in `after` of the suite where this was called.
 */
export function gatewayPool(transport: Transport = isolatedTransport()): OpenGateway {
  const gateways: Gateway[] = [];
  after(async () => {
    await Promise.all(gateways.splice(0).map((gw) => gw.terminate({ timeout: 2000 })));
  });
  return async (spec, options) => {
    registerTransport(transport);
    const gw = await makeGateway(spec, { onOutput: () => undefined, ...options });
    gateways.push(gw);
    return gw;
  };
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True while a process with this pid exists (the "remote" side is this machine). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until `condition()` holds, polling, or throws after `ms`. */
export async function eventually(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(50);
  }
}
