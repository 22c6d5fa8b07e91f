import type { Duplex } from 'node:stream';
import { HostNotFound } from '@execnet/core';
import { planAuthentication } from './auth.js';
import { sshLog } from './debug.js';
import { ConnectionError } from './errors.js';
import { entriesFor, preferredKeyAlgorithms, readKnownHosts, verifyHostKey } from './known-hosts.js';
import type { SshTarget } from './resolve-target.js';
import { startSession, type ExecChannel, type SshSession } from './ssh-connection.js';
import { dialTcp } from './tcp-dial.js';

const log = sshLog('pool');

/** A share in one SSH connection, held by one worker channel (or by a connection through a jump host). */
export interface Lease {
  readonly session: SshSession;
  /** `user@host:port` of the connection, for messages. */
  readonly where: string;
  /** Gives the share back; the connection ends with its last share. Idempotent. */
  release(): void;
  /** Keeps the process alive while this share is busy (the default), or lets it exit. */
  ref(): void;
  unref(): void;
  /** Called once if the connection is lost with an error (keepalive timeout, reset). */
  onLost(listener: (error: Error) => void): void;
}

/** Options of {@link ConnectionPool}. */
export interface PoolOptions {
  /** Share one connection among leases with the same target. */
  share: boolean;
  /** Milliseconds for the SSH handshake and authentication. */
  readyTimeout: number;
}

/** What a connection stands on: a TCP socket, or a channel of a jump host's connection. */
interface Underlying {
  ref(): void;
  unref(): void;
  release(): void;
}

class Entry {
  session: SshSession | undefined;
  ready!: Promise<SshSession>;
  leases = 0;
  refs = 0;
  /** The server refused more channels here (MaxSessions): new leases go elsewhere. */
  full = false;
  dead = false;
  underlying: Underlying | undefined;
  readonly abort = new AbortController();
  readonly lostListeners = new Set<(error: Error) => void>();
  constructor(
    readonly key: string,
    readonly target: SshTarget,
  ) {}
}

/**
 * The SSH connections of one transport. Leases to the same target (host, port, user and every
 * setting that changes the connection) share a connection, which closes with its last lease.
 */
export class ConnectionPool {
  private readonly entries = new Map<string, Entry[]>();

  constructor(private readonly options: PoolOptions) {}

  /** Number of open or opening connections (for tests and diagnostics). */
  get size(): number {
    let count = 0;
    for (const list of this.entries.values()) count += list.length;
    return count;
  }

  /**
   * A share in a connection to `target`, opening one if none can be shared.
   * @throws {HostNotFound} | {ConnectionError} | {SshAuthenticationError} | {SshHostKeyError}
   */
  async acquire(target: SshTarget, signal: AbortSignal): Promise<Lease> {
    const key = JSON.stringify(target);
    let entry = this.options.share ? this.entries.get(key)?.find((candidate) => !candidate.dead && !candidate.full) : undefined;
    if (!entry) {
      entry = new Entry(key, target);
      const list = this.entries.get(key) ?? [];
      list.push(entry);
      this.entries.set(key, list);
      const created = entry;
      entry.ready = this.connect(created);
      entry.ready.then(
        (session) => (created.session = session),
        () => {
          created.dead = true;
          this.remove(created);
        },
      );
    }
    const lease = this.lease(entry);
    try {
      await abortable(entry.ready, signal);
    } catch (error) {
      lease.release();
      throw error;
    }
    return lease;
  }

  /**
   * Runs `command` on a new channel of a shared connection. When the server refuses the channel
   * because the connection has as many as it allows (OpenSSH MaxSessions, 10 by default), the
   * command goes to a new connection instead.
   */
  async exec(target: SshTarget, command: string, signal: AbortSignal): Promise<{ lease: Lease; channel: ExecChannel }> {
    for (let attempt = 0; ; attempt++) {
      const lease = await this.acquire(target, signal);
      try {
        const pending = lease.session.exec(command);
        const channel = await abortable(pending, signal).catch((error: unknown) => {
          // A channel that opens after the abort is closed at once.
          if (error === signal.reason) pending.then((late) => late.close(), () => undefined);
          throw error;
        });
        return { lease, channel };
      } catch (error) {
        const entry = this.entryOf(lease);
        lease.release();
        if ((error as { channelOpenFailure?: unknown }).channelOpenFailure !== undefined && entry && entry.leases > 0 && attempt < 8) {
          log(`${lease.where}: no more channels on this connection (${(error as Error).message}); opening another`);
          entry.full = true;
          continue;
        }
        if (error === signal.reason) throw error;
        throw new ConnectionError(`cannot start a command on ${lease.where}: ${(error as Error).message}`, {
          host: target.host,
          port: target.port,
          failure: 'closed',
          cause: error,
        });
      }
    }
  }

  private readonly leaseEntries = new WeakMap<Lease, Entry>();

  private entryOf(lease: Lease): Entry | undefined {
    return this.leaseEntries.get(lease);
  }

  private lease(entry: Entry): Lease {
    entry.leases++;
    let released = false;
    let refd = false;
    const lostListeners: Array<(error: Error) => void> = [];
    const ref = () => {
      if (refd || released) return;
      refd = true;
      if (++entry.refs === 1) entry.underlying?.ref();
    };
    const unref = () => {
      if (!refd) return;
      refd = false;
      if (--entry.refs === 0) entry.underlying?.unref();
    };
    ref();
    const lease: Lease = {
      get session() {
        return entry.session!;
      },
      where: `${entry.target.user}@${entry.target.host}:${entry.target.port}`,
      release: () => {
        if (released) return;
        unref();
        released = true;
        for (const listener of lostListeners) entry.lostListeners.delete(listener);
        if (--entry.leases === 0) this.close(entry);
      },
      ref,
      unref,
      onLost: (listener) => {
        lostListeners.push(listener);
        entry.lostListeners.add(listener);
      },
    };
    this.leaseEntries.set(lease, entry);
    return lease;
  }

  private async connect(entry: Entry): Promise<SshSession> {
    const { target } = entry;
    const signal = entry.abort.signal;
    const via = target.jump ? `${target.jump.user}@${target.jump.host}:${target.jump.port}` : undefined;
    let sock: Duplex;
    try {
      if (target.jump) {
        const jumpLease = await this.acquire(target.jump, signal);
        entry.underlying = { ref: jumpLease.ref, unref: jumpLease.unref, release: jumpLease.release };
        jumpLease.onLost((error) =>
          this.lost(entry, new ConnectionError(`connection via ${via} lost: ${error.message}`, { host: target.host, port: target.port, via, failure: (error as ConnectionError).failure ?? 'closed', cause: error })),
        );
        sock = await forward(jumpLease, target, via!);
      } else {
        const socket = await dialTcp({ host: target.host, port: target.port, family: target.family, timeout: target.connectTimeout, keepAlive: target.tcpKeepAlive, signal });
        entry.underlying = { ref: () => socket.ref(), unref: () => socket.unref(), release: () => socket.destroy() };
        sock = socket;
      }
      if (entry.refs === 0) entry.underlying.unref();
      const plan = planAuthentication(target);
      const known = entriesFor(readKnownHosts([...target.hostKey.userFiles, ...target.hostKey.globalFiles]), target.hostKey.name);
      const session = await startSession(
        {
          sock,
          endpoint: { host: target.host, port: target.port, via },
          username: target.user,
          auth: plan.attempts,
          skippedKeys: plan.skippedKeys,
          verifyHostKey: (key) => verifyHostKey(key, target.hostKey),
          preferredHostKeyAlgorithms: preferredKeyAlgorithms(known),
          compression: target.compression,
          // OpenSSH applies ConnectTimeout to the SSH handshake too.
          readyTimeout: target.connectTimeout ?? this.options.readyTimeout,
        },
        signal,
      );
      log(`connected to ${target.user}@${target.host}:${target.port}${via ? ` via ${via}` : ''}`);
      session.onClose((error) => this.closed(entry, error));
      session.startKeepalive(target.keepaliveInterval, target.keepaliveCountMax, () => {
        const seconds = target.keepaliveInterval / 1000;
        this.lost(
          entry,
          new ConnectionError(
            `connection to ${target.user}@${target.host} port ${target.port} lost: no answer to ${target.keepaliveCountMax} keepalive probes sent every ${seconds} s (ServerAliveInterval ${seconds}, ServerAliveCountMax ${target.keepaliveCountMax})`,
            { host: target.host, port: target.port, via, failure: 'keepalive' },
          ),
        );
      });
      return session;
    } catch (error) {
      entry.underlying?.release();
      throw error;
    }
  }

  /** The connection is gone with an error: tell every lease first, so channels fail with it. */
  private lost(entry: Entry, error: Error): void {
    if (entry.dead) return;
    entry.dead = true;
    this.remove(entry);
    log(error.message);
    for (const listener of [...entry.lostListeners]) listener(error);
    entry.session?.destroy(error);
  }

  private closed(entry: Entry, error: Error | undefined): void {
    // Leases left means we did not end it: the server or the network did.
    const { target } = entry;
    error ??= entry.leases > 0 ? new ConnectionError(`connection to ${target.user}@${target.host} port ${target.port} closed by the server`, { host: target.host, port: target.port, failure: 'closed' }) : undefined;
    if (error) this.lost(entry, error);
    entry.dead = true;
    this.remove(entry);
    entry.underlying?.release();
  }

  private close(entry: Entry): void {
    this.remove(entry);
    entry.dead = true;
    if (entry.session) entry.session.end();
    else entry.abort.abort(new ConnectionError(`connection to ${entry.target.host} abandoned`, { host: entry.target.host, port: entry.target.port, failure: 'closed' }));
  }

  private remove(entry: Entry): void {
    const list = this.entries.get(entry.key);
    if (!list) return;
    const index = list.indexOf(entry);
    if (index >= 0) list.splice(index, 1);
    if (list.length === 0) this.entries.delete(entry.key);
  }
}

async function forward(jumpLease: Lease, target: SshTarget, via: string): Promise<Duplex> {
  try {
    return await jumpLease.session.forwardOut(target.host, target.port);
  } catch (error) {
    const message = (error as Error).message;
    const reason = (error as { reason?: unknown }).reason;
    if (/not known|resolve|no address/i.test(message)) throw new HostNotFound(target.host, `host not found: ${target.host} (as seen from ${via})`, { cause: error });
    const refused = reason === 2 || /refused/i.test(message);
    throw new ConnectionError(
      refused ? `connection refused by ${target.host} port ${target.port} (via ${via})` : `jump host ${via} cannot forward to ${target.host} port ${target.port}: ${message}`,
      { host: target.host, port: target.port, via, failure: refused ? 'refused' : 'forward', cause: error },
    );
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
