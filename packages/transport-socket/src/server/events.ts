/**
 * How a connection to the socket server ended, as logged:
 * - `served`: authenticated; a worker ran for it (see `exit`);
 * - `refused`: authentication failed (wrong secret, no secret, a replayed handshake);
 * - `invalid`: the peer does not speak this protocol (bad greeting, TLS handshake failed);
 * - `timeout`: the handshake did not complete within `handshakeTimeout`;
 * - `rejected`: closed at once, too many connections were waiting to authenticate;
 * - `evicted`: closed to make room for a newer connection while the server was full;
 * - `dropped`: the peer closed the connection before authenticating;
 * - `failed`: authenticated, but the worker process could not be started;
 * - `shutdown`: the server was closed before the handshake completed.
 */
export type ConnectionOutcome =
  | 'served'
  | 'refused'
  | 'invalid'
  | 'timeout'
  | 'rejected'
  | 'evicted'
  | 'dropped'
  | 'failed'
  | 'shutdown';

/** How a worker process ended. */
export interface WorkerExit {
  code: number | null;
  signal: string | null;
}

/** What the socket server reports; each comes with a formatted log line. */
export type SocketServerEvent =
  | {
      kind: 'listening';
      /** `host:port` (IPv6 in brackets), with the actual port when 0 was asked for. */
      address: string;
      host: string;
      port: number;
    }
  | { kind: 'warning'; message: string }
  | {
      /** One per connection, when it is over. */
      kind: 'connection';
      /** Sequence number of the connection, from 1. */
      id: number;
      /** The peer's `address:port`. */
      peer: string;
      outcome: ConnectionOutcome;
      /** Details, e.g. `wrong secret or replayed handshake`, `client disconnected`. */
      reason?: string;
      /** The worker's process id (outcome `served`). */
      workerPid?: number;
      /** How the worker ended (outcome `served`). */
      exit?: WorkerExit;
      /** Milliseconds from accept to close. */
      durationMs: number;
    }
  | { kind: 'closed' };

/** Receives every event and its log line. */
export type SocketServerLog = (line: string, event: SocketServerEvent) => void;
