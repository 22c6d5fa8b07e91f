import type { Channel } from './channel.js';
import { ExecnetError, RemoteError } from './errors.js';
import { waitWith, type WaitOptions } from './wait.js';

/** Options of {@link MultiChannel.makeReceiveQueue}. */
export interface ReceiveQueueOptions {
  /** Queued as `[channel, endMarker]` when a channel ends (also when its worker is killed). */
  endMarker?: unknown;
}

/**
 * An async queue of `[channel, item]` pairs from many channels, in arrival order.
 * `get()` waits for the next pair; iteration never ends by itself.
 */
export class ReceiveQueue {
  private readonly items: Array<[Channel, unknown]> = [];
  private readonly waiters: Array<(pair: [Channel, unknown]) => void> = [];

  /** @internal */
  put(pair: [Channel, unknown]): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(pair);
    else this.items.push(pair);
  }

  /** Number of pairs waiting to be taken. */
  get size(): number {
    return this.items.length;
  }

  /**
   * The next `[channel, item]` pair.
   * @throws {TimeoutError} nothing arrived within `timeout` ms
   */
  get(options?: WaitOptions): Promise<[Channel, unknown]> {
    const ready = this.items.shift();
    if (ready) return Promise.resolve(ready);
    return waitWith(options, 'receive queue get', (resolve) => {
      this.waiters.push(resolve);
      return () => {
        const i = this.waiters.indexOf(resolve);
        if (i >= 0) this.waiters.splice(i, 1);
      };
    });
  }
}

/**
 * Several channels used as one: what `group.remoteExec()` returns.
 * @see execnet MultiChannel
 */
export class MultiChannel implements Iterable<Channel> {
  private queue: ReceiveQueue | undefined;

  constructor(readonly channels: readonly Channel[]) {}

  /** Number of channels. */
  get size(): number {
    return this.channels.length;
  }

  /** The channel at `index`. */
  get(index: number): Channel | undefined {
    return this.channels[index];
  }

  /** True if `channel` is one of these. */
  has(channel: Channel): boolean {
    return this.channels.includes(channel);
  }

  [Symbol.iterator](): Iterator<Channel> {
    return this.channels[Symbol.iterator]();
  }

  /** Sends `item` to every channel, in order; resolves when all could take it. */
  async sendEach(item: unknown): Promise<void> {
    await Promise.all(this.channels.map((channel) => channel.send(item)));
  }

  /**
   * Receives one item from each channel, in channel order.
   * @example
   * const results = await mch.receiveEach()                          // [item0, item1, …]
   * const pairs = await mch.receiveEach({ withChannel: true })       // [[ch0, item0], …]
   */
  receiveEach(options: WaitOptions & { withChannel: true }): Promise<Array<[Channel, unknown]>>;
  receiveEach(options?: WaitOptions & { withChannel?: false }): Promise<unknown[]>;
  async receiveEach(options?: WaitOptions & { withChannel?: boolean }): Promise<unknown[]> {
    if (this.queue) throw new ExecnetError('receiveEach() cannot be used after makeReceiveQueue()');
    const items = await Promise.all(this.channels.map((channel) => channel.receive(options)));
    return options?.withChannel ? items.map((item, i) => [this.channels[i], item]) : items;
  }

  /**
   * One queue fed by every channel (through callbacks): `[channel, item]` pairs, plus
   * `[channel, endMarker]` when a channel ends if `endMarker` is given. Made once; later
   * calls return the same queue.
   */
  makeReceiveQueue(options?: ReceiveQueueOptions): ReceiveQueue {
    if (this.queue) return this.queue;
    const queue = new ReceiveQueue();
    this.queue = queue;
    const hasEnd = options !== undefined && 'endMarker' in options;
    for (const channel of this.channels) {
      channel.setCallback((item) => queue.put([channel, item]), hasEnd ? { endMarker: options.endMarker } : undefined);
    }
    return queue;
  }

  /**
   * Waits for every channel to close; raises the first remote error after all were waited for.
   * @throws {RemoteError} some remote code failed
   */
  async waitClose(options?: WaitOptions): Promise<void> {
    let first: RemoteError | undefined;
    for (const channel of this.channels) {
      try {
        await channel.waitClose(options);
      } catch (error) {
        if (!(error instanceof RemoteError)) throw error;
        first ??= error;
      }
    }
    if (first) throw first;
  }
}
