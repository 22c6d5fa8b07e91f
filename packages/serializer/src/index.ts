/**
 * @packageDocumentation
 * execnet's cross-interpreter serializer for TypeScript: `dumps`/`loads` write and read
 * exactly the bytes Python execnet does, and two codecs (`execnetCodec`, `msgpackCodec`)
 * carry the same value model in message payloads.
 *
 * @example
 * ```ts
 * import { dumps, loads, tuple } from '@execnet/serializer'
 * const bytes = dumps({ name: 'x', point: tuple(1, 2) })
 * loads(bytes) // { name: 'x', point: Tuple [1, 2] }
 * ```
 */
export { dumps, loads, execnetCodec } from './execnet-codec.js';
export type { DumpsOptions, LoadsOptions } from './execnet-codec.js';
export { msgpackCodec, MsgpackExtension } from './msgpack-codec.js';
export type { Codec, CodecName, ChannelRefs, DecodeOptions, EncodeOptions, StringOptions } from './codec.js';
export { Tuple, tuple, isTuple, FrozenSet, isFrozenSet, Complex, Float } from './values.js';
export { DataFormatError, DumpError, LoadError, isDataFormatError } from './errors.js';
export { Opcode, FormatVersion } from './opcodes.js';
