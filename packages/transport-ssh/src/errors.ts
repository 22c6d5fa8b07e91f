import { AuthenticationError, BootstrapError, ExecnetError, HostKeyError } from '@execnet/core';

/** The `code` of {@link ConnectionError}. */
export const CONNECTION_ERROR_CODE = 'ERR_EXECNET_CONNECTION';

/**
 * What went wrong with a connection: refused by the host, no answer in time, no route,
 * closed or reset by the peer, keepalive probes unanswered, or a forwarding channel refused.
 */
export type ConnectionFailure = 'refused' | 'timeout' | 'unreachable' | 'closed' | 'reset' | 'keepalive' | 'forward';

/** Options of {@link ConnectionError}. */
export interface ConnectionErrorOptions extends ErrorOptions {
  /** The host as connected to (after `HostName`). */
  host: string;
  port: number;
  failure: ConnectionFailure;
  /** The jump host the connection went through (`ProxyJump`), if any. */
  via?: string;
}

/**
 * The SSH connection could not be made or was lost: connection refused, connect timeout,
 * network unreachable, or the peer stopped answering keepalive probes (a frozen host or a
 * network partition). DNS failures are {@link HostNotFound} instead.
 */
export class ConnectionError extends ExecnetError {
  declare readonly name: 'ConnectionError';
  override readonly code: typeof CONNECTION_ERROR_CODE = CONNECTION_ERROR_CODE;
  /** The host as connected to. */
  readonly host: string;
  readonly port: number;
  /** What went wrong, for `switch`. */
  readonly failure: ConnectionFailure;
  /** The jump host, when the connection went through one. */
  readonly via: string | undefined;
  constructor(message: string, options: ConnectionErrorOptions) {
    super(message, options);
    this.host = options.host;
    this.port = options.port;
    this.failure = options.failure;
    this.via = options.via;
  }
}
setName(ConnectionError, 'ConnectionError');

/** What {@link SshAuthenticationError} knows about the failed login. */
export interface SshAuthenticationInfo {
  host: string;
  port: number;
  username: string;
  /** Each method tried, in order: `publickey /home/me/.ssh/id_ed25519`, `agent (2 keys)`, … */
  methodsTried: readonly string[];
  /** The methods the server said it accepts (`publickey`, `password`, …). */
  methodsAllowed: readonly string[];
  /** Keys that could not be used, with the reason (`…/id_rsa: encrypted (add it to ssh-agent)`). */
  skippedKeys: readonly string[];
  /** What the server said when it closed the connection during authentication, if it did. */
  detail?: string;
}

/**
 * The server rejected every credential we had. It is an `AuthenticationError` of core
 * (same `name` and `code`) with the methods that were tried and the ones the server accepts.
 * Passwords and keyboard-interactive prompts are never used: nothing asks on a terminal.
 */
export class SshAuthenticationError extends AuthenticationError {
  readonly port: number;
  readonly username: string;
  readonly methodsTried: readonly string[];
  readonly methodsAllowed: readonly string[];
  readonly skippedKeys: readonly string[];
  constructor(info: SshAuthenticationInfo, options?: ErrorOptions) {
    const tried = info.methodsTried.length ? info.methodsTried.join(', ') : 'nothing (no agent, no usable key)';
    const skipped = info.skippedKeys.length ? `; unusable keys: ${info.skippedKeys.join(', ')}` : '';
    const allowed = info.methodsAllowed.length ? `; the server accepts ${info.methodsAllowed.join(', ')}` : '';
    const detail = info.detail ? `; the server said: ${info.detail}` : '';
    super(`authentication failed for ${info.username}@${info.host} port ${info.port}: tried ${tried}${skipped}${allowed}${detail}`, {
      ...options,
      host: info.host,
    });
    this.port = info.port;
    this.username = info.username;
    this.methodsTried = [...info.methodsTried];
    this.methodsAllowed = [...info.methodsAllowed];
    this.skippedKeys = [...info.skippedKeys];
  }
}

/** Why a host key was refused: it differs from known_hosts, is not there (strict mode), or is revoked. */
export type HostKeyProblem = 'changed' | 'unknown' | 'revoked';

/** What {@link SshHostKeyError} knows about the refused key. */
export interface SshHostKeyInfo {
  /** The name looked up in known_hosts: `host`, or `[host]:port` for a port other than 22. */
  host: string;
  problem: HostKeyProblem;
  /** Type of the offered key, e.g. `ssh-ed25519`. */
  keyType: string;
  /** `SHA256:…` of the offered key, as `ssh-keygen -l` prints it. */
  offeredFingerprint: string;
  /** `SHA256:…` of the keys known_hosts has for this host (empty when unknown). */
  expectedFingerprints: readonly string[];
  /** The known_hosts files that were read. */
  knownHostsFiles: readonly string[];
}

/**
 * The host key was refused. It is a `HostKeyError` of core (same `name` and `code`) that says
 * which key the server offered and which keys known_hosts expects.
 */
export class SshHostKeyError extends HostKeyError {
  readonly problem: HostKeyProblem;
  readonly keyType: string;
  readonly offeredFingerprint: string;
  readonly expectedFingerprints: readonly string[];
  readonly knownHostsFiles: readonly string[];
  constructor(info: SshHostKeyInfo, options?: ErrorOptions) {
    const offered = `${info.keyType} ${info.offeredFingerprint}`;
    const files = info.knownHostsFiles.join(', ') || 'none';
    const message =
      info.problem === 'changed'
        ? `host key for ${info.host} has changed: the server offered ${offered}, known_hosts (${files}) expects ${info.expectedFingerprints.join(' or ')}`
        : info.problem === 'revoked'
          ? `host key ${offered} of ${info.host} is marked @revoked in known_hosts (${files})`
          : `host key for ${info.host} is not in known_hosts (${files}) and StrictHostKeyChecking is yes: the server offered ${offered}` +
            (info.expectedFingerprints.length ? ` (keys of other types are known: ${info.expectedFingerprints.join(', ')})` : '') +
            '; add it to known_hosts or use -o StrictHostKeyChecking=accept-new';
    super(message, { ...options, host: info.host });
    this.problem = info.problem;
    this.keyType = info.keyType;
    this.offeredFingerprint = info.offeredFingerprint;
    this.expectedFingerprints = [...info.expectedFingerprints];
    this.knownHostsFiles = [...info.knownHostsFiles];
  }
}

/** What {@link RemoteCommandNotFound} knows. */
export interface RemoteCommandNotFoundInfo {
  /** The command line that was started, for display. */
  command: string;
  /** The runtime executable that is missing, e.g. `node`. */
  executable: string;
  /** The spec key that names it: `node`, `bun`, `deno` or `python`. */
  runtimeKey: string;
  /** Where: `user@host:port` or the vagrant machine. */
  where: string;
  stderrTail?: readonly string[];
}

/**
 * The worker's runtime is not installed on the remote host (or not on the PATH of its login
 * shell). A `BootstrapError` of core (same `name` and `code`, `exitCode` 127) whose reason
 * says what is missing and suggests the `node=PATH` (or `bun=`, `deno=`, `python=`) spec key.
 */
export class RemoteCommandNotFound extends BootstrapError {
  /** The missing executable. */
  readonly executable: string;
  constructor(info: RemoteCommandNotFoundInfo, options?: ErrorOptions) {
    super(
      {
        command: info.command,
        exitCode: 127,
        stderrTail: info.stderrTail,
        reason: `'${info.executable}' not found on ${info.where}: install it there or give its path with ${info.runtimeKey}=PATH in the spec`,
      },
      options,
    );
    this.executable = info.executable;
  }
}

// As in core: `name` lives on the prototype, non-enumerable.
function setName(ctor: abstract new (...args: never[]) => Error, name: string): void {
  Object.defineProperty(ctor.prototype, 'name', { value: name, writable: true, enumerable: false, configurable: true });
}

/** The `code` of {@link SshConfigError}. */
export const SSH_CONFIG_ERROR_CODE = 'ERR_EXECNET_SSH_CONFIG';

/** Options of {@link SshConfigError}: where the offending line is. */
export interface SshConfigErrorOptions extends ErrorOptions {
  file: string;
  line?: number;
}

/** An ssh_config file cannot be read or has a line this transport cannot honour (e.g. `ProxyCommand`). */
export class SshConfigError extends ExecnetError {
  declare readonly name: 'SshConfigError';
  override readonly code: typeof SSH_CONFIG_ERROR_CODE = SSH_CONFIG_ERROR_CODE;
  /** The config file. */
  readonly file: string;
  /** The 1-based line number, when the error concerns one line. */
  readonly line: number | undefined;
  constructor(message: string, options: SshConfigErrorOptions) {
    super(options.line === undefined ? `${options.file}: ${message}` : `${options.file}:${options.line}: ${message}`, options);
    this.file = options.file;
    this.line = options.line;
  }
}
setName(SshConfigError, 'SshConfigError');
