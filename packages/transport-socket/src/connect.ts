import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { AuthenticationError, HostKeyError, HostNotFound, TimeoutError } from '@execnet/core';
import { computeProof, makeNonce, proofMatches } from './auth.js';
import { ByteReader, StreamEndedError } from './byte-reader.js';
import { SocketConnectError } from './errors.js';
import {
  AuthMethod,
  AuthStatus,
  GREETING_BYTES,
  NONCE_SIZE,
  PROOF_SIZE,
  TLS_BINDING_LABEL,
  TLS_BINDING_SIZE,
} from './protocol.js';

/** TLS settings of the client: whom to trust. */
export interface SocketTlsOptions {
  /** Certificates to trust (PEM), e.g. the server's self-signed certificate. @default Node's CA store */
  ca?: string | Uint8Array | Array<string | Uint8Array>;
  /** Client certificate and key (PEM), for servers behind a TLS proxy that asks for one. */
  cert?: string | Uint8Array;
  key?: string | Uint8Array;
  /** Host name to verify the certificate against. @default the spec's host (when it is a name) */
  servername?: string;
}

/** Everything one connection attempt needs. */
export interface ConnectRequest {
  host: string;
  port: number;
  /** `host:port` for messages. */
  address: string;
  secret: Uint8Array | undefined;
  tls: SocketTlsOptions | undefined;
  /** Milliseconds for connecting and authenticating together. */
  timeout: number;
  signal: AbortSignal;
  /**
   * Whether the transport allows gateways to Python execnet socketservers
   * (`unauthenticatedPython`), so that finding one here can say what to do next.
   */
  pythonAllowed?: boolean;
}

/** Error codes of a failed name lookup. */
const DNS_ERRORS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
/** Bytes the server may send before the handshake completes; its messages are far smaller. */
const PRE_AUTH_LIMIT = 4096;
/**
 * Our servers greet at once. A peer still silent after this long (at most half the connect
 * timeout) is sent one empty line, `''`: a Python execnet socketserver evaluates that literal,
 * finds no code in it and closes the connection, which tells it apart. Nothing is executed.
 */
export const PYTHON_PROBE_DELAY = 2000;
/** The probe line: an empty Python string literal (the server `eval`s the line it reads). */
const PYTHON_PROBE = Buffer.from("''\n", 'ascii');

/**
 * Connects to an execnet socket server and authenticates both ways. Resolves with the
 * socket, paused, positioned at the first record. Only this file uses `node:net`/`node:tls`
 * on the client side.
 * @throws {HostNotFound} the host name does not resolve
 * @throws {HostKeyError} TLS: the server's certificate is not trusted or does not match
 * @throws {AuthenticationError} wrong or missing secret, or the server could not prove it has it
 * @throws {SocketConnectError} refused, unreachable, closed early, or not an execnet server
 *   (`peer: 'python-socketserver'` when it is Python execnet's unauthenticated socketserver)
 * @throws {TimeoutError} not done within `timeout`
 */
export function connectToServer(request: ConnectRequest): Promise<TLSSocket | Socket> {
  const state: ProbeState = { probed: false };
  return connectThen(
    request,
    (socket) => authenticate(socket, request, state),
    () =>
      state.probed
        ? 'the server never greeted, nor closed the connection when probed; a Python execnet socketserver busy ' +
          'with another gateway (it serves one at a time) is silent like this'
        : undefined,
  );
}

/** Whether {@link authenticate} has sent the probe line to a silent peer. */
interface ProbeState {
  probed: boolean;
}

/**
 * Opens a TCP (or, with `request.tls`, TLS) connection and runs `handshake` on it, both within
 * `request.timeout` and `request.signal`; on any failure the socket is destroyed. Resolves
 * with the socket, in the state `handshake` left it.
 * @throws {HostNotFound} the host name does not resolve
 * @throws {SocketConnectError} refused, unreachable, closed while connecting
 * @throws {TimeoutError} not done within `timeout`
 */
export async function connectThen(
  request: ConnectRequest,
  handshake: (socket: Socket | TLSSocket, request: ConnectRequest) => Promise<void>,
  /** Says what was missing when the timeout struck after the connection was made, if known. */
  handshakeMissing?: () => string | undefined,
): Promise<TLSSocket | Socket> {
  const { signal } = request;
  signal.throwIfAborted();
  const socket = request.tls ? openTls(request) : netConnect({ host: request.host, port: request.port, allowHalfOpen: true });
  socket.on('error', () => undefined); // every error also goes through the promises below
  let opened = false;
  const connected = (async () => {
    await onceConnected(socket, request);
    opened = true;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 15_000);
    await handshake(socket, request);
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    timer = setTimeout(() => {
      let message = `connecting to ${request.address}: not done after ${request.timeout} ms`;
      if (request.tls && !opened) {
        message += ` (no TLS handshake: does the server speak TLS? A Python execnet socketserver, which does not, waits silently like this)`;
      } else if (opened && handshakeMissing?.()) {
        message += ` (${handshakeMissing()})`;
      }
      reject(new TimeoutError(message, { timeout: request.timeout }));
    }, request.timeout);
  });
  try {
    await Promise.race([connected, stop]);
    return socket;
  } catch (error) {
    socket.destroy();
    connected.catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort!);
  }
}

function openTls(request: ConnectRequest): TLSSocket {
  const tls = request.tls!;
  return tlsConnect({
    host: request.host,
    port: request.port,
    // Not in the typings of tls.connect, but honoured: gw.exit() half-closes, frames still arrive.
    ...({ allowHalfOpen: true } as object),
    ca: tls.ca as string | Buffer | Array<string | Buffer> | undefined,
    cert: tls.cert as string | Buffer | undefined,
    key: tls.key as string | Buffer | undefined,
    // Node refuses an IP address as SNI name (RFC 6066); the certificate is still checked against it.
    servername: tls.servername ?? (isIP(request.host) ? undefined : request.host),
    rejectUnauthorized: true,
  });
}

function onceConnected(socket: Socket | TLSSocket, request: ConnectRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once(request.tls ? 'secureConnect' : 'connect', () => resolve());
    socket.once('error', (error: NodeJS.ErrnoException) => reject(connectError(error, request)));
    socket.once('close', () => reject(new SocketConnectError({ address: request.address, reason: 'connection closed while connecting' })));
  });
}

/** Turns a socket error into the error a user can act on. */
function connectError(error: NodeJS.ErrnoException, request: ConnectRequest): Error {
  const code = error.code ?? '';
  if (DNS_ERRORS.has(code)) return new HostNotFound(request.address, undefined, { cause: error });
  if (request.tls && (code.includes('CERT') || code.includes('SELF_SIGNED') || code.includes('UNABLE_TO_') || code === 'ERR_TLS_CERT_ALTNAME_INVALID')) {
    return new HostKeyError(`TLS certificate of ${request.address} not trusted: ${error.message}`, { host: request.address, cause: error });
  }
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is execnet-socketserver running there?)',
    ECONNRESET: 'connection reset',
    ETIMEDOUT: 'connection timed out',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    EADDRNOTAVAIL: 'address not available',
  };
  const reason = reasons[code] ?? (request.tls && !code.startsWith('E') ? `TLS handshake failed: ${error.message}` : error.message);
  return new SocketConnectError({ address: request.address, errno: code || undefined, reason }, { cause: error });
}

/** The client side of the handshake (see protocol.ts). */
async function authenticate(socket: Socket | TLSSocket, request: ConnectRequest, state: ProbeState): Promise<void> {
  const reader = new ByteReader(socket, PRE_AUTH_LIMIT);
  const fail = (reason: string, errno?: string): SocketConnectError => new SocketConnectError({ address: request.address, reason, errno });
  // A silent peer may be a Python execnet socketserver, waiting for a line of Python (no TLS:
  // under TLS the silence already stalls the TLS handshake, see connectThen).
  const probe = request.tls
    ? undefined
    : setTimeout(() => {
        state.probed = true;
        socket.write(PYTHON_PROBE);
      }, Math.min(PYTHON_PROBE_DELAY, request.timeout / 2));
  const heard = (): void => clearTimeout(probe);
  socket.once('data', heard);
  try {
    if (!(await reader.readExpected(GREETING_BYTES))) throw fail('not an execnet socket server (unexpected greeting)');
    heard();
    const [method] = await reader.read(1);
    const secret = request.secret;
    if (method === AuthMethod.NONE) {
      if (secret) {
        throw new AuthenticationError(
          `socket server ${request.address} runs without a secret, so it cannot prove who it is; connect without a secret to use it anyway`,
          { host: request.address },
        );
      }
      socket.write(Buffer.concat([GREETING_BYTES, Uint8Array.of(AuthMethod.NONE)]));
      await expectStatus(reader, request);
      return;
    }
    if (method !== AuthMethod.HMAC_SHA256) throw fail(`server asks for an unknown authentication method ${method}`);
    const serverNonce = await reader.read(NONCE_SIZE);
    if (!secret) {
      // Say so, so the server's log shows why; then report it here.
      socket.write(Buffer.concat([GREETING_BYTES, Uint8Array.of(AuthMethod.NONE)]));
      await expectStatus(reader, request);
      throw fail('server accepted a client without a secret after asking for one');
    }
    const tlsSocket = socket as TLSSocket;
    const binding = request.tls ? tlsSocket.exportKeyingMaterial(TLS_BINDING_SIZE, TLS_BINDING_LABEL, Buffer.alloc(0)) : new Uint8Array(0);
    const input = { secret, serverNonce, clientNonce: makeNonce(), binding };
    socket.write(Buffer.concat([GREETING_BYTES, Uint8Array.of(AuthMethod.HMAC_SHA256), input.clientNonce, computeProof(input, 'client')]));
    await expectStatus(reader, request);
    const serverProof = await reader.read(PROOF_SIZE);
    if (!proofMatches(input, 'server', serverProof)) {
      throw new AuthenticationError(`socket server ${request.address} could not prove that it knows the secret`, { host: request.address });
    }
  } catch (error) {
    if (error instanceof StreamEndedError) {
      if (state.probed && error.reason === 'end') throw pythonServerFound(request);
      const cause = error.cause as NodeJS.ErrnoException | undefined;
      throw new SocketConnectError({ address: request.address, reason: error.message, errno: cause?.code }, { cause: error.cause ?? error });
    }
    throw error;
  } finally {
    heard();
    socket.off('data', heard);
    reader.release();
  }
}

/** The error for a peer that behaved like Python execnet's socketserver. */
function pythonServerFound(request: ConnectRequest): SocketConnectError {
  const spec = `socket=${request.address}//python`;
  const reason =
    'this is not an execnet-socketserver but, by its behaviour, a Python execnet socketserver ' +
    '(silent until sent a line, then it closed the connection on an empty one): it runs any code ' +
    'from anyone who connects, without authentication; ' +
    (request.pythonAllowed
      ? `to use it, write the spec as ${spec}`
      : `to use it anyway, register socketTransport({ unauthenticatedPython: true }) and write the spec as ${spec}`);
  return new SocketConnectError({ address: request.address, reason, peer: 'python-socketserver' });
}

/** Reads the server's status byte; anything but OK becomes the matching error. */
async function expectStatus(reader: ByteReader, request: ConnectRequest): Promise<void> {
  const [status] = await reader.read(1);
  if (status === AuthStatus.OK) return;
  if (status === AuthStatus.FAILED) {
    throw new AuthenticationError(`socket server ${request.address} rejected the secret`, { host: request.address });
  }
  if (status === AuthStatus.SECRET_REQUIRED) {
    const message = `socket server ${request.address} requires a secret: set EXECNET_SOCKET_SECRET or the secret option`;
    throw new AuthenticationError(message, { host: request.address });
  }
  throw new SocketConnectError({ address: request.address, reason: `server refused the handshake (status ${status})` });
}
