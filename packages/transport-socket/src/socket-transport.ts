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
import { openPythonSocket } from './python-socket.js';
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
  /**
   * Allow `socket=HOST:PORT//python` gateways to **Python execnet's `socketserver.py`**, which
   * runs any code from anyone who connects, without authentication: no secret, no TLS, nothing
   * proves the server is the one you meant, and your code and data cross the network in clear.
   * Only for servers you started yourself on a trusted network (or on loopback, or through an
   * SSH tunnel). Without it, specs with `python` are refused before connecting, and a server
   * that turns out to be such a socketserver is refused with a `SocketConnectError` whose
   * `peer` is `'python-socketserver'`. Does not change how `execnet-socketserver`s are reached.
   * @default false
   */
  unauthenticatedPython?: boolean;
}

/** Runtime keys a socket spec cannot use: the server decides how its workers run (`python`: see openPython). */
const RUNTIME_KEYS = ['bun', 'deno'] as const;

class SocketTransport implements Transport {
  readonly [transportSymbol] = true as const;
  readonly [Symbol.toStringTag] = '@execnet/transport-socket';
  readonly name = 'socket';

  constructor(private readonly options: SocketOptions) {}

  async open(spec: XSpec, context: OpenContext): Promise<Connection> {
    if (context.worker.runtime === 'python') return this.openPython(spec, context);
    checkRuntime(spec, context);
    const timeout = this.options.connectTimeout ?? 10_000;
    if (spec.installvia !== undefined) return openInstallvia(spec, context, timeout);
    const { host, port, address } = targetOf(spec);
    const tls = this.options.tls === true ? {} : this.options.tls || undefined;
    log(`connecting to ${address}${tls ? ' (TLS)' : ''}`);
    const socket = await connectToServer({
      host,
      port,
      address,
      secret: this.secret(),
      tls,
      timeout,
      signal: context.signal,
      pythonAllowed: this.options.unauthenticatedPython === true,
    });
    return socketConnection(socket, address, `socket=${address}`);
  }

  /** `socket=HOST:PORT//python`: a worker of a Python execnet socketserver, if allowed. */
  private async openPython(spec: XSpec, context: OpenContext): Promise<Connection> {
    const python = spec.python;
    if (this.options.unauthenticatedPython !== true) {
      throw new SpecError(
        `'${spec}' asks for a Python execnet socketserver, which runs any code from anyone who connects, without ` +
          `authentication; allow such gateways with registerTransport(socketTransport({ unauthenticatedPython: true })) ` +
          `(see the security notes of @execnet/transport-socket)`,
        { spec: String(spec), item: python === true ? 'python' : `python=${python}` },
      );
    }
    if (typeof python === 'string' && python !== '') {
      throw new SpecError(`the socketserver's own interpreter runs the worker: write '//python' without a command, not 'python=${python}'`, {
        spec: String(spec),
        item: `python=${python}`,
      });
    }
    if (spec.installvia !== undefined) {
      throw new SpecError('installvia starts an execnet-socketserver (JavaScript workers): it cannot be combined with python', {
        spec: String(spec),
        item: `installvia=${spec.installvia}`,
      });
    }
    const { host, port, address } = targetOf(spec);
    return openPythonSocket({
      host,
      port,
      address,
      execModel: spec.execmodel ?? 'thread',
      workerId: `${spec.id ?? 'gw'}-worker`,
      timeout: this.options.connectTimeout ?? 10_000,
      signal: context.signal,
    });
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

/** The server address of a `socket=HOST:PORT` spec. */
function targetOf(spec: XSpec): { host: string; port: number; address: string } {
  const value = spec.socket;
  if (typeof value !== 'string') {
    throw new SpecError(`socket needs an address: socket=HOST:PORT (or installvia=ID)`, { spec: String(spec), item: 'socket' });
  }
  try {
    const { host, port } = parseHostPort(value);
    return { host, port, address: formatHostPort(host, port) };
  } catch (error) {
    throw new SpecError(`socket=${value}: ${(error as Error).message}`, { spec: String(spec), item: `socket=${value}` });
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
 * `socket//installvia=ID`, which first starts such a server through gateway `ID`. With
 * `unauthenticatedPython: true`, also `socket=HOST:PORT//python` gateways to Python
 * execnet's unauthenticated `socketserver.py` (see {@link SocketOptions.unauthenticatedPython}).
 * @example
 * registerTransport(socketTransport({ secretFile: '/etc/execnet/secret' }))
 * const gw = await makeGateway('socket=build-host.example:8888')
 * @example
 * // A Python execnet socketserver you started yourself (`python3 socketserver.py 127.0.0.1:8888`)
 * registerTransport(socketTransport({ unauthenticatedPython: true }))
 * const py = await makeGateway('socket=127.0.0.1:8888//python')
 * const ch = py.remoteExec('channel.send(channel.receive() * 2)')
 */
export function socketTransport(options: SocketOptions = {}): Transport {
  return new SocketTransport(options);
}
