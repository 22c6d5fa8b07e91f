import { connect, type Socket } from 'node:net';
import { HostNotFound } from '@execnet/core';
import { ConnectionError } from './errors.js';

/** What {@link dialTcp} needs. */
export interface DialOptions {
  host: string;
  port: number;
  /** 4 or 6 to force an address family (`AddressFamily`, `-4`, `-6`); 0 for any. */
  family: 0 | 4 | 6;
  /** Milliseconds for the TCP connect (`ConnectTimeout`); undefined waits for the OS. */
  timeout: number | undefined;
  /** Enable TCP keepalive on the socket (`TCPKeepAlive`). */
  keepAlive: boolean;
  signal: AbortSignal;
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_NODATA', 'EAI_FAIL']);

/**
 * Opens a TCP connection and classifies failures the way a user reads them.
 * @throws {HostNotFound} the name does not resolve
 * @throws {ConnectionError} refused, timed out or unreachable
 */
export function dialTcp(options: DialOptions): Promise<Socket> {
  const { host, port, signal } = options;
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, family: options.family || undefined, noDelay: true });
    let timer: NodeJS.Timeout | undefined;
    const finish = (error?: Error) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
      socket.removeListener('connect', onConnect);
      if (error) {
        socket.destroy();
        reject(error);
      } else {
        resolve(socket);
      }
    };
    const onAbort = () => finish(signal.reason as Error);
    const onConnect = () => {
      if (options.keepAlive) socket.setKeepAlive(true, 15_000);
      finish();
    };
    const onError = (error: NodeJS.ErrnoException) => finish(classify(error, host, port));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', onConnect);
    socket.once('error', onError);
    if (options.timeout !== undefined) {
      timer = setTimeout(
        () => finish(new ConnectionError(`connect to ${host} port ${port} timed out after ${options.timeout} ms`, { host, port, failure: 'timeout' })),
        options.timeout,
      );
    }
  });
}

function classify(error: NodeJS.ErrnoException, host: string, port: number): Error {
  const code = error.code ?? '';
  if (DNS_CODES.has(code)) return new HostNotFound(host, `host not found: ${host} (${code})`, { cause: error });
  if (code === 'ECONNREFUSED') {
    return new ConnectionError(`connection refused by ${host} port ${port}`, { host, port, failure: 'refused', cause: error });
  }
  if (code === 'ETIMEDOUT') {
    return new ConnectionError(`connect to ${host} port ${port} timed out`, { host, port, failure: 'timeout', cause: error });
  }
  return new ConnectionError(`cannot connect to ${host} port ${port}: ${error.message}`, { host, port, failure: 'unreachable', cause: error });
}
