import { LOADER_SOURCE } from '@execnet/core';
import { isLoopback } from './address.js';
import { SocketServerError } from './errors.js';
import { MIN_SECRET_BYTES, readSecretFile, SECRET_ENV, secretBytes, type SecretInput } from './secret.js';
import type { SocketServerEvent, SocketServerLog } from './server/events.js';
import { runServer } from './server/server.js';

const asyncDispose: symbol = (Symbol as { asyncDispose?: symbol }).asyncDispose ?? Symbol.for('nodejs.asyncDispose');

/** Options of {@link startSocketServer}. */
export interface SocketServerOptions {
  /** Address to listen on; anything but loopback must be asked for. @default '127.0.0.1' */
  host?: string;
  /** Port to listen on; 0 picks a free one (see `server.port`). @default 8888 */
  port?: number;
  /**
   * The shared secret clients must prove they know (text or bytes, at least 16 bytes).
   * @default the file `secretFile`, else the environment variable `EXECNET_SOCKET_SECRET`
   */
  secret?: SecretInput;
  /** A file holding the secret (trailing whitespace is ignored; warns if others may read it). */
  secretFile?: string;
  /**
   * Accept clients without a secret: anyone who can connect runs code as this user. Prints a
   * warning; refused on a non-loopback `host` unless `force` is set too. @default false
   */
  insecureNoSecret?: boolean;
  /** Allow `insecureNoSecret` on a non-loopback address. @default false */
  force?: boolean;
  /** Speak TLS with this certificate and key (PEM). @default no TLS */
  tls?: { cert: string | Uint8Array; key: string | Uint8Array };
  /** Serve exactly one gateway, then stop (failed authentications do not count). @default false */
  once?: boolean;
  /**
   * Connections allowed to wait for authentication at once; more are closed at once, except
   * that one waiting for a second or longer is closed instead to make room. @default 32
   */
  maxPending?: number;
  /** Milliseconds a connection gets to complete TLS and authentication. @default 10000 */
  handshakeTimeout?: number;
  /** The Node executable that runs workers. @default process.execPath */
  workerExecutable?: string;
  /** Working directory of workers (a spec's `chdir` is relative to it). @default process.cwd() */
  cwd?: string;
  /**
   * Receives one line per connection (when it is over), warnings and start/stop lines, each
   * with a structured event. @default lines to stderr, prefixed `execnet-socketserver: `
   */
  log?: SocketServerLog;
}

/** A running socket server. */
export interface SocketServer {
  /** `host:port` it listens on (IPv6 in brackets), with the actual port. */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  /** Resolves when the server has stopped (after `close()`, or after its one gateway with `once`). */
  readonly closed: Promise<void>;
  /** Stops listening and ends every worker (SIGTERM, then SIGKILL after 1 s); resolves when all are gone. */
  close(): Promise<void>;
  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

const defaultLog: SocketServerLog = (line) => {
  process.stderr.write(`execnet-socketserver: ${line}\n`);
};

/**
 * Starts a socket server: each client that proves it knows the secret gets its own worker
 * process (this Node, `-e` with execnet's loader); the client's bytes go straight to it.
 * @throws {SocketServerError} no secret (and not `insecureNoSecret`), a secret shorter than
 *   16 bytes, `insecureNoSecret` on a non-loopback address without `force`, or listening failed
 * @example
 * const server = await startSocketServer({ port: 0, secret: process.env.MY_SECRET })
 * console.log(server.address) // 127.0.0.1:40123
 * await server.close()
 */
export async function startSocketServer(options: SocketServerOptions = {}): Promise<SocketServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8888;
  const log = options.log ?? defaultLog;
  const warn = (message: string): void => log(`warning: ${message}`, { kind: 'warning', message } satisfies SocketServerEvent);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SocketServerError(`port ${port} is out of range (0-65535)`);
  const secret = resolveSecret(options, warn);
  if (secret === undefined && !isLoopback(host) && !options.force) {
    throw new SocketServerError(`refusing to run without a secret on ${host}, which other machines can reach; use a secret, a loopback address, or force`);
  }
  if (options.tls && (!options.tls.cert || !options.tls.key)) throw new SocketServerError('TLS needs both a certificate and a key');
  let server;
  try {
    server = await runServer({
      host,
      port,
      secret,
      tls: options.tls ? { cert: toPem(options.tls.cert), key: toPem(options.tls.key) } : undefined,
      once: options.once ?? false,
      maxPending: options.maxPending ?? 32,
      handshakeTimeout: options.handshakeTimeout ?? 10_000,
      worker: { executable: options.workerExecutable ?? process.execPath, loader: LOADER_SOURCE, cwd: options.cwd, env: workerEnv() },
      log,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    throw new SocketServerError(`cannot listen on ${host}:${port}: ${code ?? (error as Error)?.message}`, { cause: error });
  }
  if (secret === undefined) warn(`running without a secret: anyone who can connect to ${server.address} runs code as this user`);
  else if (!isLoopback(host) && !options.tls) {
    warn(`no TLS on ${server.address}: the secret is never sent, but the gateways' traffic can be read on the network`);
  }
  const running = server;
  return { ...running, [asyncDispose]: () => running.close() } as SocketServer;
}

function resolveSecret(options: SocketServerOptions, warn: (message: string) => void): Uint8Array | undefined {
  const given = options.secret !== undefined || options.secretFile !== undefined;
  if (options.insecureNoSecret) {
    if (given) throw new SocketServerError('a secret and insecureNoSecret were both given');
    return undefined;
  }
  let secret: Uint8Array | undefined;
  if (options.secret !== undefined) secret = secretBytes(options.secret);
  else if (options.secretFile !== undefined) {
    let read;
    try {
      read = readSecretFile(options.secretFile);
    } catch (error) {
      throw new SocketServerError(`cannot read the secret file ${options.secretFile}: ${(error as Error).message}`, { cause: error });
    }
    if (read.looseMode) warn(`secret file ${options.secretFile} can be read by other users (chmod 600 it)`);
    secret = read.secret;
  } else if (process.env[SECRET_ENV]) secret = secretBytes(process.env[SECRET_ENV]!);
  if (secret === undefined) {
    throw new SocketServerError(`no secret: give one (secret, secretFile, or ${SECRET_ENV}), or run with insecureNoSecret`);
  }
  if (secret.length < MIN_SECRET_BYTES) {
    throw new SocketServerError(`the secret is ${secret.length} bytes; use at least ${MIN_SECRET_BYTES} (e.g. openssl rand -hex 32)`);
  }
  return secret;
}

/** The server's environment minus the secret: workers run client code, which needs no copy of it. */
function workerEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env[SECRET_ENV];
  return env;
}

function toPem(value: string | Uint8Array): string | Buffer {
  return typeof value === 'string' ? value : Buffer.from(value);
}
