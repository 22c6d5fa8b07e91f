/**
 * Entry point of the server script shipped for `installvia=ID`: bundled into one CommonJS
 * script (Node built-ins only) and run by remote code on gateway ID, which has no packages.
 */
import { runServer } from './server.js';

/** What the master sends with the script. */
export interface InstallRequest {
  /** The worker loader (`LOADER_SOURCE` of `@execnet/core`). */
  loader: string;
  /** A fresh secret for this one server, hex; it only ever travels inside the existing gateway. */
  secret: string;
  host: string;
  port: number;
  handshakeTimeout: number;
}

/** The part of the remote `Channel` used here. */
interface InstallChannel {
  send(item: unknown): Promise<void>;
  receive(): Promise<unknown>;
}

/**
 * Starts a server for exactly one gateway, sends `[host, port]`, and keeps the channel busy
 * until that gateway has ended or the master closes the channel (which stops the server).
 */
export async function serveInstalled(channel: InstallChannel, request: InstallRequest): Promise<void> {
  const server = await runServer({
    host: request.host,
    port: request.port,
    secret: Buffer.from(request.secret, 'hex'),
    tls: undefined,
    once: true,
    maxPending: 8,
    handshakeTimeout: request.handshakeTimeout,
    worker: { executable: process.execPath, loader: request.loader, cwd: undefined, env: process.env },
    log: (line, event) => {
      // Someone else on that host tried to connect: worth a line on the gateway's stderr.
      if (event.kind === 'connection' && (event.outcome === 'refused' || event.outcome === 'invalid')) {
        process.stderr.write(`execnet-socketserver (installvia): ${line}\n`);
      }
    },
  });
  try {
    await channel.send([server.host, server.port]);
  } catch (error) {
    // The master gave up meanwhile (closed the channel): nobody will connect.
    await server.close();
    throw error;
  }
  channel.receive().then(
    () => server.close(),
    () => server.close(),
  );
  await server.closed;
}
