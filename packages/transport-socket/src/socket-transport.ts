import {
  AuthenticationError,
  SpecError,
  transportSymbol,
  type Connection,
  type OpenContext,
  type Transport,
  type XSpec,
} from '@execnet/core';
import { formatHostPort, parseHostPort } from './address.js';
import { connectToServer, type SocketTlsOptions } from './connect.js';
import { log } from './debug.js';
import { openInstallvia } from './installvia.js';
import { readSecretFile, SECRET_ENV, secretBytes, type SecretInput } from './secret.js';
import { socketConnection } from './socket-connection.js';

/** Options of {@link socketTransport}. */
export interface SocketOptions {
  /**
   * The shared secret of the server (text or bytes). It never crosses the wire: the client
   * proves it knows it, and checks that the server does too.
   * @default the file `secretFile`, else the environment variable `EXECNET_SOCKET_SECRET`
   */
  secret?: SecretInput;
  /** A file holding the secret (trailing whitespace is ignored). */
  secretFile?: string;
  /**
   * Speak TLS and verify the server's certificate: `true` trusts Node's CA store, an object
   * names the certificates to trust (`{ ca }`, e.g. the server's self-signed one).
   * `installvia` gateways do not use TLS (they connect over the loopback of the same machine).
   * @default false
   */
  tls?: boolean | SocketTlsOptions;
  /** Milliseconds to connect and authenticate (core's makeGateway timeout still applies). @default 10000 */
  connectTimeout?: number;
}

/** Runtime keys a socket spec cannot use: the server decides how its workers run. */
const RUNTIME_KEYS = ['python', 'bun', 'deno'] as const;

class SocketTransport implements Transport {
  readonly [transportSymbol] = true as const;
  readonly [Symbol.toStringTag] = '@execnet/transport-socket';
  readonly name = 'socket';

  constructor(private readonly options: SocketOptions) {}

  async open(spec: XSpec, context: OpenContext): Promise<Connection> {
    checkRuntime(spec, context);
    const timeout = this.options.connectTimeout ?? 10_000;
    if (spec.installvia !== undefined) return openInstallvia(spec, context, timeout);
    const value = spec.socket;
    if (typeof value !== 'string') {
      throw new SpecError(`socket needs an address: socket=HOST:PORT (or installvia=ID)`, { spec: String(spec), item: 'socket' });
    }
    let target;
    try {
      target = parseHostPort(value);
    } catch (error) {
      throw new SpecError(`socket=${value}: ${(error as Error).message}`, { spec: String(spec), item: `socket=${value}` });
    }
    const address = formatHostPort(target.host, target.port);
    const tls = this.options.tls === true ? {} : this.options.tls || undefined;
    log(`connecting to ${address}${tls ? ' (TLS)' : ''}`);
    const socket = await connectToServer({ ...target, address, secret: this.secret(), tls, timeout, signal: context.signal });
    return socketConnection(socket, address, `socket=${address}`);
  }

  private secret(): Uint8Array | undefined {
    if (this.options.secret !== undefined) return secretBytes(this.options.secret);
    if (this.options.secretFile !== undefined) {
      try {
        return readSecretFile(this.options.secretFile).secret;
      } catch (error) {
        throw new AuthenticationError(`cannot read the secret file ${this.options.secretFile}: ${(error as Error).message}`, { cause: error });
      }
    }
    const fromEnv = process.env[SECRET_ENV];
    return fromEnv ? secretBytes(fromEnv) : undefined;
  }
}

function checkRuntime(spec: XSpec, context: OpenContext): void {
  for (const key of RUNTIME_KEYS) {
    if (spec.has(key)) {
      throw new SpecError(`socket gateways run the server's Node workers: '${key}' cannot be used with socket`, { spec: String(spec), item: key });
    }
  }
  const node = spec.get('node');
  if (typeof node === 'string' && node !== '') {
    throw new SpecError(`socket gateways run the server's Node: 'node=${node}' cannot be chosen by the client`, {
      spec: String(spec),
      item: `node=${node}`,
    });
  }
  if (context.worker.runtime !== 'node') {
    throw new SpecError(`socket gateways run Node workers, not ${context.worker.runtime}`, { spec: String(spec) });
  }
}

/**
 * The `socket` transport: gateways to workers started by an `execnet-socketserver` (or
 * {@link startSocketServer}) that this client authenticates to with a shared secret, and
 * `socket//installvia=ID`, which first starts such a server through gateway `ID`.
 * @example
 * registerTransport(socketTransport({ secretFile: '/etc/execnet/secret' }))
 * const gw = await makeGateway('socket=build-host.example:8888')
 */
export function socketTransport(options: SocketOptions = {}): Transport {
  return new SocketTransport(options);
}
