/** Brand shared by every core error; survives the ESM/CJS dual-package hazard. */
const execnetErrorSymbol = Symbol.for('@execnet/error');

/**
 * Stable `code` strings of the core errors, for `switch (error.code)`.
 * Serializer errors use their own codes (`ERR_EXECNET_DUMP`, `ERR_EXECNET_LOAD`).
 */
export const ExecnetErrorCode = {
  GENERIC: 'ERR_EXECNET',
  REMOTE: 'ERR_EXECNET_REMOTE',
  TIMEOUT: 'ERR_EXECNET_TIMEOUT',
  EOF: 'ERR_EXECNET_EOF',
  CHANNEL_CLOSED: 'ERR_EXECNET_CHANNEL_CLOSED',
  GATEWAY_CLOSED: 'ERR_EXECNET_GATEWAY_CLOSED',
  HOST_NOT_FOUND: 'ERR_EXECNET_HOST_NOT_FOUND',
  AUTHENTICATION: 'ERR_EXECNET_AUTHENTICATION',
  HOST_KEY: 'ERR_EXECNET_HOST_KEY',
  SPEC: 'ERR_EXECNET_SPEC',
  PROTOCOL: 'ERR_EXECNET_PROTOCOL',
  BOOTSTRAP: 'ERR_EXECNET_BOOTSTRAP',
  CLOSURE: 'ERR_EXECNET_CLOSURE',
} as const;
/** Union of the core error codes. */
export type ExecnetErrorCode = (typeof ExecnetErrorCode)[keyof typeof ExecnetErrorCode];

// execa's way: `name` is inherited and non-enumerable, so it stays out of inspect/JSON noise.
function setName(ctor: abstract new (...args: never[]) => Error, name: string): void {
  Object.defineProperty(ctor.prototype, 'name', { value: name, writable: true, enumerable: false, configurable: true });
}

/** Indented stderr lines appended to a message, so a dead worker's last words are visible. */
function withStderr(message: string, stderrTail: readonly string[]): string {
  if (stderrTail.length === 0) return message;
  return `${message}\nlast stderr lines:\n${stderrTail.map((line) => `  ${line}`).join('\n')}`;
}

/** Fills in the defaults of a {@link WorkerExitInfo}; copies the stderr lines. */
function normalizeExit(info: WorkerExitInfo, phrase: (how: string) => string) {
  const { exitCode = null, signal = null, stderrTail = [] } = info;
  const how =
    signal !== null ? `killed by signal ${signal}` : exitCode !== null ? `exited with code ${exitCode}` : 'connection lost';
  return { exitCode, signal, stderrTail: [...stderrTail] as readonly string[], reason: info.reason ?? phrase(how) };
}

/**
 * Base class of every core error. Subclasses in other packages (transports) extend it too.
 *
 * `instanceof ExecnetError` fails when two copies of the package are loaded (ESM and CJS);
 * {@link isExecnetError} works across copies and realms.
 */
export class ExecnetError extends Error {
  /** The class name, a string literal on each subclass's prototype. */
  declare readonly name: string;
  /** Stable machine-readable code; see {@link ExecnetErrorCode}. */
  readonly code: string = ExecnetErrorCode.GENERIC;
  declare readonly [execnetErrorSymbol]: true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
setName(ExecnetError, 'ExecnetError');
// On the prototype, not per instance: shared by subclasses and hidden from util.inspect.
Object.defineProperty(ExecnetError.prototype, execnetErrorSymbol, { value: true, enumerable: false });

/**
 * True for any core error (or a transport error extending it), from any copy of the package.
 * Unlike `instanceof`, this works across realms and the ESM/CJS dual-package hazard.
 */
export function isExecnetError(error: unknown): error is ExecnetError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[execnetErrorSymbol] === true;
}

/**
 * Code on the other side failed. `formatted` keeps the remote traceback text intact,
 * and the message is that same text.
 * @see execnet RemoteError
 */
export class RemoteError extends ExecnetError {
  declare readonly name: 'RemoteError';
  override readonly code: 'ERR_EXECNET_REMOTE' = ExecnetErrorCode.REMOTE;
  /** The remote traceback (Python) or error stack (JS), exactly as the peer sent it. */
  readonly formatted: string;
  constructor(formatted: string, options?: ErrorOptions) {
    super(formatted, options);
    this.formatted = formatted;
  }
}
setName(RemoteError, 'RemoteError');

/** Options of {@link TimeoutError}: `timeout` is the timeout that expired, in milliseconds. */
export interface TimeoutErrorOptions extends ErrorOptions { timeout?: number }

/**
 * An operation did not finish within its `timeout` (milliseconds).
 * Distinct from any builtin: it does not extend an OS error as Python's does.
 * @see execnet TimeoutError
 */
export class TimeoutError extends ExecnetError {
  declare readonly name: 'TimeoutError';
  override readonly code: 'ERR_EXECNET_TIMEOUT' = ExecnetErrorCode.TIMEOUT;
  /** The timeout that expired, in milliseconds, when known. */
  readonly timeout: number | undefined;
  constructor(message: string, options?: TimeoutErrorOptions) {
    super(message, options);
    this.timeout = options?.timeout;
  }
}
setName(TimeoutError, 'TimeoutError');

/** Options of {@link EOFError}: `channelId` of the channel that ended, if it concerns one. */
export interface EOFErrorOptions extends ErrorOptions { channelId?: number }

/**
 * No more items can arrive: the channel ended, or the connection was lost without an error.
 * @see execnet EOFError (the Python builtin raised by Channel.receive)
 */
export class EOFError extends ExecnetError {
  declare readonly name: 'EOFError';
  override readonly code: 'ERR_EXECNET_EOF' = ExecnetErrorCode.EOF;
  /** The channel that ended, when known. */
  readonly channelId: number | undefined;
  constructor(message = 'end of stream', options?: EOFErrorOptions) {
    super(message, options);
    this.channelId = options?.channelId;
  }
}
setName(EOFError, 'EOFError');

/** A closed channel was used (e.g. `send`); the message defaults to `channel <id> closed`. */
export class ChannelClosedError extends ExecnetError {
  declare readonly name: 'ChannelClosedError';
  override readonly code: 'ERR_EXECNET_CHANNEL_CLOSED' = ExecnetErrorCode.CHANNEL_CLOSED;
  /** Id of the closed channel. */
  readonly channelId: number;
  constructor(channelId: number, message?: string, options?: ErrorOptions) {
    super(message ?? `channel ${channelId} closed`, options);
    this.channelId = channelId;
  }
}
setName(ChannelClosedError, 'ChannelClosedError');

/** How a worker process ended, as far as the transport knows; shared by two errors below. */
export interface WorkerExitInfo {
  /** Exit code of the worker process, if it exited and the transport knows it. @default null */
  exitCode?: number | null;
  /** Signal that ended the worker process, e.g. `SIGKILL`. @default null */
  signal?: string | null;
  /** The last lines the worker wrote to stderr. @default [] */
  stderrTail?: readonly string[];
  /** What happened, in a few words; derived from `exitCode`/`signal` when omitted. */
  reason?: string;
}

/** What is known about a gateway that closed; see {@link GatewayClosedError}. */
export interface GatewayClosedInfo extends WorkerExitInfo {
  /** The gateway id, e.g. `gw0`. */
  gatewayId: string;
}

/**
 * The gateway's connection is gone: the worker exited, was killed, or the stream broke.
 * The message names the gateway and the reason, followed by the worker's last stderr lines.
 */
export class GatewayClosedError extends ExecnetError {
  declare readonly name: 'GatewayClosedError';
  override readonly code: 'ERR_EXECNET_GATEWAY_CLOSED' = ExecnetErrorCode.GATEWAY_CLOSED;
  /** The gateway id. */
  readonly gatewayId: string;
  /** Exit code of the worker, or null when unknown or killed by a signal. */
  readonly exitCode: number | null;
  /** Signal that ended the worker, or null. */
  readonly signal: string | null;
  /** The worker's last stderr lines (possibly empty). */
  readonly stderrTail: readonly string[];
  /** Short reason without the gateway id, e.g. `worker exited with code 3`. */
  readonly reason: string;
  constructor(info: GatewayClosedInfo, options?: ErrorOptions) {
    const exit = normalizeExit(info, (how) => `worker ${how}`);
    super(withStderr(`gateway ${info.gatewayId} closed: ${exit.reason}`, exit.stderrTail), options);
    this.gatewayId = info.gatewayId;
    ({ exitCode: this.exitCode, signal: this.signal, stderrTail: this.stderrTail, reason: this.reason } = exit);
  }
}
setName(GatewayClosedError, 'GatewayClosedError');

/**
 * The remote host cannot be reached or resolved (ssh exit 255, DNS failure of a socket spec).
 * The message defaults to `host not found: <host>`.
 * @see execnet HostNotFound
 */
export class HostNotFound extends ExecnetError {
  declare readonly name: 'HostNotFound';
  override readonly code: 'ERR_EXECNET_HOST_NOT_FOUND' = ExecnetErrorCode.HOST_NOT_FOUND;
  /** The address as given in the spec (ssh args, `host:port`), when known. */
  readonly host: string | undefined;
  constructor(host?: string, message?: string, options?: ErrorOptions) {
    super(message ?? (host === undefined ? 'host not found' : `host not found: ${host}`), options);
    this.host = host;
  }
}
setName(HostNotFound, 'HostNotFound');

/** Options of {@link AuthenticationError} and {@link HostKeyError}: the remote `host`. */
export interface HostErrorOptions extends ErrorOptions { host?: string }

/** The remote side rejected our credentials (ssh keys, agent, socket server secret). */
export class AuthenticationError extends ExecnetError {
  declare readonly name: 'AuthenticationError';
  override readonly code: 'ERR_EXECNET_AUTHENTICATION' = ExecnetErrorCode.AUTHENTICATION;
  /** The remote host, when known. */
  readonly host: string | undefined;
  constructor(message: string, options?: HostErrorOptions) {
    super(message, options);
    this.host = options?.host;
  }
}
setName(AuthenticationError, 'AuthenticationError');

/** The remote host key is unknown or does not match known_hosts. */
export class HostKeyError extends ExecnetError {
  declare readonly name: 'HostKeyError';
  override readonly code: 'ERR_EXECNET_HOST_KEY' = ExecnetErrorCode.HOST_KEY;
  /** The remote host, when known. */
  readonly host: string | undefined;
  constructor(message: string, options?: HostErrorOptions) {
    super(message, options);
    this.host = options?.host;
  }
}
setName(HostKeyError, 'HostKeyError');

/** Options of {@link SpecError}: the whole `spec` string and its offending `item`. */
export interface SpecErrorOptions extends ErrorOptions { spec?: string; item?: string }

/** A spec string is malformed, or names a transport that is not available. */
export class SpecError extends ExecnetError {
  declare readonly name: 'SpecError';
  override readonly code: 'ERR_EXECNET_SPEC' = ExecnetErrorCode.SPEC;
  /** The whole spec string, when known. */
  readonly spec: string | undefined;
  /** The offending item, when the error concerns one. */
  readonly item: string | undefined;
  constructor(message: string, options?: SpecErrorOptions) {
    super(message, options);
    this.spec = options?.spec;
    this.item = options?.item;
  }
}
setName(SpecError, 'SpecError');

/** Options of {@link ProtocolError}: `messageCode` and `channelId` of the offending frame. */
export interface ProtocolErrorOptions extends ErrorOptions { messageCode?: number; channelId?: number }

/** The byte stream does not follow the frame protocol (unknown code, bad length, bad channel id). */
export class ProtocolError extends ExecnetError {
  declare readonly name: 'ProtocolError';
  override readonly code: 'ERR_EXECNET_PROTOCOL' = ExecnetErrorCode.PROTOCOL;
  /** The message code of the offending frame, when known. */
  readonly messageCode: number | undefined;
  /** The channel id of the offending frame, when known. */
  readonly channelId: number | undefined;
  constructor(message: string, options?: ProtocolErrorOptions) {
    super(message, options);
    this.messageCode = options?.messageCode;
    this.channelId = options?.channelId;
  }
}
setName(ProtocolError, 'ProtocolError');

/** What is known about a worker that failed to start; see {@link BootstrapError}. */
export interface BootstrapInfo extends WorkerExitInfo {
  /** The command line that was started (for display). */
  command: string;
}

/**
 * A worker died or misbehaved before the handshake. Says which command, how it ended and
 * what it printed, instead of a bare end-of-stream error.
 */
export class BootstrapError extends ExecnetError {
  declare readonly name: 'BootstrapError';
  override readonly code: 'ERR_EXECNET_BOOTSTRAP' = ExecnetErrorCode.BOOTSTRAP;
  /** The command line that was started. */
  readonly command: string;
  /** Exit code of the worker, or null. */
  readonly exitCode: number | null;
  /** Signal that ended the worker, or null. */
  readonly signal: string | null;
  /** The worker's last stderr lines (possibly empty). */
  readonly stderrTail: readonly string[];
  /** Short reason, e.g. `exited with code 127 before the handshake`. */
  readonly reason: string;
  constructor(info: BootstrapInfo, options?: ErrorOptions) {
    const exit = normalizeExit(info, (how) => `${how} before the handshake`);
    super(withStderr(`cannot start worker \`${info.command}\`: ${exit.reason}`, exit.stderrTail), options);
    this.command = info.command;
    ({ exitCode: this.exitCode, signal: this.signal, stderrTail: this.stderrTail, reason: this.reason } = exit);
  }
}
setName(BootstrapError, 'BootstrapError');

/**
 * A function given to `remoteExec` uses variables it does not define itself: its closure stays
 * on the master, so the worker would fail with a ReferenceError. Thrown before anything is sent.
 */
export class ClosureError extends ExecnetError {
  declare readonly name: 'ClosureError';
  override readonly code: 'ERR_EXECNET_CLOSURE' = ExecnetErrorCode.CLOSURE;
  /** The name of the function (`anonymous` when it has none). */
  readonly functionName: string;
  /** The free variables found, in order of first use. */
  readonly variables: readonly string[];
  constructor(functionName: string, variables: readonly string[], options?: ErrorOptions) {
    const list = variables.map((v) => `\`${v}\``).join(', ');
    const first = variables[0] ?? 'x';
    super(
      `function ${functionName} uses ${list} from its closure, which stays here: the worker runs the function's ` +
        `source alone. Pass values in kwargs (remoteExec(fn, { ${first} }) and read kwargs.${first}), define them ` +
        `inside the function, or reach a worker global as globalThis.${first}`,
      options,
    );
    this.functionName = functionName;
    this.variables = [...variables];
  }
}
setName(ClosureError, 'ClosureError');
