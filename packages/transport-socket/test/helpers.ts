import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSocketServer, type SocketServer, type SocketServerEvent, type SocketServerOptions } from '@execnet/transport-socket';

/** A secret long enough for the server. */
export const SECRET = 'test-secret-0123456789abcdef';

/** A server for tests, with every event it logged. */
export interface TestServer {
  server: SocketServer;
  events: SocketServerEvent[];
  /** The `connection` events so far. */
  connections(): Array<Extract<SocketServerEvent, { kind: 'connection' }>>;
}

/** Starts a server on an ephemeral loopback port, logging into an array instead of stderr. */
export async function startTestServer(options: SocketServerOptions = {}): Promise<TestServer> {
  const events: SocketServerEvent[] = [];
  const server = await startSocketServer({ port: 0, secret: SECRET, ...options, log: (_line, event) => events.push(event) });
  return {
    server,
    events,
    connections: () => events.filter((e): e is Extract<SocketServerEvent, { kind: 'connection' }> => e.kind === 'connection'),
  };
}

/** A self-signed certificate for 127.0.0.1 and localhost, made with openssl in a temp folder. */
export interface TestCertificate {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
  dir: string;
  remove(): void;
}

/** Makes a throwaway self-signed certificate (EC P-256, one day). */
export function makeCertificate(commonName = 'localhost', altNames = 'IP:127.0.0.1,IP:::1,DNS:localhost'): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'execnet-socket-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', `/CN=${commonName}`,
    '-addext', `subjectAltName=${altNames}`,
  ], { stdio: 'ignore' });
  return {
    cert: readFileSync(certFile, 'utf8'),
    key: readFileSync(keyFile, 'utf8'),
    certFile,
    keyFile,
    dir,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True while a process with this pid exists (and is not a zombie we could still reap). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // A zombie has exited already; only its parent has not collected it yet.
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Polls `condition` every 25 ms until it holds; false if it did not within `ms`. */
export async function eventually(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
  return true;
}
