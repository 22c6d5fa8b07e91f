import type * as WorkerThreads from 'node:worker_threads';
import { execnetCodec, msgpackCodec } from '@execnet/serializer';
import { ChannelClosedError, EOFError, ExecnetError, RemoteError } from '../errors.js';
import { waitWith, type WaitOptions } from '../wait.js';
import { builtin, setBuiltinRequire } from './builtin.js';
import { compileRemote } from './compile.js';
import type { FromThread, ThreadData, ToThread } from './thread-protocol.js';

const END = Symbol('end');

/**
 * The channel as remote code sees it inside an exec thread: the same calls as `Channel`,
 * forwarded to the real channel in the worker's main thread.
 */
class ThreadChannel {
  private readonly items: unknown[] = [];
  private readonly waiters: Array<{ resolve: (v: unknown) => void; reject: (e: unknown) => void }> = [];
  private readonly pendingSends = new Map<number, { resolve: () => void; reject: (e: unknown) => void }>();
  private readonly closeWaiters: Array<() => void> = [];
  private callback: ((item: unknown) => void) | undefined;
  private endMarker: { value: unknown } | undefined;
  private endError: Error | undefined;
  private ended = false;
  private closed = false;
  private seq = 0;
  executing = true;

  constructor(
    readonly id: number,
    private readonly codec: typeof execnetCodec,
    private readonly post: (message: FromThread) => void,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  send(item: unknown): Promise<void> {
    if (this.closed) throw new ChannelClosedError(this.id, `cannot send to <Channel id=${this.id} closed>`);
    const bytes = this.codec.encode(item);
    const seq = ++this.seq;
    this.post({ op: 'send', seq, bytes });
    return new Promise((resolve, reject) => this.pendingSends.set(seq, { resolve, reject }));
  }

  receive(options?: WaitOptions): Promise<unknown> {
    if (this.callback) return Promise.reject(new ExecnetError('cannot receive(): channel has a receiver callback'));
    if (this.items.length) {
      const item = this.items[0];
      if (item === END) return Promise.reject(this.endOfItems());
      this.items.shift();
      return Promise.resolve(item);
    }
    return waitWith(options, `receive on channel ${this.id}`, (resolve, reject) => {
      const waiter = { resolve, reject };
      this.waiters.push(waiter);
      return () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
      };
    });
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<unknown, void, undefined> {
    for (;;) {
      try {
        yield await this.receive();
      } catch (error) {
        if (error instanceof EOFError) return;
        throw error;
      }
    }
  }

  setCallback(callback: (item: unknown) => void, options?: { endMarker?: unknown }): void {
    if (this.callback) throw new ExecnetError('channel has a callback already registered');
    const endMarker = options && 'endMarker' in options ? { value: options.endMarker } : undefined;
    while (this.items.length) {
      const item = this.items.shift();
      if (item === END) {
        this.items.unshift(END);
        if (endMarker) callback(endMarker.value);
        return;
      }
      callback(item);
    }
    this.callback = callback;
    this.endMarker = endMarker;
  }

  close(error?: string | Error): void {
    if (this.executing) throw new ExecnetError('cannot explicitly close channel within remoteExec');
    if (this.closed) return;
    this.closed = true;
    this.post({ op: 'close', error: error === undefined ? undefined : typeof error === 'string' ? error : (error.stack ?? String(error)) });
  }

  async waitClose(options?: WaitOptions): Promise<void> {
    if (!this.ended) {
      await waitWith<void>(options, `waitClose on channel ${this.id}`, (resolve) => {
        this.closeWaiters.push(resolve);
        return () => undefined;
      });
    }
    const error = this.endError;
    this.endError = undefined;
    if (error && !(error instanceof EOFError)) throw error;
  }

  toString(): string {
    return `<Channel id=${this.id} ${this.closed ? 'closed' : 'open'}>`;
  }

  handle(message: ToThread): void {
    if (message.op === 'ack') {
      const pending = this.pendingSends.get(message.seq);
      this.pendingSends.delete(message.seq);
      if (message.error) pending?.reject(new ExecnetError(message.error));
      else pending?.resolve();
      return;
    }
    if (message.op === 'item') {
      const item = this.codec.decode(message.bytes, { py2strAsPy3str: true });
      if (this.callback) this.callback(item);
      else if (this.waiters.length) this.waiters.shift()!.resolve(item);
      else this.items.push(item);
      return;
    }
    this.ended = true;
    if (message.closed) this.closed = true;
    this.endError = message.error ? new RemoteError(message.error) : message.connection ? new EOFError(message.connection) : undefined;
    if (this.callback) {
      const callback = this.callback;
      this.callback = undefined;
      if (this.endMarker) callback(this.endMarker.value);
    } else {
      this.items.push(END);
      for (const waiter of this.waiters.splice(0)) waiter.reject(this.endOfItems());
    }
    for (const resolve of this.closeWaiters.splice(0)) resolve();
  }

  private endOfItems(): Error {
    const error = this.endError ?? new EOFError(`channel ${this.id} has no more items`, { channelId: this.id });
    if (error instanceof RemoteError) this.endError = undefined;
    return error;
  }
}

/** Entry point of an exec thread: runs one remoteExec and reports how it ended. */
export async function threadMain(localRequire: unknown): Promise<void> {
  setBuiltinRequire(localRequire);
  const { parentPort, workerData } = builtin<typeof WorkerThreads>('node:worker_threads');
  const data = workerData as ThreadData;
  const port = parentPort!;
  const codec = data.codec === 'msgpack' ? msgpackCodec : execnetCodec;
  const channel = new ThreadChannel(data.channelId, codec, (message) => port.postMessage(message));
  port.on('message', (message: ToThread) => channel.handle(message));
  const kwargs = codec.decode(data.kwargs) as Record<string, unknown>;
  let done: FromThread;
  try {
    const fn = await compileRemote({ source: data.source, fileName: data.fileName, callName: data.callName, kwargs }, localRequire);
    await fn(channel, kwargs);
    done = { op: 'done' };
  } catch (error) {
    done = error instanceof EOFError ? { op: 'done', eof: true } : { op: 'done', error: error instanceof Error ? (error.stack ?? String(error)) : String(error) };
  }
  port.postMessage(done);
}
