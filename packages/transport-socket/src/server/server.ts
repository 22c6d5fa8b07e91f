import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import { formatHostPort } from '../address.js';
import type { ConnectionOutcome, SocketServerLog, WorkerExit } from './events.js';
import { serverHandshake } from './handshake.js';
import { Session, type WorkerSpawnConfig } from './session.js';

/** When full, only a connection waiting at least this long may be evicted for a new one. */
const EVICT_AFTER_MS = 1000;
/** TCP keep-alive on accepted connections, so a vanished client host is noticed eventually. */
const KEEPALIVE_MS = 15_000;
/** How long a refused client gets to read our status byte before the connection is destroyed. */
const REFUSE_LINGER_MS = 1000;

/**
 * Everything the server needs, resolved and validated (policy checks such as "no secret on a
 * public address" are done by the public `startSocketServer`). This module and those it
 * imports use Node built-ins only, so the same code is shipped for `installvia`.
 */
export interface ServerConfig {
  host: string;
  port: number;
  /** `undefined` accepts clients without a secret. */
  secret: Uint8Array | undefined;
  tls: SecureContextOptions | undefined;
  once: boolean;
  maxPending: number;
  handshakeTimeout: number;
  worker: WorkerSpawnConfig;
  log: SocketServerLog;
}

/** A listening server. */
export interface RunningServer {
  readonly host: string;
  readonly port: number;
  /** `host:port`, IPv6 in brackets. */
  readonly address: string;
  /** Resolves once the server has stopped: after `close()`, or after the one gateway of `once`. */
  readonly closed: Promise<void>;
  /** Stops listening, closes waiting connections and ends every worker; resolves when all are gone. */
  close(): Promise<void>;
}

interface Pending {
  id: number;
  peer: string;
  since: number;
  raw: Socket;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Set when we cut the handshake short; wins over what the handshake itself reports. */
  verdict: { outcome: ConnectionOutcome; reason: string } | undefined;
}

/**
 * Starts listening and serves each authenticated connection with its own worker process.
 * Rejects with the listen error (EADDRINUSE, EACCES, …).
 */
export async function runServer(config: ServerConfig): Promise<RunningServer> {
  const secureContext: SecureContext | undefined = config.tls ? createSecureContext(config.tls) : undefined;
  const pending = new Set<Pending>();
  const sessions = new Set<Session>();
  /** Refused connections that get a moment to read why before they are destroyed. */
  const lingering = new Set<Socket>();
  let sequence = 0;
  let accepting = true;
  let closing = false;
  let listenerClosed = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));

  const logConnection = (
    entry: { id: number; peer: string; since: number },
    outcome: ConnectionOutcome,
    details: { reason?: string; workerPid?: number; exit?: WorkerExit } = {},
  ): void => {
    const durationMs = Date.now() - entry.since;
    const parts = [`#${entry.id} ${entry.peer} ${outcome}`];
    if (details.workerPid !== undefined) parts.push(`worker ${details.workerPid}${details.exit ? ` ${describeExit(details.exit)}` : ''}`);
    if (details.reason) parts.push(details.reason);
    parts.push(`${(durationMs / 1000).toFixed(1)} s`);
    config.log(parts.join(', '), { kind: 'connection', id: entry.id, peer: entry.peer, outcome, ...details, durationMs });
  };

  const maybeClosed = (): void => {
    if (closing && listenerClosed && pending.size === 0 && sessions.size === 0) {
      closing = false;
      config.log('closed', { kind: 'closed' });
      resolveClosed();
    }
  };

  const stopListening = (): void => {
    if (!accepting) return;
    accepting = false;
    listener.close(() => {
      listenerClosed = true;
      maybeClosed();
    });
  };

  const linger = (raw: Socket): void => {
    lingering.add(raw);
    raw.resume(); // notice the client closing; whatever it still sends is dropped
    const timer = setTimeout(() => raw.destroy(), REFUSE_LINGER_MS);
    raw.once('close', () => {
      clearTimeout(timer);
      lingering.delete(raw);
    });
  };

  const cut = (entry: Pending, outcome: ConnectionOutcome, reason: string): void => {
    entry.verdict ??= { outcome, reason };
    entry.raw.destroy();
  };

  const close = (): Promise<void> => {
    if (!closing) {
      closing = true;
      stopListening();
      for (const entry of pending) cut(entry, 'shutdown', 'server closing');
      for (const socket of lingering) socket.destroy();
      for (const session of sessions) session.stop();
      maybeClosed();
    }
    return closed;
  };

  const serve = (entry: Pending, socket: Duplex): void => {
    const session = new Session(socket, config.worker);
    sessions.add(session);
    session.start();
    void session.done.then((result) => {
      sessions.delete(session);
      logConnection(entry, result.failed ? 'failed' : 'served', { reason: result.reason, workerPid: result.workerPid, exit: result.exit });
      if (config.once) void close();
      maybeClosed();
    });
  };

  const onConnection = (raw: Socket): void => {
    const entry: Pending = {
      id: ++sequence,
      peer: formatHostPort(raw.remoteAddress ?? 'unknown', raw.remotePort ?? 0),
      since: Date.now(),
      raw,
      timer: undefined,
      verdict: undefined,
    };
    raw.on('error', () => undefined); // every failure also closes the socket; handled there
    if (!accepting) {
      raw.destroy();
      logConnection(entry, 'shutdown', { reason: 'server closing' });
      return;
    }
    if (pending.size >= config.maxPending) {
      const oldest = pending.values().next().value as Pending | undefined;
      if (oldest && entry.since - oldest.since >= EVICT_AFTER_MS) {
        cut(oldest, 'evicted', 'closed to make room for a new connection');
      } else {
        raw.destroy();
        logConnection(entry, 'rejected', { reason: `${pending.size} connections are waiting to authenticate already` });
        return;
      }
    }
    raw.setNoDelay(true);
    raw.setKeepAlive(true, KEEPALIVE_MS);
    pending.add(entry);
    entry.timer = setTimeout(() => cut(entry, 'timeout', `no handshake within ${config.handshakeTimeout} ms`), config.handshakeTimeout);
    serverHandshake(raw, { secret: config.secret, tls: secureContext }).then(
      (result) => {
        clearTimeout(entry.timer);
        pending.delete(entry);
        if (entry.verdict || !result.ok || !accepting) {
          const verdict = entry.verdict ?? (result.ok ? { outcome: 'shutdown' as const, reason: 'server closing' } : result);
          if (entry.verdict || result.ok || closing) raw.destroy();
          else linger(raw);
          logConnection(entry, verdict.outcome, { reason: verdict.reason });
          maybeClosed();
          return;
        }
        if (config.once) {
          // Exactly one gateway: stop listening, and turn away whoever else is still waiting.
          stopListening();
          for (const other of pending) cut(other, 'shutdown', 'the server serves one gateway only (once)');
        }
        serve(entry, result.socket);
      },
      (error: Error) => {
        clearTimeout(entry.timer);
        pending.delete(entry);
        raw.destroy();
        logConnection(entry, 'invalid', { reason: error.message });
        maybeClosed();
      },
    );
  };

  const listener: Server = createServer({ allowHalfOpen: true }, onConnection);
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen({ host: config.host, port: config.port }, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  listener.on('error', () => undefined); // accept errors (EMFILE) must not crash the server
  const bound = listener.address();
  const host = typeof bound === 'object' && bound ? bound.address : config.host;
  const port = typeof bound === 'object' && bound ? bound.port : config.port;
  const address = formatHostPort(host, port);
  config.log(`listening on ${address}`, { kind: 'listening', address, host, port });
  return { host, port, address, closed, close };
}

/** `exited with code 0`, `killed by SIGKILL`. */
function describeExit(exit: WorkerExit): string {
  if (exit.signal) return `killed by ${exit.signal}`;
  return `exited with code ${exit.code}`;
}
