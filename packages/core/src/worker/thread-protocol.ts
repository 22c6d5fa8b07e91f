/** Messages between a worker's main thread and a thread running one remoteExec (`thread` exec model). */

/** From the main thread to the exec thread. */
export type ToThread =
  | { op: 'item'; bytes: Uint8Array }
  /** The channel ended; `error` is the peer's error text, `connection` says the connection broke. */
  | { op: 'end'; error?: string; connection?: string; closed: boolean }
  | { op: 'ack'; seq: number; error?: string };

/** From the exec thread to the main thread. */
export type FromThread =
  | { op: 'send'; seq: number; bytes: Uint8Array }
  | { op: 'close'; error?: string }
  | { op: 'done'; error?: string; eof?: boolean };

/** What a thread is started with. */
export interface ThreadData {
  codec: 'execnet' | 'msgpack';
  channelId: number;
  source: string;
  fileName: string | null;
  callName: string | null;
  /** kwargs, encoded with the codec (channels inside are not supported in threads). */
  kwargs: Uint8Array;
}

/** Key of the global that holds the bundle function, so threads can load the same runtime. */
export const BUNDLE_GLOBAL = Symbol.for('@execnet/worker-bundle');
