import { Readable, Writable } from 'node:stream';
import type { Channel } from './channel.js';
import { EOFError } from './errors.js';

/** The modes of {@link Channel.makeFile}: `'r'` reads received items, `'w'` sends writes. */
export type ChannelFileMode = 'r' | 'w';

/** Options of {@link Channel.makeFile}. */
export interface ChannelFileOptions {
  /**
   * Ending or destroying the stream also closes the channel. On a worker, closing the channel
   * of a running remoteExec is refused, so the stream then fails with that error.
   * @default false
   */
  proxyClose?: boolean;
}

/**
 * A Writable whose every write is sent as one item: a string write arrives as a string,
 * a Buffer or Uint8Array write as bytes. Nothing is buffered or merged: each write is
 * sent at once, as `channel.send` would.
 * @see execnet ChannelFileWrite
 */
export function channelWriter(channel: Channel, options?: ChannelFileOptions): Writable {
  const proxyClose = options?.proxyClose ?? false;
  let closeTried = false;
  const closeChannel = (): Error | undefined => {
    if (!proxyClose || closeTried) return undefined;
    closeTried = true;
    try {
      channel.close();
      return undefined;
    } catch (error) {
      return error as Error;
    }
  };
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Uint8Array, _encoding, callback) {
      // Sent and completed at once, like execnet's write: waiting for the send promise would
      // hold later writes in the stream's buffer, where remote code that returns right after
      // writing (its channel then closes) would lose them.
      try {
        void channel.send(chunk);
      } catch (error) {
        callback(error as Error);
        return;
      }
      callback();
    },
    final(callback) {
      callback(closeChannel() ?? null);
    },
    destroy(error, callback) {
      const closeError = closeChannel();
      callback(error ?? closeError ?? null);
    },
  });
}

/**
 * A Readable of the received items concatenated: strings (as UTF-8) and bytes, in order.
 * It ends when the channel ends, and fails with the channel's error (`RemoteError`, a
 * closed gateway) or a `TypeError` for an item that is neither string nor bytes.
 * Use `setEncoding('utf8')` to read strings, `node:readline` to read lines.
 * @see execnet ChannelFileRead
 */
export function channelReader(channel: Channel, options?: ChannelFileOptions): Readable {
  const proxyClose = options?.proxyClose ?? false;
  return new Readable({
    read() {
      channel.receive().then(
        (item) => {
          if (typeof item === 'string') this.push(item, 'utf8');
          else if (item instanceof Uint8Array) this.push(item);
          else this.destroy(new TypeError(`channel file ${channel.id} received a ${typeof item}, not a string or bytes`));
        },
        (error: unknown) => {
          if (error instanceof EOFError) this.push(null);
          else this.destroy(error as Error);
        },
      );
    },
    destroy(error, callback) {
      let closeError: Error | null = null;
      if (proxyClose) {
        try {
          channel.close();
        } catch (e) {
          closeError = e as Error;
        }
      }
      callback(error ?? closeError);
    },
  });
}
