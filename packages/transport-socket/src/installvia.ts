import { randomBytes } from 'node:crypto';
import {
  LOADER_SOURCE,
  SpecError,
  type Channel,
  type Connection,
  type OpenContext,
  type XSpec,
} from '@execnet/core';
import { formatHostPort, parseHostPort } from './address.js';
import { connectToServer } from './connect.js';
import { log } from './debug.js';
import { SocketServerError } from './errors.js';
import { INSTALL_BODY, serverBundle } from './server-bundle.js';
import type { InstallRequest } from './server/installed.js';
import { socketConnection } from './socket-connection.js';

/**
 * `socket//installvia=ID`: starts a one-gateway socket server through gateway `ID` of the same
 * group (remote code, Node built-ins only), on an ephemeral port of its 127.0.0.1 (or on the
 * `socket=HOST[:PORT]` given), with a fresh random secret that only travels inside gateway
 * `ID`; then connects to it. The server's remoteExec keeps a channel of `ID` busy for the
 * socket gateway's lifetime, as in execnet.
 * @throws {SpecError} no gateway `ID` in the group, or it is not a JavaScript worker
 * @throws {SocketServerError} the server could not start on gateway `ID`
 */
export async function openInstallvia(spec: XSpec, context: OpenContext, timeout: number): Promise<Connection> {
  const id = spec.installvia!;
  const item = `installvia=${id}`;
  const gateway = context.lookupGateway?.(id);
  if (!gateway) throw new SpecError(`installvia: no gateway '${id}' in this group`, { spec: String(spec), item });
  if (gateway.remoteKind !== 'js') {
    throw new SpecError(`installvia: gateway '${id}' is not a JavaScript worker`, { spec: String(spec), item });
  }
  let listen = { host: '127.0.0.1', port: 0 };
  if (typeof spec.socket === 'string') {
    try {
      listen = parseHostPort(spec.socket, { defaultPort: 0, allowZero: true });
    } catch (error) {
      throw new SpecError(`socket=${spec.socket}: ${(error as Error).message}`, { spec: String(spec), item: `socket=${spec.socket}` });
    }
  }
  const secret = randomBytes(32);
  const request: InstallRequest = { loader: LOADER_SOURCE, secret: secret.toString('hex'), handshakeTimeout: timeout, ...listen };
  const channel = gateway.remoteExec(INSTALL_BODY, { source: await serverBundle(), request });
  const stop = (): void => closeQuietly(channel);
  try {
    let bound: unknown;
    try {
      bound = await channel.receive({ signal: context.signal });
    } catch (error) {
      if (error === context.signal.reason) throw error;
      throw new SocketServerError(`installvia: cannot start the socket server on gateway '${id}'`, { cause: error });
    }
    const [, port] = bound as [string, number];
    // A wildcard address is reached over loopback; anything else as given.
    const host = listen.host === '0.0.0.0' ? '127.0.0.1' : listen.host === '::' ? '::1' : listen.host;
    const address = formatHostPort(host, port);
    log(`installvia=${id}: server listening on ${address}`);
    const socket = await connectToServer({ host, port, address, secret, tls: undefined, timeout, signal: context.signal });
    return socketConnection(socket, address, `socket=${address} (installvia=${id})`, { onClose: stop, onKill: stop });
  } catch (error) {
    stop();
    throw error;
  }
}

/** Tells the installed server to stop (it ends by itself after its one gateway anyway). */
function closeQuietly(channel: Channel): void {
  try {
    channel.close();
  } catch {
    // Already closed, or the gateway is gone.
  }
}
