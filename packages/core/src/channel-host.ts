import type { Channel } from './channel.js';
import type { MessageCode } from './protocol.js';

/** What a {@link Channel} needs from its gateway; implemented by the gateway base. */
export interface ChannelHost {
  /** The public gateway object (master `Gateway`, or the worker's gateway). */
  readonly gateway: unknown;
  /** False once the connection is gone or exit() was called. */
  readonly isOpen: boolean;
  /** Serializes one value with the gateway's codec (channels inside values included). */
  encode(value: unknown): Uint8Array;
  /** Serializes and writes one item as CHANNEL_DATA; resolves when the connection can take more. */
  sendItem(channelId: number, item: unknown): Promise<void>;
  /** Writes one message; resolves when the connection can take more. */
  sendMessage(code: MessageCode, channelId: number, payload: Uint8Array): Promise<void>;
  /** The channel is closed for good; forget its id. */
  channelClosed(channel: Channel): void;
  /** Flow control: bytes now held in a receive queue, or taken out of one. */
  queued(bytes: number): void;
  dequeued(bytes: number): void;
  /** A receive() started (+1) or finished (-1) waiting (flow control, and keeps the master alive). */
  receiverWaiting(delta: 1 | -1): void;
  /** Something else waits for the peer (waitClose, a callback): keep the master process alive. */
  hold(delta: 1 | -1): void;
}
