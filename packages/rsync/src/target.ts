import type { Channel, Gateway } from '@execnet/core';
import { createLog, type DebugLog } from './debug.js';
import type { RSyncError } from './errors.js';
import { TargetError } from './errors.js';
import { emptyTargetReport, type ProgressEvent, type TargetReport } from './report.js';
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

/**
 * What the targets of both protocols share: the report, progress events, and how a target
 * settles. A failure is recorded when it happens; `done` settles once the channel has ended,
 * so the worker had its chance to clean up.
 */
export abstract class BaseTarget implements Target {
  readonly report: TargetReport;
  readonly done: Promise<void>;
  protected channel: Channel | undefined;
  /** Why the target fails; `done` rejects with it once the channel ended. */
  protected failure: Error | undefined;
  /** The worker said it is done; without that, the end of the channel is a failure. */
  protected finished = false;
  protected settled = false;
  protected filesDone = 0;
  protected listComplete = false;
  private readonly settle = settleable();
  private readonly log: DebugLog;

  constructor(
    protected readonly spec: TargetSpec,
    protected readonly ctx: SendContext,
    protocol: 'js' | 'python',
  ) {
    this.report = emptyTargetReport(spec.gateway.id, spec.destDir, protocol, ctx.dryRun);
    this.done = this.settle.promise;
    this.log = createLog(`rsync:${protocol}`);
  }

  abstract start(): Promise<void>;
  abstract push(entries: readonly SourceEntry[]): void;
  abstract end(): void;
  abstract abort(reason: Error): void;

  /** The channel ended: `done` resolves if the worker finished and nothing failed, else rejects. */
  protected async settleOnEnd(): Promise<void> {
    if (this.settled) return;
    try {
      await this.channel?.waitClose();
    } catch (error) {
      return this.fail(this.failure ?? error);
    }
    if (this.failure) return this.fail(this.failure);
    if (!this.finished) return this.fail(new Error(`connection unexpectedly closed: ${String(this.spec.gateway)}`));
    this.settled = true;
    this.settle.resolve();
  }

  /** Settles `done` as failed (once), recording the error in the report. */
  protected fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.report.error = targetError(this.spec, error);
    this.log(this.spec.gateway.id, 'target failed:', this.report.error.message);
    this.settle.reject(this.report.error);
  }

  protected emitProgress(path: string, bytesDone: number): void {
    this.ctx.progress?.({
      gatewayId: this.spec.gateway.id,
      destDir: this.spec.destDir,
      path,
      bytesDone,
      bytesTotal: this.report.bytesTotal,
      filesDone: this.filesDone,
      filesTotal: this.report.filesRequested,
      literalBytes: this.report.literalBytes,
      listComplete: this.listComplete,
    });
  }
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
