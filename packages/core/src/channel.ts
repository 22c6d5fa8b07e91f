import type { Readable, Writable } from 'node:stream';
import { tuple, type StringOptions, type Tuple } from '@execnet/serializer';
import { channelReader, channelWriter, type ChannelFileMode, type ChannelFileOptions } from './channel-file.js';
import { ChannelClosedError, EOFError, ExecnetError, RemoteError } from './errors.js';
import { MessageCode } from './protocol.js';
import { waitWith, type WaitOptions } from './wait.js';
import type { ChannelHost } from './channel-host.js';
import { asyncDispose } from './dispose.js';

/** Marks the end of a channel's items inside its queue. */
const END = Symbol('end');

/**
 * A pending receive(). `plain` ones (no timeout, no signal) are counted out of the gateway's
 * waiting receivers by the channel when settled; the others unregister themselves.
 */
type Waiter = { resolve: (item: unknown) => void; reject: (error: unknown) => void; plain: boolean };

/** Options of {@link Channel.setCallback}. */
export interface CallbackOptions {
  /** Passed to the callback once, after the last item, when the channel ends. */
  endMarker?: unknown;
}

/** Receiving and waiting both take a timeout (ms) and an abort signal. */
export type ReceiveOptions = WaitOptions;

/**
 * One of many bidirectional streams of values multiplexed over a gateway. Made by
 * `gateway.remoteExec()` or `gateway.newChannel()`, or received inside a value.
 * @see execnet Channel
 */
export class Channel implements AsyncIterable<unknown> {
  /** Channel id: odd when made by the master, even when made by the worker. */
  readonly id: number;
  /** Python string options for loading items (see `reconfigure`). */
  strconfig: StringOptions;
  /** @internal */
  readonly host: ChannelHost;
  /** @internal True while remote code runs with this channel (worker side). */
  executing = false;

  private readonly items: unknown[] = [];
  private readonly sizes: number[] = [];
  private head = 0;
  private readonly waiters: Waiter[] = [];
  private readonly closeWaiters: Array<() => void> = [];
  private readonly remoteErrors: RemoteError[] = [];
  private callback: ((item: unknown) => void) | undefined;
  private callbackEndMarker: { value: unknown } | undefined;
  /** Why the receive side ended when the connection, not the peer, ended it. */
  private endError: Error | undefined;
  private closed = false;
  private receiveEnded = false;

  /** @internal Channels are made by gateways. */
  constructor(host: ChannelHost, id: number, strconfig: StringOptions) {
    this.host = host;
    this.id = id;
    this.strconfig = strconfig;
  }

  /** The gateway this channel belongs to. */
  get gateway(): ChannelHost['gateway'] {
    return this.host.gateway;
  }

  /** True once closed locally or by the peer; queued items can still be received. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Sends one value to the other side. Throws at once if the channel is closed or the
   * value cannot be serialized (nothing is written then); the promise resolves when the
   * connection can take more, so `await` gives backpressure.
   * @throws {ChannelClosedError} the channel is closed
   * @throws {GatewayClosedError} the connection is gone
   * @throws {DumpError} the value is outside the value model
   */
  send(item: unknown): Promise<void> {
    if (this.closed) throw new ChannelClosedError(this.id, `cannot send to ${this}`);
    return this.host.sendItem(this.id, item);
  }

  /**
   * Receives the next value. At the end of the channel it rejects with the peer's error
   * (`RemoteError`, once), then `EOFError` (or `GatewayClosedError` if the connection broke).
   * @throws {TimeoutError} nothing arrived within `timeout` ms
   */
  receive(options?: ReceiveOptions): Promise<unknown> {
    if (this.callback) return Promise.reject(new ExecnetError(`cannot receive(): ${this} has a receiver callback`));
    if (this.head < this.items.length) {
      const item = this.take();
      return item === END ? Promise.reject(this.endOfItems()) : Promise.resolve(item);
    }
    if (options === undefined || (options.timeout === undefined && options.signal === undefined)) {
      // The common case, once per item: no timer, no abort listener, no closures to unregister.
      return new Promise((resolve, reject) => this.waitForItem(resolve, reject));
    }
    return waitWith(options, `receive on ${this}`, (resolve, reject) => {
      const waiter: Waiter = { resolve, reject, plain: false };
      this.waiters.push(waiter);
      this.host.receiverWaiting(1);
      return () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        this.host.receiverWaiting(-1);
      };
    });
  }

  /** Yields received values until the channel ends; a remote error is thrown out of the loop. */
  [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
    // A plain iterator, not an async generator: one promise per item fewer in `for await` loops.
    const done: IteratorReturnResult<undefined> = { done: true, value: undefined };
    let finished = false;
    const item = (value: unknown): IteratorResult<unknown> => ({ done: false, value });
    // The end of the channel ends the loop; a remote error is thrown out of it.
    const end = (error: unknown): IteratorResult<unknown> | Promise<never> => {
      finished = true;
      return error instanceof EOFError ? done : Promise.reject(error);
    };
    const iterator: AsyncIterableIterator<unknown> = {
      next: () => {
        if (finished) return Promise.resolve(done);
        if (this.callback || this.head < this.items.length) return this.receive().then(item, end);
        // Nothing queued: one promise that the next item settles (not receive() plus then()).
        return new Promise((resolve) => this.waitForItem((value) => resolve(item(value)), (error) => resolve(end(error))));
      },
      return: () => {
        finished = true;
        return Promise.resolve(done);
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /**
   * Delivers every value to `callback` instead of a queue: first those already queued, then
   * each as it arrives. `endMarker`, if given, is passed once when the channel ends.
   * A callback that throws closes the channel, and the peer gets the error.
   * @see execnet Channel.setcallback
   */
  setCallback(callback: (item: unknown) => void, options?: CallbackOptions): void {
    if (this.callback) throw new ExecnetError(`${this} has a callback already registered`);
    const endMarker = options && 'endMarker' in options ? { value: options.endMarker } : undefined;
    while (this.head < this.items.length) {
      if (this.items[this.head] === END) {
        if (endMarker) callback(endMarker.value);
        return;
      }
      if (!this.invoke(callback, this.take())) return;
    }
    this.callback = callback;
    this.callbackEndMarker = endMarker;
    this.host.hold(1);
  }

  /**
   * A Node stream over this channel. `'w'`: a Writable sending each write as one item
   * (string or bytes), e.g. to stream output back from remote code. `'r'`: a Readable of the
   * received string and bytes items, concatenated, ending when the channel ends.
   * With `proxyClose`, ending or destroying the stream closes the channel.
   * @throws {TypeError} `mode` is neither `'r'` nor `'w'`
   * @example
   * const out = channel.makeFile('w') // remote code
   * out.write('hello\n')
   * @see execnet Channel.makefile
   */
  makeFile(mode: 'w', options?: ChannelFileOptions): Writable;
  makeFile(mode: 'r', options?: ChannelFileOptions): Readable;
  makeFile(mode?: ChannelFileMode, options?: ChannelFileOptions): Readable | Writable;
  makeFile(mode: ChannelFileMode = 'w', options?: ChannelFileOptions): Readable | Writable {
    if (mode === 'w') return channelWriter(this, options);
    if (mode === 'r') return channelReader(this, options);
    throw new TypeError(`mode '${String(mode)}' not available: use 'r' or 'w'`);
  }

  /**
   * Closes the channel. With `error`, the peer's receive rejects with a `RemoteError`
   * carrying its text. Closing twice does nothing.
   * @see execnet Channel.close
   */
  close(error?: string | Error): void {
    if (this.executing) throw new ExecnetError('cannot explicitly close channel within remoteExec');
    this.closeNow(error);
  }

  /** @internal Closes even while remote code runs with the channel (end of exec, bad items). */
  closeNow(error?: string | Error): void {
    if (this.closed) return;
    if (this.host.isOpen) {
      try {
        if (error === undefined) void this.host.sendMessage(MessageCode.CHANNEL_CLOSE, this.id, new Uint8Array(0));
        else void this.host.sendMessage(MessageCode.CHANNEL_CLOSE_ERROR, this.id, this.host.encode(errorText(error)));
      } catch {
        // The connection went away meanwhile: closing locally is all that is left.
      }
    }
    this.endReceive(undefined, undefined, true);
  }

  /**
   * Sets how Python strings in items arriving on this channel load, here and on the peer
   * (Python workers honour it; values sent are not affected). Each call sets both options.
   * @throws {ChannelClosedError} the channel is closed
   * @throws {GatewayClosedError} the connection is gone
   * @example
   * ch.reconfigure({ py3strAsPy2str: true }) // Python str now arrives here as UTF-8 bytes
   * @see execnet Channel.reconfigure
   */
  reconfigure(options?: StringOptions): void {
    if (this.closed) throw new ChannelClosedError(this.id, `cannot reconfigure ${this}`);
    const { config, item } = reconfigureItem(options);
    void this.host.sendMessage(MessageCode.RECONFIGURE, this.id, this.host.encode(item));
    this.strconfig = config;
  }

  /**
   * Waits until no more values can arrive (the peer closed or the connection ended), then
   * rejects with the peer's error if there was one. Queued values stay receivable.
   * @throws {RemoteError} the remote code failed
   * @throws {EOFError} the connection ended without the channel being closed
   * @throws {TimeoutError} not closed within `timeout` ms
   * @see execnet Channel.waitclose
   */
  async waitClose(options?: WaitOptions): Promise<void> {
    if (!this.receiveEnded) {
      await waitWith<void>(options, `waitClose on ${this}`, (resolve) => {
        this.closeWaiters.push(resolve);
        this.host.hold(1);
        return () => {
          const i = this.closeWaiters.indexOf(resolve);
          if (i >= 0) this.closeWaiters.splice(i, 1);
          this.host.hold(-1);
        };
      });
    }
    const remote = this.remoteErrors.shift();
    if (remote) throw remote;
    if (this.endError) throw this.endError;
  }

  /** Typed as the well-known symbol, so `await using` type-checks; at run time the method below (the same symbol where Node has it). */
  declare readonly [Symbol.asyncDispose]: () => Promise<void>;

  /** Closes the channel, so `await using ch = gw.remoteExec(...)` cleans up. */
  async [asyncDispose](): Promise<void> {
    if (!this.executing) this.close();
  }

  toString(): string {
    return `<Channel id=${this.id} ${this.closed ? 'closed' : 'open'}>`;
  }

  // ---- called by the gateway's message handlers ---------------------------------------

  /** @internal A value arrived from the peer (already decoded); `size` counts toward flow control. */
  deliver(item: unknown, size: number): void {
    if (this.receiveEnded) return;
    if (this.callback) {
      this.invoke(this.callback, item);
      return;
    }
    const waiter = this.waiters.length > 0 ? this.waiters.shift() : undefined;
    if (waiter) {
      if (waiter.plain) this.host.receiverWaiting(-1);
      waiter.resolve(item);
      return;
    }
    this.items.push(item);
    this.sizes.push(size);
    this.host.queued(size);
  }

  /**
   * @internal The peer or the connection ended this channel. `remoteError` is the peer's
   * error text; `connectionError` is set when the connection ended under it; `closed` is
   * false for CHANNEL_LAST_MESSAGE (the peer stops sending but still receives).
   */
  endReceive(remoteError: RemoteError | undefined, connectionError: Error | undefined, closed: boolean): void {
    if (closed && !this.closed) {
      this.closed = true;
      this.host.channelClosed(this);
    }
    if (this.receiveEnded) return;
    this.receiveEnded = true;
    if (remoteError) this.remoteErrors.push(remoteError);
    this.endError = connectionError;
    if (this.callback) {
      const callback = this.callback;
      this.callback = undefined;
      this.host.hold(-1);
      if (this.callbackEndMarker) callback(this.callbackEndMarker.value);
    } else {
      this.items.push(END);
      this.sizes.push(0);
      for (const waiter of this.waiters.splice(0)) {
        if (waiter.plain) this.host.receiverWaiting(-1);
        waiter.reject(this.endOfItems());
      }
    }
    for (const resolve of this.closeWaiters.splice(0)) resolve();
  }

  /** @internal Whether the channel still waits for the peer (for remoteStatus and cleanup). */
  get isReceiving(): boolean {
    return !this.receiveEnded;
  }

  /** Waits for the next item without timeout or signal (nothing is queued). */
  private waitForItem(resolve: (item: unknown) => void, reject: (error: unknown) => void): void {
    this.waiters.push({ resolve, reject, plain: true });
    this.host.receiverWaiting(1);
  }

  private take(): unknown {
    const item = this.items[this.head];
    if (item === END) return END; // stays queued: every later receive sees the end too
    this.host.dequeued(this.sizes[this.head] as number);
    this.items[this.head] = undefined;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.sizes.splice(0, this.head);
      this.head = 0;
    }
    return item;
  }

  private endOfItems(): Error {
    return this.remoteErrors.shift() ?? this.endError ?? new EOFError(`${this} has no more items`, { channelId: this.id });
  }

  /** Runs a callback; if it throws, the channel is closed and the peer told why. */
  private invoke(callback: (item: unknown) => void, item: unknown): boolean {
    try {
      callback(item);
      return true;
    } catch (error) {
      if (this.callback) this.host.hold(-1);
      this.callback = undefined;
      this.closeNow(error instanceof Error ? error : String(error));
      return false;
    }
  }
}

/** The text sent in CHANNEL_CLOSE_ERROR: the stack (which includes the message) when there is one. */
export function errorText(error: string | Error): string {
  if (typeof error === 'string') return error;
  return error.stack ?? `${error.name}: ${error.message}`;
}

/**
 * Python execnet's reconfigure arguments with its defaults (`py2str_as_py3str=True,
 * py3str_as_py2str=False`), and the `(bool, bool)` tuple the RECONFIGURE message carries.
 */
export function reconfigureItem(options: StringOptions | undefined): { config: Required<StringOptions>; item: Tuple } {
  const config = { py2strAsPy3str: options?.py2strAsPy3str ?? true, py3strAsPy2str: options?.py3strAsPy2str ?? false };
  return { config, item: tuple(config.py2strAsPy3str, config.py3strAsPy2str) };
}
