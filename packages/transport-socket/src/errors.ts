import { ExecnetError } from '@execnet/core';

/** Stable `code` strings of this package's errors. */
export const SocketErrorCode = {
  CONNECT: 'ERR_EXECNET_SOCKET_CONNECT',
  SERVER: 'ERR_EXECNET_SOCKET_SERVER',
} as const;
/** Union of this package's error codes. */
export type SocketErrorCode = (typeof SocketErrorCode)[keyof typeof SocketErrorCode];

// As in core: `name` inherited and non-enumerable.
function setName(ctor: abstract new (...args: never[]) => Error, name: string): void {
  Object.defineProperty(ctor.prototype, 'name', { value: name, writable: true, enumerable: false, configurable: true });
}

/** What is known about a failed connection attempt. */
export interface SocketConnectInfo {
  /** `host:port` as in the spec. */
  address: string;
  /** The OS error code, e.g. `ECONNREFUSED`, `ETIMEDOUT`, when there is one. */
  errno?: string;
  /** What happened, in a few words, e.g. `connection refused`. */
  reason: string;
  /** What the peer turned out to be, when it is a known server of another kind. */
  peer?: SocketPeerKind;
}

/**
 * A server a socket gateway met that is not the one its spec asks for:
 * `python-socketserver` — Python execnet's unauthenticated `socketserver.py` (use
 * `socketTransport({ unauthenticatedPython: true })` and `socket=HOST:PORT//python`);
 * `execnet-socketserver` — this package's authenticated server (drop `//python`).
 */
export type SocketPeerKind = 'python-socketserver' | 'execnet-socketserver';

/**
 * A socket gateway could not reach a server: connection refused, host unreachable, reset or
 * closed during the handshake, TLS failure, or the peer is not an execnet socket server
 * (see {@link SocketConnectError.peer} for a Python execnet socketserver).
 * (Name resolution failures are core's `HostNotFound`, a refused secret `AuthenticationError`.)
 */
export class SocketConnectError extends ExecnetError {
  declare readonly name: 'SocketConnectError';
  override readonly code: 'ERR_EXECNET_SOCKET_CONNECT' = SocketErrorCode.CONNECT;
  /** `host:port` of the server. */
  readonly address: string;
  /** The OS error code (`ECONNREFUSED`, …), if any. */
  readonly errno: string | undefined;
  /** Short reason, without the address. */
  readonly reason: string;
  /** What the peer turned out to be, when it is a known server of another kind. */
  readonly peer: SocketPeerKind | undefined;
  constructor(info: SocketConnectInfo, options?: ErrorOptions) {
    super(`cannot connect to execnet socket server ${info.address}: ${info.reason}`, options);
    this.address = info.address;
    this.errno = info.errno;
    this.reason = info.reason;
    this.peer = info.peer;
  }
}
setName(SocketConnectError, 'SocketConnectError');

/**
 * The socket server cannot start as configured: no secret, a secret too short, no secret on a
 * non-loopback address without `force`, incomplete TLS settings, or the address is in use.
 */
export class SocketServerError extends ExecnetError {
  declare readonly name: 'SocketServerError';
  override readonly code: 'ERR_EXECNET_SOCKET_SERVER' = SocketErrorCode.SERVER;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
setName(SocketServerError, 'SocketServerError');
