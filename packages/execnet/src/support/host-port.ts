import { UsageError } from './exit-codes.js';

/**
 * Parses a listen address `HOST:PORT`, `[IPv6]:PORT`, `HOST` or `:PORT` (missing parts take
 * the defaults).
 * @throws {UsageError} a malformed address or port
 */
export function parseListenAddress(text: string, defaults: { host: string; port: number }): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*))(?::(\d{1,5}))?$/.exec(text);
  if (!match) throw new UsageError(`'${text}' is not HOST:PORT (write an IPv6 address in brackets, e.g. [::1]:8888)`);
  const host = match[1] ?? (match[2] || defaults.host);
  const port = match[3] === undefined ? defaults.port : Number(match[3]);
  if (port > 65535) throw new UsageError(`port ${port} is out of range (0-65535)`);
  return { host, port };
}

/**
 * Parses a positive integer option such as `--timeout 5000`.
 * @throws {UsageError} anything else
 */
export function positiveInteger(text: string, flag: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${flag} needs a positive integer, got '${text}'`);
  return Number(text);
}
