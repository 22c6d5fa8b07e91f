import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Float, tuple, type Channel, type Tuple } from '@execnet/core';
import { DestinationError } from './errors.js';
import { PYTHON_DEST_CHECK, pythonRemoteSource } from './remote-python.js';
import { masterPacer as pace } from './memory-pacer.js';
import { sameBytes } from './source-file.js';
import { BaseTarget, normalizeDest, type SendContext, type TargetSpec } from './target.js';
import { problemFor, pythonMtime, type SourceEntry } from './tree-walk.js';

/**
 * The master's side of Python execnet's own RSync protocol (spec §8), with execnet's
 * `rsync_remote` running on a Python worker. Messages, exactly:
 *
 * - to the worker: `(destdir, options)` first; then the tree, one item per path in walk order:
 *   a directory is the list `[st_mode, name, …]`, a file the tuple `(st_mode, st_mtime, st_size)`,
 *   a link or a skipped entry `None`; later each requested file's bytes (or `None`: unchanged or
 *   unreadable); after `("links", None)` the link tuples `("linkbase" | "link", relpath, target)`
 *   and the integer `42`.
 * - from the worker: `("send", (components, md5 | None))`, `("list_done", None)`,
 *   `("ack", relpath)`, `("links", None)`, `("done", None)`.
 *
 * execnet's master sets the channel's string options to `(False, False)`; that changes only how
 * Python 2 `str` items load, and neither side sends any (both send text as unicode, data as
 * bytes), so no RECONFIGURE is needed.
 */
export class PythonTarget extends BaseTarget {
  private readonly links: Tuple[] = [];
  private readonly sizes = new Map<string, number>();
  private readonly queue: unknown[] = [];
  private draining = false;
  /** Set once the whole tree went out; the worker's requests are answered from then on. */
  private treeSent = false;
  private bytesDone = 0;

  constructor(spec: TargetSpec, ctx: SendContext) {
    super(spec, ctx, 'python');
  }

  async start(): Promise<void> {
    const gateway = this.spec.gateway;
    const dest = normalizeDest(this.spec.destDir);
    const [source] = await Promise.all([pythonRemoteSource(), this.checkDestination(dest)]);
    const channel = gateway.remoteExec(source);
    this.channel = channel;
    channel.setCallback((item) => this.enqueue(item), { endMarker: null });
    // execnet rsync.py add_target: send((str(destdir), options)), options holding only `delete`.
    await channel.send(tuple<unknown>(dest, this.spec.delete ? { delete: true } : {}));
  }

  push(entries: readonly SourceEntry[]): void {
    const channel = this.channel as Channel;
    for (const e of entries) {
      let item: unknown = null;
      if (e.kind === 'dir') item = [e.mode, ...(e.names ?? [])];
      else if (e.kind === 'file') item = tuple<unknown>(e.mode, new Float(pythonMtime(e.mtimeNs)), e.size);
      else if (e.kind === 'link') {
        this.links.push(e.linkBase !== undefined ? tuple('linkbase', e.rel, e.linkBase) : tuple('link', e.rel, e.linkTarget as string));
      }
      if (channel.isClosed) return;
      channel.send(item).catch(() => undefined);
    }
  }

  end(): void {
    // The reference protocol has no end marker: the worker knows the tree's shape. But it reads
    // file data from the same stream, so answers may only follow the whole tree (execnet's
    // master, too, answers only after the broadcast): start answering now.
    this.treeSent = true;
    if (!this.draining && this.queue.length > 0) void this.drain();
  }

  abort(reason: Error): void {
    if (this.settled) return;
    this.failure ??= reason;
    if (this.channel && !this.channel.isClosed) this.channel.close(reason);
    else if (!this.channel) this.fail(reason);
  }

  private async checkDestination(dest: string): Promise<void> {
    const check = this.spec.gateway.remoteExec(PYTHON_DEST_CHECK);
    await check.send(dest);
    if (await check.receive()) {
      throw new DestinationError(`destination ${dest} exists and is not a directory`, { gatewayId: this.spec.gateway.id, destDir: this.spec.destDir });
    }
    await check.waitClose();
  }

  private enqueue(item: unknown): void {
    this.queue.push(item);
    // Before the tree is sent, only the end of the channel (a failure) is handled.
    if (!this.draining && (this.treeSent || item === null)) void this.drain();
  }

  /** Handles the worker's messages in order (reading files is asynchronous). */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        if (!this.treeSent && this.queue.at(-1) !== null) break;
        const item = this.queue.shift();
        try {
          // execnet rsync.py _end_of_channel: an end before "done" is an error.
          if (item === null) await this.settleOnEnd();
          else if (!this.failure && this.treeSent) await this.handle(item as [string, unknown]);
        } catch (error) {
          // Go on: the end of the channel may be queued behind, and it settles the target.
          this.abort(error as Error);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async handle([command, data]: [string, unknown]): Promise<void> {
    const channel = this.channel as Channel;
    switch (command) {
      case 'send':
        return this.sendItem(data as [string[], Uint8Array | null]);
      case 'list_done':
        this.listComplete = true;
        this.ctx.callback?.('list', this.report.bytesTotal, channel);
        this.emitProgress('', this.bytesDone);
        return;
      case 'ack': {
        const rel = String(data);
        const size = this.sizes.get(rel) ?? 0;
        this.ctx.callback?.('ack', size, channel);
        this.filesDone++;
        this.bytesDone += size;
        this.emitProgress(rel, this.bytesDone);
        return;
      }
      case 'links':
        for (const link of this.links) await channel.send(link);
        await channel.send(42);
        return;
      case 'done':
        this.finished = true;
        this.spec.finishedCallback?.();
        return;
      default:
        throw new Error(`unknown command from execnet's rsync_remote: ${JSON.stringify(command)}`);
    }
  }

  /** execnet rsync.py _send_item: the whole file, or None when it is unreadable or unchanged. */
  private async sendItem([components, checksum]: [string[], Uint8Array | null]): Promise<void> {
    const rel = components.join('/');
    const path = join(this.ctx.root, ...components);
    let data: Buffer | null = null;
    try {
      // Synchronous: an asynchronous read costs more than reading a file from the page cache.
      data = readFileSync(path);
    } catch (error) {
      this.ctx.problem(problemFor(path, error));
    }
    const size = data ? data.length : 0;
    if (!this.sizes.has(rel)) {
      this.report.filesRequested++;
      this.report.bytesTotal += size;
    }
    this.sizes.set(rel, size);
    if (data && checksum && sameBytes(createHash('md5').update(data).digest(), checksum)) {
      data = null; // not really modified
      this.report.changes.push({ path: rel, action: 'attrs' });
    } else if (data) {
      this.ctx.verbose(this.spec.gateway, rel);
      this.report.changes.push({ path: rel, action: 'update' });
      this.report.filesTransferred++;
      this.report.literalBytes += size;
    }
    await (this.channel as Channel).send(data);
    pace(size);
  }
}
