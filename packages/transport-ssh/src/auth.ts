import { readFileSync } from 'node:fs';
import { sshLog } from './debug.js';
import type { SshTarget } from './resolve-target.js';
import { checkPrivateKey, type AuthAttempt } from './ssh-connection.js';

const log = sshLog('auth');

/** The credentials to offer a host, in order, and the keys that cannot be offered. */
export interface AuthPlan {
  readonly attempts: readonly AuthAttempt[];
  /** `path: reason` for each key file that was given (or found) but cannot be used. */
  readonly skippedKeys: readonly string[];
}

/**
 * What OpenSSH would offer: the agent's keys (unless `IdentitiesOnly`), then each identity
 * file. Default key files that do not exist are left out quietly; given ones are reported.
 * Encrypted keys are skipped (a passphrase would need a prompt): load them into ssh-agent.
 */
export function planAuthentication(target: SshTarget): AuthPlan {
  const attempts: AuthAttempt[] = [];
  const skippedKeys: string[] = [];
  if (target.agent && !target.identitiesOnly) attempts.push({ kind: 'agent', socket: target.agent });
  for (const path of target.identityFiles) {
    let key: Buffer;
    try {
      key = readFileSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (target.identityFilesGiven) skippedKeys.push(`${path}: ${code === 'ENOENT' ? 'not found' : (error as Error).message}`);
      continue;
    }
    const check = checkPrivateKey(key);
    if (check.ok) attempts.push({ kind: 'key', path, key });
    else skippedKeys.push(`${path}: ${check.reason}`);
  }
  log(`${target.user}@${target.host}: ${attempts.map((a) => (a.kind === 'agent' ? 'agent' : a.path)).join(', ') || 'no credentials'}`);
  return { attempts, skippedKeys };
}
