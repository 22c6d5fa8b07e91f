import type { RSyncError, TargetError } from './errors.js';
import type { ChangeAction } from './protocol.js';

export type { ChangeAction } from './protocol.js';

/** One path that changed (or would change, in a dry-run) on a target. */
export interface Change {
  /** Path relative to the target directory, `/`-separated; `''` is the directory itself. */
  path: string;
  /**
   * `mkdir`, `create` and `update` (content written), `attrs` (only mode or mtime set),
   * `symlink` (link made or replaced), `delete` (removed).
   */
  action: ChangeAction;
}

/** What happened on one target. */
export interface TargetReport {
  /** Id of the target's gateway. */
  gatewayId: string;
  /** The target directory as given to `addTarget`. */
  destDir: string;
  /** `js`: this package's protocol with a JavaScript worker; `python`: execnet's own with a Python worker. */
  protocol: 'js' | 'python';
  /** True when nothing was written (`send({ dryRun: true })`). */
  dryRun: boolean;
  /**
   * Paths that changed. JavaScript targets list everything; Python targets (whose remote side
   * reports nothing back) list the files that were sent.
   */
  changes: Change[];
  /** Files the target asked for: missing or different in size or mtime. */
  filesRequested: number;
  /** Files whose content was sent (in full or as a delta). */
  filesTransferred: number;
  /** Sum of the sizes of the requested files. */
  bytesTotal: number;
  /** Bytes of file data sent (literal data; a delta sends only the changed parts). */
  literalBytes: number;
  /** Bytes the target rebuilt from its own old copies instead of receiving them. */
  matchedBytes: number;
  /** Paths the worker could not write; the rest of the target was synced. */
  problems: RSyncError[];
  /** Set when the target failed as a whole. */
  error?: TargetError;
}

/** What `send()` resolves to. */
export interface SyncReport {
  /** One report per target, in the order they were added. */
  targets: TargetReport[];
  /** Source entries that were skipped: unreadable, vanished or special files. */
  problems: RSyncError[];
}

/** Passed to the `onProgress` option while files are sent. */
export interface ProgressEvent {
  /** Id of the target's gateway. */
  gatewayId: string;
  /** The target directory. */
  destDir: string;
  /** The file being sent (relative, `/`-separated). */
  path: string;
  /** Bytes of the requested files handled so far (the current file up to where it was read). */
  bytesDone: number;
  /** Sum of the sizes of the files requested so far; final once `listComplete` is true. */
  bytesTotal: number;
  /** Requested files finished. */
  filesDone: number;
  /** Files requested so far. */
  filesTotal: number;
  /** Bytes of file data sent so far (less than `bytesDone` when deltas reuse old data). */
  literalBytes: number;
  /** True once the target compared the whole tree, so the totals no longer grow. */
  listComplete: boolean;
}

/** A fresh, empty target report. */
export function emptyTargetReport(gatewayId: string, destDir: string, protocol: 'js' | 'python', dryRun: boolean): TargetReport {
  return {
    gatewayId,
    destDir,
    protocol,
    dryRun,
    changes: [],
    filesRequested: 0,
    filesTransferred: 0,
    bytesTotal: 0,
    literalBytes: 0,
    matchedBytes: 0,
    problems: [],
  };
}
