import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { sshLog } from './debug.js';
import { SshHostKeyError } from './errors.js';
import { matchPatternList } from './patterns.js';

const log = sshLog('known-hosts');

/** One key line of a known_hosts file. */
export interface KnownHostsEntry {
  readonly file: string;
  readonly line: number;
  readonly marker: 'cert-authority' | 'revoked' | undefined;
  /** Host patterns (`a,[b]:2222,!c`), or the salt and hash of a hashed name. */
  readonly hosts: readonly string[] | { readonly salt: Buffer; readonly hash: Buffer };
  readonly keyType: string;
  readonly key: Buffer;
}

/** `StrictHostKeyChecking`: `ask` is treated as `yes`, since nothing may prompt mid-protocol. */
export type StrictHostKeyChecking = 'yes' | 'accept-new' | 'no';

/** How to check one host's key. */
export interface HostKeyPolicy {
  /** The name to look up: `host`, `[host]:port` for a port other than 22, or the HostKeyAlias. */
  readonly name: string;
  /** User files first; a new key is added to the first of them. */
  readonly userFiles: readonly string[];
  readonly globalFiles: readonly string[];
  readonly strict: StrictHostKeyChecking;
  /** Write the host name hashed (`HashKnownHosts yes`). */
  readonly hashNewEntries: boolean;
}

/** The name known_hosts uses for a host and port. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** `SHA256:…` of a public key blob, as `ssh-keygen -lf` prints it. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The type name inside a public key blob (its first SSH string), e.g. `ssh-ed25519`. */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const length = key.readUInt32BE(0);
  return length > 0 && 4 + length <= key.length ? key.subarray(4, 4 + length).toString('latin1') : 'unknown';
}

/** Reads and parses known_hosts files; missing files are skipped, bad lines ignored. */
export function readKnownHosts(files: readonly string[]): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    text.split(/\r?\n/).forEach((raw, index) => {
      const entry = parseLine(raw, file, index + 1);
      if (entry) entries.push(entry);
    });
  }
  return entries;
}

function parseLine(raw: string, file: string, line: number): KnownHostsEntry | undefined {
  const words = raw.trim().split(/\s+/);
  if (words[0] === '' || words[0]!.startsWith('#')) return undefined;
  let marker: KnownHostsEntry['marker'];
  if (words[0] === '@cert-authority' || words[0] === '@revoked') marker = words.shift()!.slice(1) as KnownHostsEntry['marker'];
  if (words.length < 3) return undefined;
  const [hostField, keyType, keyText] = words as [string, string, string];
  const key = Buffer.from(keyText, 'base64');
  if (key.length === 0) return undefined;
  let hosts: KnownHostsEntry['hosts'];
  if (hostField.startsWith('|1|')) {
    const [, , salt, hash] = hostField.split('|');
    if (!salt || !hash) return undefined;
    hosts = { salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
  } else {
    hosts = hostField.split(',');
  }
  return { file, line, marker, hosts, keyType, key };
}

function entryMatches(entry: KnownHostsEntry, name: string): boolean {
  if (Array.isArray(entry.hosts)) return matchPatternList(name, entry.hosts as string[]);
  const { salt, hash } = entry.hosts as { salt: Buffer; hash: Buffer };
  const digest = createHmac('sha1', salt).update(name).digest();
  return digest.length === hash.length && timingSafeEqual(digest, hash);
}

/** The entries (not `@cert-authority`) that name this host. */
export function entriesFor(entries: readonly KnownHostsEntry[], name: string): KnownHostsEntry[] {
  return entries.filter((entry) => entry.marker !== 'cert-authority' && entryMatches(entry, name));
}

/**
 * Host key algorithms to prefer for a host, from the key types known_hosts has for it, so
 * the server is asked for a key we can verify (OpenSSH does the same).
 */
export function preferredKeyAlgorithms(entries: readonly KnownHostsEntry[]): string[] {
  const algorithms: string[] = [];
  for (const entry of entries) {
    if (entry.marker) continue;
    const names = entry.keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [entry.keyType];
    for (const name of names) if (!algorithms.includes(name)) algorithms.push(name);
  }
  return algorithms;
}

/**
 * Checks the key a server offered against known_hosts with OpenSSH's StrictHostKeyChecking
 * semantics: a known matching key passes; a different key of the same type fails (unless
 * `no`); an unknown host fails under `yes` and is added under `accept-new` and `no`.
 * @throws {SshHostKeyError} when the key is refused
 */
export function verifyHostKey(key: Buffer, policy: HostKeyPolicy): void {
  const files = [...policy.userFiles, ...policy.globalFiles];
  const known = entriesFor(readKnownHosts(files), policy.name);
  const keyType = keyTypeOf(key);
  const offered = fingerprint(key);
  const info = { host: policy.name, keyType, offeredFingerprint: offered, knownHostsFiles: files };
  const same = (entry: KnownHostsEntry) => entry.key.equals(key);
  if (known.some((entry) => entry.marker === 'revoked' && same(entry))) {
    throw new SshHostKeyError({ ...info, problem: 'revoked', expectedFingerprints: [] });
  }
  const plain = known.filter((entry) => entry.marker === undefined);
  if (plain.some(same)) return;
  const sameType = plain.filter((entry) => keyTypeOf(entry.key) === keyType || entry.keyType === keyType);
  if (sameType.length > 0) {
    if (policy.strict === 'no') {
      log(`host key for ${policy.name} changed (${offered}); accepted because StrictHostKeyChecking is no`);
      return;
    }
    throw new SshHostKeyError({ ...info, problem: 'changed', expectedFingerprints: sameType.map((entry) => fingerprint(entry.key)) });
  }
  if (policy.strict === 'yes') {
    throw new SshHostKeyError({ ...info, problem: 'unknown', expectedFingerprints: plain.map((entry) => `${entry.keyType} ${fingerprint(entry.key)}`) });
  }
  const target = policy.userFiles[0];
  if (target) addKnownHost(target, policy.name, key, policy.hashNewEntries);
}

/** Appends `name keytype base64` (the name hashed if asked) to a known_hosts file, creating its folder. */
export function addKnownHost(file: string, name: string, key: Buffer, hash: boolean): void {
  let hostField = name;
  if (hash) {
    const salt = randomBytes(20);
    hostField = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  }
  try {
    if (file !== '/dev/null') mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    appendFileSync(file, `${hostField} ${keyTypeOf(key)} ${key.toString('base64')}\n`);
    log(`added ${name} ${keyTypeOf(key)} ${fingerprint(key)} to ${file}`);
  } catch (error) {
    // OpenSSH also goes on when it cannot record the key; the connection itself is verified.
    log(`cannot add ${name} to ${file}: ${(error as Error).message}`);
  }
}
