/**
 * The only module that touches ssh2: it turns ssh2's callback and event API into a few
 * Promise-based operations, and ssh2's errors into this package's typed errors.
 */
import type { Duplex, Readable } from 'node:stream';
import ssh2, { type AnyAuthMethod, type AuthenticationType, type ClientChannel, type ConnectConfig } from 'ssh2';
import type { ExitStatus } from '@execnet/core';
import { sshLog } from './debug.js';
import { ConnectionError, SshAuthenticationError, SshHostKeyError } from './errors.js';

const log = sshLog('session');
// ssh2 is CommonJS; its `utils` export is not visible to ESM named imports.
const { Client, utils } = ssh2;
type Client = InstanceType<typeof Client>;

/** One way to log in, in the order they are tried. */
export type AuthAttempt = { kind: 'agent'; socket: string } | { kind: 'key'; path: string; key: Buffer };

/** Where a session goes, for messages and errors. */
export interface SessionEndpoint {
  host: string;
  port: number;
  /** The jump host, when the session runs through one. */
  via?: string;
}

/** What {@link startSession} needs. */
export interface SessionConfig {
  /** An open byte stream to the server: a TCP socket, or a channel forwarded by a jump host. */
  sock: Duplex;
  endpoint: SessionEndpoint;
  username: string;
  auth: readonly AuthAttempt[];
  /** Keys that could not be used, reported if authentication fails. */
  skippedKeys: readonly string[];
  /** Accepts the server's host key (a public key blob) or throws a HostKeyError. */
  verifyHostKey(key: Buffer): void;
  /** Host key algorithms to ask for first (those known_hosts has keys of). */
  preferredHostKeyAlgorithms: readonly string[];
  compression: boolean;
  /** Milliseconds for the SSH handshake and authentication. */
  readyTimeout: number;
}

/** An exec channel: stdout and stdin are the channel stream itself. */
export interface ExecChannel {
  /** Readable: the remote command's stdout; writable: its stdin (`end()` sends EOF). */
  readonly stream: Duplex;
  readonly stderr: Readable;
  /** Asks the server to signal the process (`KILL`, `TERM`); servers may ignore it. */
  signal(name: string): void;
  /** Closes the channel. */
  close(): void;
  /** Called once with the exit status, when the server reports it. */
  onExit(listener: (status: ExitStatus) => void): void;
  /** Called once when the channel is closed. */
  onClose(listener: () => void): void;
}

/** Known host key algorithms of ssh2, so preferences never name one it would reject. */
const HOST_KEY_ALGORITHMS = new Set([
  'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa',
]);

/** Result of reading a private key file: usable, or why not. */
export type KeyCheck = { ok: true } | { ok: false; reason: string };

/** Checks that `data` is an unencrypted private key ssh2 can use. */
export function checkPrivateKey(data: Buffer): KeyCheck {
  const parsed = utils.parseKey(data);
  if (parsed instanceof Error) {
    return { ok: false, reason: /passphrase|encrypted/i.test(parsed.message) ? 'encrypted (add it to ssh-agent)' : `unusable (${parsed.message})` };
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || !key.isPrivateKey()) return { ok: false, reason: 'not a private key' };
  return { ok: true };
}

/** ssh2 internals used for keepalive probes; see {@link SshSession.startKeepalive}. */
interface ClientInternals {
  _protocol?: { ping?: () => void };
  _callbacks?: Array<(failed: boolean) => void>;
  _sock?: { readable?: boolean };
}

/**
 * Runs the SSH handshake and authentication over `config.sock`.
 * @throws {SshHostKeyError} the host key was refused
 * @throws {SshAuthenticationError} no credential was accepted
 * @throws {ConnectionError} the server closed the connection or did not finish in time
 */
export function startSession(config: SessionConfig, signal: AbortSignal): Promise<SshSession> {
  const client = new Client();
  const { endpoint } = config;
  const tried: string[] = [];
  let allowed: readonly string[] = [];
  let hostKeyError: SshHostKeyError | undefined;
  let handshaken = false;
  let attempt = -1;
  const authHandler = (methodsLeft: AuthenticationType[] | null): AnyAuthMethod | false => {
    if (methodsLeft) allowed = methodsLeft;
    // 'none' first, as OpenSSH does: its failure tells which methods the server accepts.
    if (attempt === -1) {
      attempt = 0;
      return { type: 'none', username: config.username };
    }
    const offersKeys = !methodsLeft || methodsLeft.includes('publickey');
    while (offersKeys && attempt < config.auth.length) {
      const next = config.auth[attempt++]!;
      if (next.kind === 'agent') {
        tried.push(`agent ${next.socket}`);
        return { type: 'agent', username: config.username, agent: next.socket };
      }
      tried.push(`publickey ${next.path}`);
      return { type: 'publickey', username: config.username, key: next.key };
    }
    return false;
  };
  const options: ConnectConfig = {
    sock: config.sock,
    username: config.username,
    readyTimeout: config.readyTimeout,
    authHandler: authHandler as unknown as ConnectConfig['authHandler'],
    hostVerifier: (key: Buffer) => {
      try {
        config.verifyHostKey(key);
        return true;
      } catch (error) {
        hostKeyError = error as SshHostKeyError;
        return false;
      }
    },
    algorithms: hostKeyAlgorithms(config),
  };
  return new Promise<SshSession>((resolve, reject) => {
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      client.removeAllListeners('ready');
      client.on('error', () => undefined);
      client.destroy();
      config.sock.destroy();
      reject(error);
    };
    const onAbort = () => fail(signal.reason as Error);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    client.on('handshake', () => (handshaken = true));
    client.on('error', (error: Error & { level?: string; code?: unknown; description?: string }) => {
      log(`${endpoint.host}:${endpoint.port}: ${error.level ?? ''} ${error.message}`);
      if (error.level === 'agent') {
        // An agent that cannot be reached is one failed method, not a failed connection.
        tried.push(`(agent unreachable: ${error.message})`);
        return;
      }
      if (hostKeyError) return fail(hostKeyError);
      fail(mapError(error, config, { handshaken, tried, allowed }));
    });
    client.on('close', () => fail(new ConnectionError(`connection to ${where(endpoint)} closed before the SSH session was ready`, { ...endpoint, failure: 'closed' })));
    client.once('ready', () => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      client.removeAllListeners('error');
      client.removeAllListeners('close');
      resolve(new SshSession(client, endpoint));
    });
    try {
      client.connect(options);
    } catch (error) {
      fail(error as Error);
    }
  });
}

function hostKeyAlgorithms(config: SessionConfig): ConnectConfig['algorithms'] {
  const preferred = config.preferredHostKeyAlgorithms.filter((name) => HOST_KEY_ALGORITHMS.has(name));
  const algorithms: Record<string, unknown> = {};
  if (preferred.length) algorithms.serverHostKey = { remove: preferred, prepend: preferred };
  if (config.compression) algorithms.compress = ['zlib@openssh.com', 'zlib', 'none'];
  return algorithms as ConnectConfig['algorithms'];
}

function mapError(
  error: Error & { level?: string; code?: unknown; description?: string },
  config: SessionConfig,
  state: { handshaken: boolean; tried: string[]; allowed: readonly string[] },
): Error {
  const { endpoint } = config;
  if (error.level === 'client-authentication' || (state.handshaken && typeof error.code === 'number')) {
    return new SshAuthenticationError(
      {
        ...endpoint,
        username: config.username,
        methodsTried: state.tried,
        methodsAllowed: state.allowed.filter((method) => method !== 'none'),
        skippedKeys: config.skippedKeys,
        detail: error.level === 'client-authentication' ? undefined : error.message,
      },
      { cause: error },
    );
  }
  if (error.level === 'client-timeout') {
    return new ConnectionError(`no SSH handshake from ${where(endpoint)} within ${config.readyTimeout} ms`, { ...endpoint, failure: 'timeout', cause: error });
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return new ConnectionError(`connection to ${where(endpoint)} reset during the SSH handshake`, { ...endpoint, failure: 'reset', cause: error });
  }
  return new ConnectionError(`SSH handshake with ${where(endpoint)} failed: ${error.message}`, { ...endpoint, failure: 'closed', cause: error });
}

function where(endpoint: SessionEndpoint): string {
  return `${endpoint.host} port ${endpoint.port}${endpoint.via ? ` (via ${endpoint.via})` : ''}`;
}

/** An authenticated SSH connection on which channels are opened. */
export class SshSession {
  private closedFlag = false;
  private readonly closeListeners: Array<(error: Error | undefined) => void> = [];
  private lastError: Error | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;

  /** @internal made by {@link startSession} */
  constructor(
    private readonly client: Client,
    readonly endpoint: SessionEndpoint,
  ) {
    client.on('error', (error: Error) => {
      log(`${endpoint.host}:${endpoint.port}: ${error.message}`);
      this.lastError ??= new ConnectionError(`connection to ${where(endpoint)} lost: ${error.message}`, {
        ...endpoint,
        failure: (error as NodeJS.ErrnoException).code === 'ECONNRESET' ? 'reset' : 'closed',
        cause: error,
      });
    });
    client.on('close', () => this.closed(this.lastError));
  }

  /** True once the connection is gone. */
  get isClosed(): boolean {
    return this.closedFlag;
  }

  /** Calls `listener` once when the connection closes, with the error if it did not end cleanly. */
  onClose(listener: (error: Error | undefined) => void): void {
    if (this.closedFlag) queueMicrotask(() => listener(this.lastError));
    else this.closeListeners.push(listener);
  }

  /**
   * Runs `command` through the remote login shell on a new channel.
   * @throws {Error} with `channelOpenFailure` set when the server refuses a new channel
   *   (OpenSSH's MaxSessions), so the caller can use another connection
   */
  exec(command: string): Promise<ExecChannel> {
    return new Promise((resolve, reject) => {
      try {
        this.client.exec(command, (error, channel) => (error ? reject(markOpenFailure(error)) : resolve(wrapChannel(channel))));
      } catch (error) {
        reject(error);
      }
    });
  }

  /** Opens a `direct-tcpip` channel to `host:port` as seen from the server (ProxyJump). */
  forwardOut(host: string, port: number): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      try {
        this.client.forwardOut('127.0.0.1', 0, host, port, (error, channel) => (error ? reject(markOpenFailure(error)) : resolve(channel)));
      } catch (error) {
        reject(error);
      }
    });
  }

  /**
   * Probes the server every `interval` ms with `keepalive@openssh.com` and calls `onDead`
   * once `countMax` probes in a row went unanswered, as OpenSSH's ServerAliveInterval and
   * ServerAliveCountMax do. The timer never keeps the process alive by itself.
   */
  startKeepalive(interval: number, countMax: number, onDead: () => void): void {
    if (interval <= 0) return;
    const internals = this.client as unknown as ClientInternals;
    const protocol = internals._protocol;
    if (typeof protocol?.ping !== 'function' || !Array.isArray(internals._callbacks)) {
      // ssh2's own keepalive would hold the event loop open (its timer is not unref'd).
      log('keepalive unavailable with this ssh2 version');
      return;
    }
    let unanswered = 0;
    this.keepaliveTimer = setInterval(() => {
      if (this.closedFlag) return this.stopKeepalive();
      if (unanswered >= countMax) {
        this.stopKeepalive();
        onDead();
        return;
      }
      unanswered++;
      // The reply (success or failure) comes back in order of the global requests sent.
      internals._callbacks!.push(() => (unanswered = 0));
      protocol.ping!();
    }, interval);
    this.keepaliveTimer.unref();
  }

  /** Ends the connection politely. */
  end(): void {
    this.stopKeepalive();
    this.client.end();
  }

  /** Drops the connection at once; `error` is what close listeners are told. */
  destroy(error?: Error): void {
    this.stopKeepalive();
    if (error) this.lastError ??= error;
    this.client.destroy();
  }

  private stopKeepalive(): void {
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = undefined;
  }

  private closed(error: Error | undefined): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.stopKeepalive();
    for (const listener of this.closeListeners.splice(0)) listener(error);
  }
}

function markOpenFailure(error: Error & { reason?: unknown }): Error {
  if (typeof error.reason === 'number' || /open failure/i.test(error.message)) {
    Object.assign(error, { channelOpenFailure: error.reason ?? true });
  }
  return error;
}

function wrapChannel(channel: ClientChannel): ExecChannel {
  let exitStatus: ExitStatus | undefined;
  const exitListeners: Array<(status: ExitStatus) => void> = [];
  channel.on('exit', (code: number | null, signal?: string) => {
    if (exitStatus) return;
    exitStatus = { code: typeof code === 'number' ? code : null, signal: signal ? (signal.startsWith('SIG') ? signal : `SIG${signal}`) : null };
    for (const listener of exitListeners.splice(0)) listener(exitStatus);
  });
  return {
    stream: channel,
    stderr: channel.stderr,
    signal: (name) => {
      try {
        channel.signal(name.replace(/^SIG/, ''));
      } catch {
        // Channel already closed.
      }
    },
    close: () => channel.close(),
    onExit: (listener) => {
      if (exitStatus) queueMicrotask(() => listener(exitStatus!));
      else exitListeners.push(listener);
    },
    onClose: (listener) => {
      channel.once('close', () => listener());
    },
  };
}
