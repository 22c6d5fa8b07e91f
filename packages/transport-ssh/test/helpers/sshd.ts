import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SSHD = '/usr/sbin/sshd';
const START_SCRIPT = fileURLToPath(new URL('../../../../.ci/sshd-start.sh', import.meta.url));

/** A throwaway OpenSSH server on 127.0.0.1 with its client key and known_hosts file. */
export interface TestSshd {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The folder with the keys, sshd_config, sshd.pid and sshd.log. */
  readonly dir: string;
  /** The client's private key (its public half is authorized). */
  readonly key: string;
  /** A known_hosts file with the server's host key. */
  readonly knownHosts: string;
  /** The login user: this process's user. */
  readonly user: string;
  /** The server's host public key line (`ssh-ed25519 AAAA…`). */
  readonly hostPublicKey: string;
  /** `ssh=` arguments that reach the server with strict host key checking; `extra` goes first. */
  sshArgs(extra?: string): string;
  /** Pid of the listening sshd. */
  listenerPid(): number;
}

/** The server, or why there is none (outside CI only; in CI the helper throws instead). */
export type SshdFixture = { sshd: TestSshd; skip?: undefined } | { sshd?: undefined; skip: string };

let shared: Promise<SshdFixture> | undefined;

/**
 * The sshd for this test file: the one `.ci/run` started (TEST_SSH_PORT, TEST_SSH_KEY,
 * TEST_SSHD_DIR, TEST_SSH_KNOWN_HOSTS) when set, else a new one from `.ci/sshd-start.sh` on a
 * free port, stopped in `after`. Skips only outside CI and only when sshd is not installed;
 * with `CI=true` a missing sshd is an error.
 */
export function useSshd(): Promise<SshdFixture> {
  shared ??= findOrStart();
  return shared;
}

async function findOrStart(): Promise<SshdFixture> {
  const env = process.env;
  if (env.TEST_SSH_PORT && env.TEST_SSH_KEY && env.TEST_SSHD_DIR) {
    return { sshd: describeSshd(Number(env.TEST_SSH_PORT), env.TEST_SSHD_DIR, env.TEST_SSH_KEY, env.TEST_SSH_KNOWN_HOSTS ?? join(env.TEST_SSHD_DIR, 'known_hosts')) };
  }
  if (!existsSync(SSHD)) {
    const reason = `${SSHD} is not installed (apt-get install openssh-server)`;
    if (env.CI === 'true') throw new Error(`${reason}; CI=true: the ssh tests must run`);
    return { skip: reason };
  }
  const started = await start();
  after(() => stop(started));
  return { sshd: started };
}

async function start(): Promise<TestSshd> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, TEST_SSH_PORT: String(port) };
    delete env.TEST_SSHD_DIR;
    try {
      const { stdout } = await run('bash', [START_SCRIPT], { env });
      const exports = Object.fromEntries([...stdout.matchAll(/(\w+)=(\S+)/g)].map((match) => [match[1], match[2]]));
      return describeSshd(Number(exports.TEST_SSH_PORT), exports.TEST_SSHD_DIR!, exports.TEST_SSH_KEY!, exports.TEST_SSH_KNOWN_HOSTS!);
    } catch (error) {
      lastError = error; // most likely the port was taken in between: try another
    }
  }
  throw lastError;
}

function stop(sshd: TestSshd): void {
  try {
    process.kill(sshd.listenerPid(), 'SIGTERM');
  } catch {
    // Already gone.
  }
  rmSync(sshd.dir, { recursive: true, force: true });
}

function describeSshd(port: number, dir: string, key: string, knownHosts: string): TestSshd {
  const user = userInfo().username;
  const hostPublicKey = readFileSync(join(dir, 'host_ed25519.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  return {
    host: '127.0.0.1',
    port,
    dir,
    key,
    knownHosts,
    user,
    hostPublicKey,
    sshArgs: (extra = '') =>
      `${extra ? `${extra} ` : ''}-p ${port} -i ${key} -o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes ${user}@127.0.0.1`,
    listenerPid: () => Number(readFileSync(join(dir, 'sshd.pid'), 'utf8').trim()),
  };
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
