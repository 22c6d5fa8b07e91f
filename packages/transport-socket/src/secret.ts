import { readFileSync, statSync } from 'node:fs';

/** The environment variable both the client and the server read a secret from. */
export const SECRET_ENV = 'EXECNET_SOCKET_SECRET';
/** Shortest secret the server accepts, in bytes. */
export const MIN_SECRET_BYTES = 16;

/** A secret as given in options: text (its UTF-8 bytes) or bytes. */
export type SecretInput = string | Uint8Array;

/** The bytes of a secret given as text or bytes. */
export function secretBytes(secret: SecretInput): Uint8Array {
  return typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
}

/**
 * Reads a secret file: its bytes without trailing whitespace, so `openssl rand -hex 32 > f`
 * (which ends in a newline) works. `looseMode` is set when group or others may read it.
 */
export function readSecretFile(path: string): { secret: Uint8Array; looseMode: boolean } {
  const text = readFileSync(path);
  let end = text.length;
  while (end > 0 && /\s/.test(String.fromCharCode(text[end - 1]!))) end--;
  const looseMode = process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0;
  return { secret: new Uint8Array(text.subarray(0, end)), looseMode };
}
