import { ExecnetError } from '@execnet/core';
import type { SyncReport } from './report.js';

/** Brand shared by every rsync error; survives the ESM/CJS dual-package hazard. */
const rsyncErrorSymbol = Symbol.for('@execnet/rsync-error');

/** Stable `code` strings of the rsync errors, for `switch (error.code)`. */
export const RSyncErrorCode = {
  GENERIC: 'ERR_EXECNET_RSYNC',
  NO_TARGETS: 'ERR_EXECNET_RSYNC_NO_TARGETS',
  SOURCE: 'ERR_EXECNET_RSYNC_SOURCE',
  DESTINATION: 'ERR_EXECNET_RSYNC_DESTINATION',
  UNREADABLE: 'ERR_EXECNET_RSYNC_UNREADABLE',
  VANISHED: 'ERR_EXECNET_RSYNC_VANISHED',
  SPECIAL_FILE: 'ERR_EXECNET_RSYNC_SPECIAL_FILE',
  REMOTE_FILE: 'ERR_EXECNET_RSYNC_REMOTE_FILE',
  UNSUPPORTED: 'ERR_EXECNET_RSYNC_UNSUPPORTED',
  TARGET: 'ERR_EXECNET_RSYNC_TARGET',
  SYNC_FAILED: 'ERR_EXECNET_RSYNC_SYNC_FAILED',
} as const;
/** Union of the rsync error codes. */
export type RSyncErrorCode = (typeof RSyncErrorCode)[keyof typeof RSyncErrorCode];

// As core does (execa's way): `name` is inherited and non-enumerable.
function setName(ctor: abstract new (...args: never[]) => Error, name: string): void {
  Object.defineProperty(ctor.prototype, 'name', { value: name, writable: true, enumerable: false, configurable: true });
}

/**
 * Base class of every error of this package. It extends core's `ExecnetError`, so
 * `isExecnetError()` is true for it too; {@link isRSyncError} tells rsync errors apart.
 */
export class RSyncError extends ExecnetError {
  override readonly code: string = RSyncErrorCode.GENERIC;
  declare readonly [rsyncErrorSymbol]: true;
}
setName(RSyncError, 'RSyncError');
Object.defineProperty(RSyncError.prototype, rsyncErrorSymbol, { value: true, enumerable: false });

/**
 * True for any error of this package, from any copy of it. Unlike `instanceof`, this works
 * across realms and the ESM/CJS dual-package hazard.
 */
export function isRSyncError(error: unknown): error is RSyncError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[rsyncErrorSymbol] === true;
}

/**
 * `send()` was called without targets (none added, or they were used up by an earlier send).
 * @see execnet RSync.send (IOError "no targets available")
 */
export class NoTargetsError extends RSyncError {
  declare readonly name: 'NoTargetsError';
  override readonly code: 'ERR_EXECNET_RSYNC_NO_TARGETS' = RSyncErrorCode.NO_TARGETS;
  constructor(message = 'no targets available, maybe you are trying call send() twice?', options?: ErrorOptions) {
    super(message, options);
  }
}
setName(NoTargetsError, 'NoTargetsError');

/** Options of the errors that concern one local or remote path. */
export interface PathErrorOptions extends ErrorOptions {
  /** The path concerned. */
  path: string;
}

/** The source directory is missing, unreadable or not a directory. */
export class SourceError extends RSyncError {
  declare readonly name: 'SourceError';
  override readonly code: 'ERR_EXECNET_RSYNC_SOURCE' = RSyncErrorCode.SOURCE;
  /** The source directory as given. */
  readonly path: string;
  constructor(message: string, options: PathErrorOptions) {
    super(message, options);
    this.path = options.path;
  }
}
setName(SourceError, 'SourceError');

/** Options of errors about one target. */
export interface TargetErrorOptions extends ErrorOptions {
  /** Id of the target's gateway. */
  gatewayId: string;
  /** The target directory on the worker. */
  destDir: string;
}

/** The destination cannot be a directory: it is a file, or cannot be created. */
export class DestinationError extends RSyncError {
  declare readonly name: 'DestinationError';
  override readonly code: 'ERR_EXECNET_RSYNC_DESTINATION' = RSyncErrorCode.DESTINATION;
  readonly gatewayId: string;
  readonly destDir: string;
  constructor(message: string, options: TargetErrorOptions) {
    super(message, options);
    this.gatewayId = options.gatewayId;
    this.destDir = options.destDir;
  }
}
setName(DestinationError, 'DestinationError');

/**
 * A source file or directory could not be read; it was left out and everything else synced.
 * The target keeps whatever it had at that path.
 */
export class UnreadableFileError extends RSyncError {
  declare readonly name: 'UnreadableFileError';
  override readonly code: 'ERR_EXECNET_RSYNC_UNREADABLE' = RSyncErrorCode.UNREADABLE;
  /** Local path. */
  readonly path: string;
  constructor(message: string, options: PathErrorOptions) {
    super(message, options);
    this.path = options.path;
  }
}
setName(UnreadableFileError, 'UnreadableFileError');

/** A source entry disappeared between listing its directory and reading it; it was skipped. */
export class VanishedFileError extends RSyncError {
  declare readonly name: 'VanishedFileError';
  override readonly code: 'ERR_EXECNET_RSYNC_VANISHED' = RSyncErrorCode.VANISHED;
  /** Local path. */
  readonly path: string;
  constructor(message: string, options: PathErrorOptions) {
    super(message, options);
    this.path = options.path;
  }
}
setName(VanishedFileError, 'VanishedFileError');

/** Options of {@link SpecialFileError}. */
export interface SpecialFileErrorOptions extends PathErrorOptions {
  /** What it is: `fifo`, `socket`, `block device`, `character device` or `unknown`. */
  kind: string;
}

/**
 * A source entry is neither file, directory nor symlink (fifo, socket, device); it was skipped.
 * @see execnet RSync._send_directory_structure (ValueError "cannot sync")
 */
export class SpecialFileError extends RSyncError {
  declare readonly name: 'SpecialFileError';
  override readonly code: 'ERR_EXECNET_RSYNC_SPECIAL_FILE' = RSyncErrorCode.SPECIAL_FILE;
  readonly path: string;
  readonly kind: string;
  constructor(message: string, options: SpecialFileErrorOptions) {
    super(message, options);
    this.path = options.path;
    this.kind = options.kind;
  }
}
setName(SpecialFileError, 'SpecialFileError');

/** Options of {@link RemoteFileError}. */
export interface RemoteFileErrorOptions extends TargetErrorOptions {
  /** Path relative to the target directory. */
  path: string;
  /** The worker's error code (`EACCES`, `ENOSPC`, …), when it had one. */
  errno?: string;
}

/**
 * The worker could not write one path (permissions, disk full, …). That path was left as it
 * was; the rest of the target was synced.
 */
export class RemoteFileError extends RSyncError {
  declare readonly name: 'RemoteFileError';
  override readonly code: 'ERR_EXECNET_RSYNC_REMOTE_FILE' = RSyncErrorCode.REMOTE_FILE;
  readonly gatewayId: string;
  readonly destDir: string;
  readonly path: string;
  readonly errno: string | undefined;
  constructor(message: string, options: RemoteFileErrorOptions) {
    super(message, options);
    this.gatewayId = options.gatewayId;
    this.destDir = options.destDir;
    this.path = options.path;
    this.errno = options.errno;
  }
}
setName(RemoteFileError, 'RemoteFileError');

/** A feature was asked of a target that cannot do it (dry-run on a Python worker). */
export class UnsupportedError extends RSyncError {
  declare readonly name: 'UnsupportedError';
  override readonly code: 'ERR_EXECNET_RSYNC_UNSUPPORTED' = RSyncErrorCode.UNSUPPORTED;
}
setName(UnsupportedError, 'UnsupportedError');

/**
 * One target failed as a whole: its worker died, its remote code raised, or its destination
 * was unusable. `cause` says why (`RemoteError`, `GatewayClosedError`, `DestinationError`, …).
 */
export class TargetError extends RSyncError {
  declare readonly name: 'TargetError';
  override readonly code: 'ERR_EXECNET_RSYNC_TARGET' = RSyncErrorCode.TARGET;
  readonly gatewayId: string;
  readonly destDir: string;
  constructor(message: string, options: TargetErrorOptions) {
    super(message, options);
    this.gatewayId = options.gatewayId;
    this.destDir = options.destDir;
  }
}
setName(TargetError, 'TargetError');

/** Options of {@link SyncError}. */
export interface SyncErrorOptions extends ErrorOptions {
  /** Every target that failed. */
  failures: readonly TargetError[];
  /** The report of the whole send, including the targets that succeeded. */
  report: SyncReport;
}

/**
 * `send()` finished, but at least one target failed. The other targets were synced;
 * `failures` lists the failed ones and `cause` is the first failure.
 */
export class SyncError extends RSyncError {
  declare readonly name: 'SyncError';
  override readonly code: 'ERR_EXECNET_RSYNC_SYNC_FAILED' = RSyncErrorCode.SYNC_FAILED;
  readonly failures: readonly TargetError[];
  /** What was done, target by target, including the targets that succeeded. */
  readonly report: SyncReport;
  constructor(message: string, options: SyncErrorOptions) {
    super(message, { cause: options.cause ?? options.failures[0] });
    this.failures = options.failures;
    this.report = options.report;
  }
}
setName(SyncError, 'SyncError');
