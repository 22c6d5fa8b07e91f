import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Channel } from '@execnet/core';
import { CreditWindow } from './credit-window.js';
import { computeDelta, parseSignature, type DeltaSink, type Signature } from './delta.js';
import { DestinationError, RemoteFileError } from './errors.js';
import {
  ABORT_GRACE_MS,
  BATCH_FILES,
  BATCH_SIZE,
  CHUNK_SIZE,
  CREDIT_EVERY,
  CREDIT_WINDOW,
  DELTA_MIN_SIZE,
  LIST_BATCH,
  ListEncoder,
  type ListMessage,
  PACE_MIN_FILE_SIZE,
  PROTOCOL_VERSION,
  SMALL_FILE_SIZE,
  STRONG_HASH,
  WORKER_MEMORY_CHECK_EVERY,
  WORKER_MEMORY_SLACK,
  type ChangeAction,
  type RemoteConfig,
} from './protocol.js';
import { remoteJsInstallSource, remoteJsSource } from './remote-js.js';
import { masterPacer as pace } from './memory-pacer.js';
import { hashFile, readFully, sameBytes } from './source-file.js';
import { BaseTarget, normalizeDest, type SendContext, type TargetSpec } from './target.js';
import { mtimeMicros, problemFor, type SourceEntry } from './tree-walk.js';

const END = Symbol('end of channel');

/** A request of the worker: `[index, kind, exists, extra]` (kind `chunked`: ours, for a file that grew). */
type Request = [number, string, boolean, unknown];

/** The source could not be read; the worker is told to skip the file. */
class SourceReadError extends Error {}

/**
 * The master's side of the JavaScript protocol (protocol.ts) with one worker: lists the tree,
 * answers the worker's requests one at a time with whole files, chunks or deltas, within a
 * credit window.
 */
export class JsTarget extends BaseTarget {
  private readonly window = new CreditWindow(CREDIT_WINDOW);
  private readonly queue: Request[] = [];
  private pumping = false;
  private readonly existed = new Map<number, boolean>();
  /** Reads of large files go through this buffer, made when the first is needed (not for an unchanged tree). */
  private chunkStore: Buffer | undefined;
  /** Small files sent together; room for one more file past the batch size. Made when needed. */
  private batchStore: Buffer | undefined;
  /** Bytes of requested files the master is through with, and how far into the current one. */
  private bytesHandled = 0;
  private current = 0;
  private readonly handled = new Set<number>();
  /** The latest list batch, sent at the end of the turn or, with the end of the tree, by {@link end}. */
  private heldList: ListMessage | undefined;
  private listFlushQueued = false;

  constructor(spec: TargetSpec, ctx: SendContext) {
    super(spec, ctx, 'js');
  }

  private get chunk(): Buffer {
    return (this.chunkStore ??= Buffer.allocUnsafe(CHUNK_SIZE));
  }

  private get batch(): Buffer {
    return (this.batchStore ??= Buffer.allocUnsafe(BATCH_SIZE + SMALL_FILE_SIZE));
  }

  async start(): Promise<void> {
    const config: RemoteConfig = {
      version: PROTOCOL_VERSION,
      dest: normalizeDest(this.spec.destDir),
      deleteExtra: this.spec.delete,
      dryRun: this.ctx.dryRun,
      chunkSize: CHUNK_SIZE,
      creditEvery: CREDIT_EVERY,
      deltaMinSize: DELTA_MIN_SIZE,
      strongHash: STRONG_HASH,
      memoryCheckEvery: WORKER_MEMORY_CHECK_EVERY,
      memorySlack: WORKER_MEMORY_SLACK,
      paceMinSize: PACE_MIN_FILE_SIZE,
    };
    const channel = this.spec.gateway.remoteExec(remoteJsSource(), config as unknown as Record<string, unknown>);
    this.channel = channel;
    channel.setCallback((item) => this.onMessage(item), { endMarker: END });
  }

  push(entries: readonly SourceEntry[]): void {
    for (let i = 0; i < entries.length; i += LIST_BATCH) {
      const end = Math.min(entries.length, i + LIST_BATCH);
      const list = new ListEncoder(end - i);
      for (let j = i; j < end; j++) this.addEntry(list, entries[j] as SourceEntry);
      this.sendHeldList();
      this.heldList = list.finish();
    }
    // The last batch waits for the rest of this turn: when the walk ends in it, it carries the end.
    if (this.heldList && !this.listFlushQueued) {
      this.listFlushQueued = true;
      queueMicrotask(() => {
        this.listFlushQueued = false;
        this.sendHeldList();
      });
    }
  }

  end(): void {
    const last = this.heldList;
    this.heldList = undefined;
    if (last) this.post([...last, true]);
    else this.post(['end']);
  }

  private sendHeldList(): void {
    const list = this.heldList;
    this.heldList = undefined;
    if (list) this.post(list);
  }

  abort(reason: Error): void {
    if (this.settled || this.failure) return;
    this.failure = reason;
    this.window.close(reason);
    const channel = this.channel;
    if (!channel) return this.fail(reason);
    if (channel.isClosed) return;
    // Ask the worker to stop and clean up, so `done` settles once its temporary files are gone;
    // close the channel under it if it does not answer in time.
    this.post(['abort']);
    const timer = setTimeout(() => !channel.isClosed && channel.close(reason), ABORT_GRACE_MS);
    void this.done.catch(() => undefined).finally(() => clearTimeout(timer));
  }

  private addEntry(list: ListEncoder, e: SourceEntry): void {
    switch (e.kind) {
      case 'dir':
        return list.add(e.rel, 'd', e.mode & 0o7777, mtimeMicros(e.mtimeNs), 0, this.spec.delete ? (e.names ?? []).join('\0') : null);
      case 'file':
        return list.add(e.rel, 'f', e.mode & 0o7777, mtimeMicros(e.mtimeNs), e.size, null);
      case 'link':
        return list.add(e.rel, 'l', 0, mtimeMicros(e.mtimeNs), 0, e.linkBase !== undefined ? ['base', e.linkBase] : ['raw', e.linkTarget]);
      default:
        return list.add(e.rel, 's', 0, 0, 0, null);
    }
  }

  /** Sends without waiting; a closed channel is noticed through the end marker. */
  private post(item: unknown): void {
    const channel = this.channel;
    if (!channel || channel.isClosed) return;
    channel.send(item).catch(() => undefined);
  }

  /** Sends and waits until the connection can take more. */
  private async sendNow(item: unknown): Promise<void> {
    const channel = this.channel as Channel;
    if (this.failure) throw this.failure;
    await channel.send(item);
  }

  private onMessage(item: unknown): void {
    if (item === END) {
      void this.onEnd();
      return;
    }
    try {
      this.handle(item as unknown[]);
    } catch (error) {
      this.abort(error as Error);
    }
  }

  private handle(msg: unknown[]): void {
    const channel = this.channel as Channel;
    switch (msg[0]) {
      case 'reqs':
        for (const request of msg[1] as Request[]) this.onRequest(request);
        void this.pump();
        return;
      case 'listed':
        this.onListed(channel);
        return;
      case 'acks': {
        this.window.release(Number(msg[1]));
        const acks = msg[2] as Array<[number, string]>;
        for (const [rawIndex, status] of acks) {
          const entry = this.fileEntry(Number(rawIndex));
          if (status === 'written') this.change(entry.rel, this.existed.get(entry.index) ? 'update' : 'create');
          else if (status === 'same' && !this.ctx.dryRun) this.change(entry.rel, 'attrs');
          if (status === 'written' || status === 'same') this.ctx.callback?.('ack', entry.size, channel);
          this.filesDone++;
        }
        const last = acks.at(-1);
        if (last) this.progress(this.fileEntry(Number(last[0])).rel);
        return;
      }
      case 'credit':
        this.window.release(Number(msg[1]));
        return;
      case 'need-source':
        this.post(['source', remoteJsInstallSource()]);
        return;
      case 'problem': {
        const [, , rel, errno, message] = msg as [string, number, string, string | null, string];
        this.report.problems.push(
          new RemoteFileError(`cannot write ${rel || '.'} in ${this.spec.destDir} on ${this.spec.gateway.id}: ${message}`, {
            gatewayId: this.spec.gateway.id,
            destDir: this.spec.destDir,
            path: rel,
            errno: errno ?? undefined,
          }),
        );
        return;
      }
      case 'fail':
        this.failure ??= new DestinationError(String(msg[2]), { gatewayId: this.spec.gateway.id, destDir: this.spec.destDir });
        return;
      case 'done':
        // Without a `listed` before it, nothing was outstanding once the tree was compared.
        if (!this.listComplete) this.onListed(channel);
        for (const [path, action] of msg[1] as Array<[string, ChangeAction]>) this.change(path, action);
        this.finished = true;
        this.spec.finishedCallback?.();
        return;
      default:
        throw new Error(`unknown message from the rsync worker: ${JSON.stringify(msg[0])}`);
    }
  }

  private onListed(channel: Channel): void {
    this.listComplete = true;
    this.ctx.callback?.('list', this.report.bytesTotal, channel);
    this.progress('');
  }

  private async onEnd(): Promise<void> {
    this.window.close(this.failure ?? new Error('channel closed'));
    await this.settleOnEnd();
  }

  private fileEntry(index: number): SourceEntry {
    const entry = this.ctx.entries[index];
    if (!entry || entry.kind !== 'file') throw new Error(`the worker asked for entry ${index}, which is not a file`);
    return entry;
  }

  private change(path: string, action: ChangeAction): void {
    this.report.changes.push({ path, action });
  }

  private progress(path: string): void {
    this.emitProgress(path, this.bytesHandled + this.current);
  }

  /** Answers requests one at a time, in the order they came. */
  private onRequest([rawIndex, how, exists, extra]: Request): void {
    const index = Number(rawIndex);
    const entry = this.fileEntry(index);
    if (!this.existed.has(index)) {
      this.existed.set(index, Boolean(exists));
      this.report.filesRequested++;
      this.report.bytesTotal += entry.size;
    }
    if (this.ctx.dryRun && how === 'full') {
      this.change(entry.rel, exists ? 'update' : 'create');
      return;
    }
    this.queue.push([index, how, Boolean(exists), extra]);
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0 && !this.failure) {
        if (this.isSmallFull(this.queue[0] as Request)) await this.sendSmallFiles();
        else await this.serve(this.queue.shift() as Request);
      }
    } catch (error) {
      this.abort(error as Error);
    } finally {
      this.pumping = false;
    }
  }

  private isSmallFull([index, how]: Request): boolean {
    return how === 'full' && this.fileEntry(index).size <= SMALL_FILE_SIZE;
  }

  /**
   * Sends the small files at the head of the queue together, in one `files` message of up to
   * BATCH_SIZE bytes: per-message costs, not bytes, bound the speed for small files.
   */
  private async sendSmallFiles(): Promise<void> {
    const items: Array<[number, number]> = [];
    const done: SourceEntry[] = [];
    let used = 0;
    while (this.queue.length > 0 && items.length < BATCH_FILES && this.isSmallFull(this.queue[0] as Request)) {
      const entry = this.fileEntry((this.queue[0] as Request)[0]);
      if (used > 0 && used + entry.size > BATCH_SIZE) break;
      this.queue.shift();
      let fd: number;
      try {
        fd = openSync(entry.path, 'r');
      } catch (error) {
        this.ctx.problem(problemFor(entry.path, error));
        this.post(['skip', entry.index]);
        done.push(entry);
        continue;
      }
      try {
        const size = fstatSync(fd).size;
        if (size > SMALL_FILE_SIZE || used + size > this.batch.length) {
          // It grew since the walk: send what is batched, then this one in chunks.
          this.queue.unshift([entry.index, 'chunked', false, null]);
          break;
        }
        const got = readFully(fd, this.batch.subarray(used), size, 0);
        items.push([entry.index, got]);
        used += got;
        done.push(entry);
        this.ctx.verbose(this.spec.gateway, entry.rel);
        this.report.filesTransferred++;
        this.report.literalBytes += got;
      } catch (error) {
        this.ctx.problem(problemFor(entry.path, error));
        this.post(['skip', entry.index]);
        done.push(entry);
      } finally {
        closeSync(fd);
      }
    }
    if (items.length > 0) {
      await this.window.acquire(used);
      // The contents follow as one bytes item, copied at once by send(): the batch buffer is free
      // again right away. Waiting until the connection takes more keeps little in flight. (No
      // pacing: the gateway sends bytes items from reused buffers, or counts its copies itself.)
      this.post(['files', items]);
      await this.sendNow(this.batch.subarray(0, used));
    }
    for (const entry of done) this.handledOnce(entry);
  }

  /** Counts a file's bytes as handled; a retry (a delta that did not verify) counts once. */
  private handledOnce(entry: SourceEntry): void {
    if (this.handled.has(entry.index)) return;
    this.handled.add(entry.index);
    this.bytesHandled += entry.size;
  }

  private async serve([index, how, , extra]: Request): Promise<void> {
    const entry = this.fileEntry(index);
    try {
      if (how === 'full' || how === 'chunked') await this.sendFile(entry);
      else if (how === 'sum') {
        if (!(await this.compareSum(entry, extra))) return;
      }
      else if (how === 'sig') await this.sendDelta(entry, parseSignature(extra));
      else throw new Error(`unknown request kind ${JSON.stringify(how)}`);
    } catch (error) {
      if (!(error instanceof SourceReadError)) throw error;
      this.ctx.problem(problemFor(entry.path, error.cause));
      this.post(['skip', index]);
    } finally {
      this.current = 0;
    }
    this.handledOnce(entry);
  }

  /** Answers a `sum` request; false when the file went back to the queue to be sent whole. */
  private async compareSum(entry: SourceEntry, theirs: unknown): Promise<boolean> {
    const ours = source(() => hashFile(entry.path, this.chunk));
    if (sameBytes(ours, theirs as Uint8Array)) {
      if (this.ctx.dryRun) this.change(entry.rel, 'attrs');
      this.post(['same', entry.index]);
    } else if (this.ctx.dryRun) {
      this.change(entry.rel, 'update');
      this.post(['differs', entry.index]);
    } else if (entry.size <= SMALL_FILE_SIZE) {
      // Back to the queue as a whole-file request, to go out batched with the next small files.
      this.queue.unshift([entry.index, 'full', true, null]);
      return false;
    } else {
      await this.sendFile(entry);
    }
    return true;
  }

  private async sendFile(entry: SourceEntry): Promise<void> {
    const fd = source(() => openSync(entry.path, 'r'));
    try {
      this.ctx.verbose(this.spec.gateway, entry.rel);
      this.report.filesTransferred++;
      for (let pos = 0; ; ) {
        const got = source(() => readSync(fd, this.chunk, 0, CHUNK_SIZE, pos));
        if (got === 0) break;
        await this.window.acquire(got);
        this.post(['data', entry.index]);
        await this.sendNow(this.chunk.subarray(0, got));
        pos += got;
        this.report.literalBytes += got;
        this.current = Math.min(pos, entry.size);
        this.progress(entry.rel);
      }
      this.post(['eof', entry.index, null]);
    } finally {
      closeSync(fd);
    }
  }

  private async sendDelta(entry: SourceEntry, sig: Signature): Promise<void> {
    const fd = source(() => openSync(entry.path, 'r'));
    try {
      const size = source(() => fstatSync(fd).size);
      this.ctx.verbose(this.spec.gateway, entry.rel);
      this.report.filesTransferred++;
      let ops: unknown[] = [];
      let opsBytes = 0;
      const flush = async (): Promise<void> => {
        if (ops.length === 0) return;
        const batch = ops;
        ops = [];
        opsBytes = 0;
        await this.sendNow(['delta', entry.index, batch]);
      };
      const sink: DeltaSink = {
        literal: async (bytes) => {
          await this.window.acquire(bytes.length);
          ops.push(Buffer.from(bytes));
          opsBytes += bytes.length;
          pace(bytes.length);
          if (opsBytes >= CHUNK_SIZE) await flush();
        },
        copy: async (offset, length) => {
          ops.push([offset, length]);
          if (ops.length >= 1024) await flush();
        },
        progress: (position) => {
          this.current = Math.min(position, entry.size);
          this.progress(entry.rel);
        },
      };
      let result;
      try {
        result = await computeDelta(fd, size, sig, sink);
      } catch (error) {
        if (this.failure || this.channel?.isClosed) throw error;
        throw new SourceReadError(String(error), { cause: error });
      }
      await flush();
      this.post(['eof', entry.index, result.md5]);
      this.report.literalBytes += result.literalBytes;
      this.report.matchedBytes += result.matchedBytes;
    } finally {
      closeSync(fd);
    }
  }
}

/** Runs a read of the source; its failure becomes a {@link SourceReadError}. */
function source<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new SourceReadError((error as Error).message, { cause: error });
  }
}
