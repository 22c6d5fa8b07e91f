import { TimeoutError, type Gateway } from '@execnet/core';
import { NoTargetsError, SyncError, UnsupportedError, type RSyncError, type TargetError } from './errors.js';
import { PathFilter } from './filter.js';
import { JsTarget } from './js-target.js';
import { LIST_BATCH } from './protocol.js';
import { PythonTarget } from './python-target.js';
import type { ProgressEvent, SyncReport } from './report.js';
import { targetError, type RSyncCallback, type SendContext, type Target, type TargetSpec } from './target.js';
import { checkSourceRoot, TreeWalk, type SourceEntry } from './tree-walk.js';

/** Options of {@link RSync}. */
export interface RSyncOptions {
  /**
   * execnet's progress callback: `('list', totalBytes, channel)` once per target when it has
   * compared the tree, then `('ack', fileSize, channel)` for each file it received.
   */
  callback?: RSyncCallback;
  /**
   * `true` prints `<gateway> <= relative/path` to stdout for each file sent, as execnet does;
   * a function gets each line instead.
   * @default true
   */
  verbose?: boolean | ((line: string) => void);
  /**
   * Called with the local path of every directory entry (never the root); `false` leaves the
   * entry out. Subclasses may override the `filter` method instead, as in execnet.
   */
  filter?: (path: string) => boolean;
  /** Glob patterns that keep entries an `exclude` pattern would leave out (see README). @default [] */
  include?: string[];
  /** Glob patterns of entries to leave out: `*.pyc`, `__pycache__/`, `/build` (see README). @default [] */
  exclude?: string[];
  /** Progress of each target in bytes and files (JavaScript targets also during large files). */
  onProgress?: (event: ProgressEvent) => void;
  /** Told about each source entry that was skipped (unreadable, vanished, special file). */
  onProblem?: (error: RSyncError) => void;
  /** Targets synced at the same time; the others wait for a free slot. @default 4 */
  concurrency?: number;
}

/** Options of {@link RSync.addTarget}. */
export interface TargetOptions {
  /** Called when this target is done. */
  finishedCallback?: () => void;
  /** Remove entries of the target that the source does not have. @default false */
  delete?: boolean;
}

/** Options of {@link RSync.send}. */
export interface SendOptions {
  /** Without targets: `true` rejects with NoTargetsError, `false` resolves to undefined. @default true */
  raises?: boolean;
  /** Compare only, write nothing; the report lists what would change (JavaScript targets only). @default false */
  dryRun?: boolean;
  /** Aborts the send: every target's channel is closed, and send rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Milliseconds until the send is aborted with a TimeoutError. */
  timeout?: number;
}

/**
 * Sends a directory tree to one or more targets, each a directory on a gateway's worker.
 * JavaScript workers get this package's protocol (streaming, deltas, exact modes and mtimes,
 * dry-run); Python workers get Python execnet's own `rsync_remote`.
 * @example
 * ```ts
 * const rsync = new RSync('src', { verbose: false })
 * rsync.addTarget(gw, '/tmp/copy', { delete: true })
 * const report = await rsync.send()
 * ```
 * @see execnet RSync
 */
export class RSync {
  /** The source directory as given. */
  readonly sourceDir: string;
  private readonly options: RSyncOptions;
  private targets: TargetSpec[] = [];

  constructor(sourceDir: string, options: RSyncOptions = {}) {
    this.sourceDir = String(sourceDir);
    this.options = options;
    new PathFilter(options.include, options.exclude); // invalid patterns fail here, not in send()
  }

  /**
   * Whether a directory entry takes part, by its local path. Calls the `filter` option;
   * override it in a subclass as execnet users do.
   * @see execnet RSync.filter
   */
  filter(path: string): boolean {
    return this.options.filter ? this.options.filter(path) : true;
  }

  /**
   * Adds a target: `destDir` on `gateway`'s worker (relative paths are relative to the
   * worker's working directory). Targets are used up by the next {@link send}.
   * @see execnet RSync.add_target
   */
  addTarget(gateway: Gateway, destDir: string, options: TargetOptions = {}): this {
    this.targets.push({ gateway, destDir: String(destDir), delete: Boolean(options.delete), finishedCallback: options.finishedCallback });
    return this;
  }

  /**
   * Syncs the source to every target added since the last send, several at a time, and
   * resolves with what was done. Targets fail independently: the others are still synced.
   * @throws {NoTargetsError} no targets (unless `raises: false`, which resolves to undefined)
   * @throws {SourceError} the source directory is missing or not a directory
   * @throws {UnsupportedError} `dryRun` with a Python target
   * @throws {SyncError} at least one target failed; `failures` says which and why
   * @throws {TimeoutError} `timeout` ms passed (the targets are stopped)
   * @see execnet RSync.send
   */
  send(options?: SendOptions & { raises?: true }): Promise<SyncReport>;
  send(options: SendOptions): Promise<SyncReport | undefined>;
  async send(options: SendOptions = {}): Promise<SyncReport | undefined> {
    if (this.targets.length === 0) {
      if (options.raises === false) return undefined;
      throw new NoTargetsError();
    }
    const specs = this.targets;
    this.targets = [];
    const { root, stat } = checkSourceRoot(this.sourceDir);
    const dryRun = Boolean(options.dryRun);
    if (dryRun && specs.some((s) => s.gateway.remoteKind === 'python')) {
      throw new UnsupportedError('dry-run needs JavaScript workers: Python workers run execnet\'s own rsync_remote, which has none');
    }
    const problems: RSyncError[] = [];
    const ctx: SendContext = {
      root,
      entries: [],
      dryRun,
      verbose: this.verboseFunction(),
      callback: this.options.callback,
      progress: this.options.onProgress,
      problem: (error) => {
        problems.push(error);
        this.options.onProblem?.(error);
      },
    };
    const targets: Target[] = specs.map((spec) => (spec.gateway.remoteKind === 'python' ? new PythonTarget(spec, ctx) : new JsTarget(spec, ctx)));
    const run = new SendRun(targets, specs, ctx, Math.max(1, this.options.concurrency ?? 4));
    const pathFilter = new PathFilter(this.options.include, this.options.exclude);
    // Without patterns, a `filter` option or an overridden `filter`, every entry takes part.
    const filtered = this.options.filter !== undefined || this.filter !== RSync.prototype.filter;
    const accept = pathFilter.isEmpty
      ? filtered
        ? (path: string) => this.filter(path)
        : undefined
      : (path: string, rel: string, name: string, isDir: boolean) => pathFilter.accepts(rel, name, isDir) && this.filter(path);
    const entries = new TreeWalk({ root, accept, onProblem: ctx.problem }, stat);
    const stop = run.stopOn(options);
    try {
      await run.execute(entries);
    } finally {
      stop();
    }
    if (run.abortReason) throw run.abortReason;
    const report: SyncReport = { targets: targets.map((t) => t.report), problems };
    const failures = report.targets.map((t) => t.error).filter((e): e is TargetError => e !== undefined);
    if (failures.length > 0) {
      throw new SyncError(`${failures.length} of ${targets.length} targets failed: ${failures.map((f) => f.message).join('; ')}`, { failures, report });
    }
    return report;
  }

  private verboseFunction(): SendContext['verbose'] {
    const verbose = this.options.verbose ?? true;
    if (verbose === false) return () => undefined;
    const write = typeof verbose === 'function' ? verbose : (line: string) => void process.stdout.write(`${line}\n`);
    // execnet rsync.py _report_send_file: "<gateway repr> <= rel/path"
    return (gateway, rel) => write(`${String(gateway)} <= ${rel}`);
  }
}

/** One send: the walk, streamed to the targets that run, at most `concurrency` at a time. */
class SendRun {
  /** Set when the send was aborted (signal, timeout) or the walk failed. */
  abortReason: Error | undefined;
  private readonly active = new Set<Target>();
  private readonly waiting: Target[];
  private walkDone = false;

  constructor(
    private readonly targets: Target[],
    private readonly specs: TargetSpec[],
    private readonly ctx: SendContext,
    private readonly concurrency: number,
  ) {
    this.waiting = [...targets];
  }

  async execute(walk: TreeWalk): Promise<void> {
    const runners = Array.from({ length: Math.min(this.concurrency, this.targets.length) }, () => this.runner());
    // Let the remote_exec requests go out before the walk keeps this thread busy.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      await this.walk(walk);
    } catch (error) {
      this.abort(error as Error);
    }
    await Promise.all(runners);
  }

  /** Aborts on the signal or after the timeout; returns the function that stops watching. */
  stopOn(options: SendOptions): () => void {
    const { signal, timeout } = options;
    const onAbort = () => this.abort(signal?.reason instanceof Error ? signal.reason : new Error(String(signal?.reason ?? 'aborted')));
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer =
      timeout === undefined ? undefined : setTimeout(() => this.abort(new TimeoutError(`rsync send: not done after ${timeout} ms`, { timeout })), timeout);
    return () => {
      signal?.removeEventListener('abort', onAbort);
      if (timer) clearTimeout(timer);
    };
  }

  private abort(reason: Error): void {
    this.abortReason ??= reason;
    for (const target of this.waiting.splice(0)) {
      target.abort(reason);
    }
    for (const target of this.active) target.abort(reason);
  }

  private async walk(walk: TreeWalk): Promise<void> {
    const entries = this.ctx.entries;
    for (;;) {
      if (this.abortReason) return;
      const batch: SourceEntry[] = [];
      const more = walk.next(batch, LIST_BATCH);
      for (const entry of batch) entries.push(entry);
      for (const target of this.active) target.push(batch);
      if (!more) break;
      // Let targets answer requests while the walk goes on.
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.walkDone = true;
    for (const target of this.active) target.end();
  }

  private async runner(): Promise<void> {
    for (let target = this.waiting.shift(); target; target = this.waiting.shift()) {
      const spec = this.specs[this.targets.indexOf(target)] as TargetSpec;
      try {
        await target.start();
        if (this.abortReason) throw this.abortReason;
        // Catch up with the walk so far; the walk pushes the rest while the target is active.
        target.push(this.ctx.entries);
        this.active.add(target);
        if (this.walkDone) target.end();
      } catch (error) {
        target.abort(targetError(spec, error));
      }
      try {
        await target.done;
      } catch {
        // Recorded in the target's report.
      }
      this.active.delete(target);
    }
  }
}
