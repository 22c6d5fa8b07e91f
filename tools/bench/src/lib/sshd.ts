/**
 * The OpenSSH server of the `ssh` section: the one `.ci/run` started (its exported
 * TEST_SSH_PORT, TEST_SSH_KEY, TEST_SSH_KNOWN_HOSTS, TEST_SSHD_DIR), or a throwaway sshd on
 * 127.0.0.1 started with `.ci/sshd-start.sh` on a free port and stopped (by its pid) afterwards.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { type SectionEnvironment } from './section.js';
import { REPO_ROOT } from './spawn.js';

const KEYS = ['TEST_SSH_PORT', 'TEST_SSH_KEY', 'TEST_SSH_KNOWN_HOSTS', 'TEST_SSHD_DIR'] as const;

/** A free TCP port on 127.0.0.1 (closed again before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** The sshd for the section: from the environment, or started here. */
export async function sshdEnvironment(): Promise<SectionEnvironment> {
  const given = process.env;
  if (given.TEST_SSH_PORT && given.TEST_SSH_KEY && given.TEST_SSH_KNOWN_HOSTS) {
    const env: Record<string, string> = {};
    for (const k of KEYS) if (given[k]) env[k] = given[k]!;
    return { env, notes: [`sshd: the one from the environment (.ci/run exports), port ${given.TEST_SSH_PORT}.`], close: () => undefined };
  }
  const port = await freePort();
  const childEnv: NodeJS.ProcessEnv = { ...process.env, TEST_SSH_PORT: String(port) };
  delete childEnv.TEST_SSHD_DIR;
  const out = execFileSync('bash', [path.join(REPO_ROOT, '.ci', 'sshd-start.sh')], { cwd: REPO_ROOT, env: childEnv, encoding: 'utf8', timeout: 60_000 });
  const env: Record<string, string> = {};
  for (const m of out.matchAll(/\b(TEST_[A-Z_]+)=(\S+)/g)) env[m[1]!] = m[2]!;
  if (!env.TEST_SSHD_DIR || !env.TEST_SSH_KEY) throw new Error(`sshd-start.sh printed no exports: ${out.slice(0, 200)}`);
  const dir = env.TEST_SSHD_DIR;
  const pid = Number(readFileSync(path.join(dir, 'sshd.pid'), 'utf8').trim());
  const stop = (): void => {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  process.once('exit', stop); // the harness dies: the listener still goes
  return {
    env,
    notes: [`sshd: a throwaway OpenSSH sshd on 127.0.0.1:${port} started with .ci/sshd-start.sh for this section and stopped after it.`],
    close: () => {
      stop();
      process.removeListener('exit', stop);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
