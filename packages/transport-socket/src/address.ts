import { isIP } from 'node:net';

/** A parsed `HOST:PORT`. */
export interface HostPort {
  /** Host name or IP address, without the brackets of an IPv6 address. */
  host: string;
  port: number;
}

/**
 * Parses `HOST:PORT`: `127.0.0.1:8888`, `[::1]:8888`, `example.org:8888`. Without a port
 * `defaultPort` is used, if given. Throws a plain `Error` with a message for the caller to wrap.
 */
export function parseHostPort(text: string, options: { defaultPort?: number; allowZero?: boolean } = {}): HostPort {
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw new Error(`'${text}': missing ']' after the IPv6 address`);
    host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) throw new Error(`'${text}': expected ':PORT' after ']'`);
    portText = rest === '' ? undefined : rest.slice(1);
    if (isIP(host) !== 6) throw new Error(`'${host}' is not an IPv6 address`);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon >= 0 && text.indexOf(':') !== colon) throw new Error(`'${text}': write an IPv6 address in brackets, e.g. [::1]:8888`);
    host = colon < 0 ? text : text.slice(0, colon);
    portText = colon < 0 ? undefined : text.slice(colon + 1);
  }
  if (host === '') throw new Error(`'${text}' has no host`);
  let port: number;
  if (portText === undefined) {
    if (options.defaultPort === undefined) throw new Error(`'${text}' has no port: use HOST:PORT`);
    port = options.defaultPort;
  } else {
    if (!/^\d{1,5}$/.test(portText)) throw new Error(`'${portText}' is not a port number`);
    port = Number(portText);
    const min = options.allowZero ? 0 : 1;
    if (port < min || port > 65535) throw new Error(`port ${port} is out of range (${min}-65535)`);
  }
  return { host, port };
}

/** `host:port`, with brackets around an IPv6 address. */
export function formatHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}
