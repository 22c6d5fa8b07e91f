/**
 * How channels travel inside values. Core supplies this per gateway; the serializer
 * itself knows nothing about channels.
 */
export interface ChannelRefs {
  /** Returns the channel id if `value` is a channel of this gateway, else `undefined`. */
  idOf(value: object): number | undefined;
  /** Returns the channel for an id received from the peer. */
  fromId(id: number): unknown;
  /** The class of channel objects, so codecs that dispatch on classes (msgpack) can spot them. */
  readonly channelClass?: abstract new (...args: never[]) => object;
}

/**
 * Python string handling (execnet `strconfig`). Channels default to
 * `{ py2strAsPy3str: true, py3strAsPy2str: false }`, public `loads` to both false.
 * @see execnet Channel.reconfigure
 */
export interface StringOptions {
  /** Load Python 2 `str` (opcode M) as a latin-1 string instead of bytes. @default false */
  py2strAsPy3str?: boolean;
  /** Load Python 3 `str` (opcode N) as bytes (its UTF-8 encoding) instead of a string. @default false */
  py3strAsPy2str?: boolean;
}

/** Options for encoding one value. */
export interface EncodeOptions {
  /** Lets channels be sent inside values. Without it a channel is a {@link DumpError}. */
  channels?: ChannelRefs;
  /**
   * Bytes to leave free at the start of the result, before the encoding: room for a frame
   * header, so that a message is one buffer without a second copy. They are zero. With it, the
   * result is meant to be written out: in Node it is a `Buffer` that may share Node's pool.
   * @default 0
   */
  reserve?: number;
}

/** Options for decoding one value. */
export interface DecodeOptions extends StringOptions {
  /** Lets channel references be loaded. Without it they are a {@link LoadError}. */
  channels?: ChannelRefs;
  /** Return every dict as a `Map`, even when all its keys are strings. @default false */
  alwaysMap?: boolean;
  /** Deepest nesting of containers accepted before a {@link LoadError}. @default 1000 */
  maxDepth?: number;
  /**
   * Copy bytes values out of the input. Set to false only when the input buffer is
   * never reused, to save a copy of large payloads. @default true
   */
  copyBytes?: boolean;
}

/**
 * One wire codec for message payloads (no format version byte). Both codecs carry the
 * same value model, so core picks one per gateway.
 */
export interface Codec {
  /** `'execnet'` (Python execnet's format) or `'msgpack'`. */
  readonly name: CodecName;
  /** Encode a value. @throws {DumpError} */
  encode(value: unknown, options?: EncodeOptions): Uint8Array;
  /** Decode exactly one value from `bytes`. @throws {LoadError} */
  decode(bytes: Uint8Array, options?: DecodeOptions): unknown;
  /**
   * The bytes that go before and after the raw content when a bytes value of `length` bytes is
   * encoded on its own, so big payloads can be written without copying them into an encoding.
   */
  bytesFraming(length: number): { prefix: Uint8Array; suffix: Uint8Array };
}

/** Names of the available codecs. */
export type CodecName = 'execnet' | 'msgpack';
