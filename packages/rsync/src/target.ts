import type { Channel, Gateway } from '@execnet/core';
import type { RSyncError } from './errors.js';
import { TargetError } from './errors.js';
import type { ProgressEvent, TargetReport } from './report.js';
import type { SourceEntry } from './tree-walk.js';

/** The reference callback: `('list', totalBytes, channel)` once, `('ack', fileSize, channel)` per file. */
export type RSyncCallback = (event: 'list' | 'ack', size: number, channel: Channel) => void;

/** What every target of one `send()` shares. */
export interface SendContext {
  /** The source root, without trailing separators. */
  root: string;
  /** The walk so far; grows while targets run. */
  entries: SourceEntry[];
  dryRun: boolean;
  /** Prints a verbose line, when verbose. */
  verbose(gateway: Gateway, rel: string): void;
  callback: RSyncCallback | undefined;
  progress: ((event: ProgressEvent) => void) | undefined;
  /** A source entry was skipped. */
  problem(error: RSyncError): void;
}

/** One target as `addTarget` recorded it. */
export interface TargetSpec {
  gateway: Gateway;
  destDir: string;
  delete: boolean;
  finishedCallback: (() => void) | undefined;
}

/** One target during a send, whatever protocol it speaks. */
export interface Target {
  readonly report: TargetReport;
  /** Opens the channel (and checks the destination); entries are pushed only after this. */
  start(): Promise<void>;
  /** The next entries of the walk, in order. */
  push(entries: readonly SourceEntry[]): void;
  /** The walk is complete. */
  end(): void;
  /** Settles when the target finished: resolves, or rejects with a {@link TargetError}. */
  readonly done: Promise<void>;
  /** Stops the target; `done` rejects with a TargetError caused by `reason`. */
  abort(reason: Error): void;
}

/** The `destDir` as sent to the worker: trailing separators removed (execnet's ack paths need it). */
export function normalizeDest(destDir: string): string {
  return destDir.length > 1 ? destDir.replace(/[\\/]+$/, '') || '/' : destDir;
}

/** Wraps why a target failed, unless it already is a TargetError. */
export function targetError(spec: TargetSpec, cause: unknown, message?: string): TargetError {
  if (cause instanceof TargetError) return cause;
  const why = message ?? (cause instanceof Error ? cause.message : String(cause));
  return new TargetError(`target ${spec.destDir} on ${spec.gateway.id} failed: ${why}`, {
    gatewayId: spec.gateway.id,
    destDir: spec.destDir,
    cause,
  });
}

/** A promise with its settle functions, for the `done` of a target. */
export function settleable(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined); // observed by the send that awaits it
  return { promise, resolve, reject };
}
