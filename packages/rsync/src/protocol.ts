/**
 * Types and constants of the protocol between the master and the JavaScript remote side
 * (`remote-js.ts`). Every message is an array whose first item names the operation.
 * The reference protocol spoken with Python workers is described in `python-target.ts`.
 */

/** Version of the JavaScript protocol; the master ships the remote side, so both always match. */
export const PROTOCOL_VERSION = 3;

/** Operations the master sends. */
export const ToWorker = {
  /** `['list', kinds, paths, numbers, extras]`: the next entries of the source tree, in walk order (see {@link ListEncoder}). */
  LIST: 'list',
  /** `['end']`: the tree is complete (or the last `list` message says so). */
  END: 'end',
  /**
   * `['files', [[index, length], …]]`, then one bytes item: the whole content of small files,
   * batched, one after the other. (Bytes items are sent from reused buffers, an encoding would be
   * a new one per message.)
   */
  FILES: 'files',
  /** `['data', index]`, then one bytes item: the next chunk of a file sent in chunks. */
  DATA: 'data',
  /** `['delta', index, ops]`: ops are literal bytes or `[offset, length]` copies from the old file. */
  DELTA: 'delta',
  /** `['eof', index, md5 | null]`: end of a chunked or delta file; the md5 verifies a delta. */
  EOF: 'eof',
  /** `['same', index]`: the content is equal; set mode and mtime only. */
  SAME: 'same',
  /** `['differs', index]`: (dry-run) the content differs. */
  DIFFERS: 'differs',
  /** `['skip', index]`: the source could not be read; leave the target's path as it is. */
  SKIP: 'skip',
  /** `['abort']`: stop now, removing temporary files; the worker ends the channel. */
  ABORT: 'abort',
  /** `['source', expression]`: the remote side, for a worker that does not have it yet. */
  SOURCE: 'source',
} as const;
/** An operation the master sends. */
export type ToWorker = (typeof ToWorker)[keyof typeof ToWorker];

/** Operations the worker sends. */
export const FromWorker = {
  /** `['reqs', [[index, RequestKind, exists, extra], …]]`: the worker needs these files. */
  REQUESTS: 'reqs',
  /**
   * `['listed', requestCount]`: every entry was compared; no more requests follow (except retries).
   * Not sent when nothing is outstanding then: `done` follows at once and stands for it.
   */
  LISTED: 'listed',
  /** `['acks', credit, [[index, AckStatus], …]]`: these files are in place (or were left alone). */
  ACKS: 'acks',
  /** `['credit', bytes]`: the worker consumed this many bytes of file data. */
  CREDIT: 'credit',
  /** `['problem', index | -1, relPath, errno, message]`: one path could not be written. */
  PROBLEM: 'problem',
  /** `['fail', errorCode, message]`: the target cannot be used at all. */
  FAIL: 'fail',
  /** `['done', changes, requestCount]`: finished; changes are `[relPath, ChangeAction]` pairs made by the worker. */
  DONE: 'done',
  /** `['need-source']`: the worker does not keep the remote side yet; the master sends it. */
  NEED_SOURCE: 'need-source',
} as const;
/** An operation the worker sends. */
export type FromWorker = (typeof FromWorker)[keyof typeof FromWorker];

/** How the worker asks for a file. */
export const RequestKind = {
  /** Send the whole content: the target has nothing usable. */
  FULL: 'full',
  /** Same size, other mtime: extra is the md5 of the target's copy; the master answers `same` or sends it. */
  SUM: 'sum',
  /** A large file: extra is the block signature of the target's copy; the master sends a delta. */
  SIG: 'sig',
} as const;
/** How the worker asks for a file. */
export type RequestKind = (typeof RequestKind)[keyof typeof RequestKind];

/** How a requested file ended on the worker. */
export const AckStatus = {
  WRITTEN: 'written',
  SAME: 'same',
  FAILED: 'failed',
  SKIPPED: 'skipped',
} as const;
/** How a requested file ended on the worker. */
export type AckStatus = (typeof AckStatus)[keyof typeof AckStatus];

/** Entry kinds on the wire. */
export const WireKind = { DIR: 'd', FILE: 'f', LINK: 'l', SKIP: 's' } as const;
/** An entry kind on the wire. */
export type WireKind = (typeof WireKind)[keyof typeof WireKind];

/**
 * One entry of the tree: `[relPath, kind, mode & 0o7777, mtimeMicroseconds, size, extra]`.
 * extra: for directories the names to keep, joined by NUL (with `delete`), or null; for links
 * `[linkKind, target]` where linkKind `base` means "target is relative to the destination".
 */
export type WireEntry = [string, WireKind, number, number, number, unknown];

/**
 * A `list` message: `['list', kinds, paths, numbers, extras]` for n entries: `kinds` has one
 * WireKind letter per entry, `paths` the relative paths joined by NUL (which no path holds),
 * `numbers` three little-endian float64 per entry (mode, mtime in microseconds, size) and
 * `extras` `[position, extra]` pairs for the entries that have one; a sixth item `true` marks the
 * last batch of the tree, in place of an `end` message. Far cheaper to encode and
 * decode than an array per entry: an unchanged tree costs little more than its walk on both sides.
 */
export type ListMessage = ['list', string, string, Uint8Array, Array<[number, unknown]>, true?];

/** Bytes of `numbers` per entry in a {@link ListMessage}. */
export const LIST_NUMBERS_PER_ENTRY = 24;

/** Builds one {@link ListMessage}. */
export class ListEncoder {
  private kinds = '';
  private readonly paths: string[] = [];
  private readonly numbers: Buffer;
  private readonly extras: Array<[number, unknown]> = [];

  constructor(capacity: number) {
    this.numbers = Buffer.allocUnsafe(capacity * LIST_NUMBERS_PER_ENTRY);
  }

  add(rel: string, kind: WireKind, mode: number, mtimeUs: number, size: number, extra: unknown): void {
    const i = this.paths.length;
    const at = i * LIST_NUMBERS_PER_ENTRY;
    this.kinds += kind;
    this.paths.push(rel);
    this.numbers.writeDoubleLE(mode, at);
    this.numbers.writeDoubleLE(mtimeUs, at + 8);
    this.numbers.writeDoubleLE(size, at + 16);
    if (extra !== null && extra !== undefined) this.extras.push([i, extra]);
  }

  finish(): ListMessage {
    return ['list', this.kinds, this.paths.join('\0'), this.numbers.subarray(0, this.paths.length * LIST_NUMBERS_PER_ENTRY), this.extras];
  }
}

/** The {@link ListMessage} of these entries. */
export function encodeList(entries: readonly WireEntry[]): ListMessage {
  const encoder = new ListEncoder(entries.length);
  for (const entry of entries) encoder.add(...entry);
  return encoder.finish();
}

/** A block signature as sent in a `sig` request: `[blockSize, weak, strong]`. */
export type WireSignature = [number, Uint8Array, Uint8Array];

/** File data chunks and literal runs are at most this big. */
export const CHUNK_SIZE = 1024 * 1024;
/** Files up to this size are sent whole, several in one `files` message… */
export const SMALL_FILE_SIZE = 256 * 1024;
/** …of up to this many bytes… */
export const BATCH_SIZE = 1024 * 1024;
/** …and this many files. */
export const BATCH_FILES = 256;
/** Unacknowledged file data per target, at most. */
export const CREDIT_WINDOW = 8 * 1024 * 1024;
/** The worker returns credit at least this often. */
export const CREDIT_EVERY = 1024 * 1024;
/** Changed files at least this big (on both sides) are sent as a delta. */
export const DELTA_MIN_SIZE = 512 * 1024;
/** How long an aborted target may take to clean up before its channel is closed under it. */
export const ABORT_GRACE_MS = 2000;
/** Entries per `list` message. */
export const LIST_BATCH = 128;
/** Strong hash of blocks and whole files (Node's crypto names it so). */
export const STRONG_HASH = 'md5';
/** Bytes of one strong hash. */
export const STRONG_HASH_LENGTH = 16;

/** The worker checks its memory after this many bytes of file data (see memory-pacer.ts). */
export const WORKER_MEMORY_CHECK_EVERY = 1024 * 1024;
/** The worker collects when its buffers grew by this much since the last collection. */
export const WORKER_MEMORY_SLACK = 4 * 1024 * 1024;

/**
 * Only files at least this big count for the worker's memory pacer: smaller ones cannot pile up
 * much garbage at once, and forced collections would cost more than they save. The master paces
 * all the file data it sends (memory-pacer.ts): there the collections it forces spare it the
 * mark-compacts that its stream of encoded messages would otherwise bring.
 */
export const PACE_MIN_FILE_SIZE = 64 * 1024 * 1024;

/**
 * What the worker receives as kwargs of the remote_exec. Every name is a valid parameter name
 * (core offers kwargs as parameters of the remote code; a reserved word such as `delete` sends
 * the code through a TypeScript transform on each remote_exec).
 */
export interface RemoteConfig {
  version: number;
  dest: string;
  /** Remove what the source does not have (`addTarget`'s `delete`). */
  deleteExtra: boolean;
  dryRun: boolean;
  chunkSize: number;
  creditEvery: number;
  deltaMinSize: number;
  strongHash: string;
  memoryCheckEvery: number;
  memorySlack: number;
  paceMinSize: number;
}

/** What changed (or would change, in a dry-run) at one path of a target. */
export type ChangeAction = 'mkdir' | 'create' | 'update' | 'attrs' | 'symlink' | 'delete';
