import { addExtension, Packr, RESERVE_START_SPACE, Unpackr } from 'msgpackr';
import type { ChannelRefs, Codec, DecodeOptions, EncodeOptions } from './codec.js';
import { DumpError, LoadError } from './errors.js';
import { execnetCodec } from './execnet-codec.js';
import { assertEncodable } from './value-check.js';
import { Complex, Float, FrozenSet, isComplex, isFloat, isFrozenSet, isTuple, Tuple } from './values.js';

/**
 * MessagePack extension type numbers for the parts of the value model msgpack lacks.
 * msgpackr keeps extensions in one process-wide table, so these numbers are taken there.
 */
export const MsgpackExtension = { TUPLE: 0x01, FROZENSET: 0x02, DICT: 0x03, COMPLEX: 0x04, CHANNEL: 0x05, FLOAT: 0x06, SET: 0x07, INT: 0x08 } as const;

/** A mutable set (msgpackr's own Set handling is not on by default), as its items. */
class SetItems {
  constructor(readonly items: unknown[]) {}
}

/** An integer beyond ±(2^53 - 1), which msgpackr would load as a number at the ±2^53 edge (or write as a float). */
class UnsafeInteger {
  constructor(readonly value: bigint) {}
}

/** A dict msgpack maps cannot carry as is (non-string keys, or a `__proto__` key), as flat pairs. */
class DictEntries {
  constructor(readonly flat: unknown[]) {}
}

// The channel refs of the encode or decode running right now (both are synchronous).
let currentChannels: ChannelRefs | undefined;
let currentAlwaysMap = false;
const channelClasses = new WeakSet<object>();
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;

addExtension({ Class: Tuple, type: MsgpackExtension.TUPLE, write: (t: Tuple) => t, read: (items: unknown) => Tuple.from(arrayPayload(items, 'tuple')) });
addExtension({
  Class: FrozenSet,
  type: MsgpackExtension.FROZENSET,
  write: (s: FrozenSet) => Array.from(s),
  read: (items: unknown) => new FrozenSet(arrayPayload(items, 'frozenset')),
});
// Raw IEEE-754 bytes, as for Float, so a -0 part survives.
addExtension({
  Class: Complex,
  type: MsgpackExtension.COMPLEX,
  pack: (c: Complex) => {
    const out = new Uint8Array(16);
    const view = new DataView(out.buffer);
    view.setFloat64(0, c.re);
    view.setFloat64(8, c.im);
    return out;
  },
  unpack: (bytes: Uint8Array) => {
    if (bytes.length !== 16) throw new LoadError(`cannot load msgpack: complex extension of ${bytes.length} bytes`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, 16);
    return new Complex(view.getFloat64(0), view.getFloat64(8));
  },
});
addExtension({
  Class: DictEntries,
  type: MsgpackExtension.DICT,
  write: (d: DictEntries) => d.flat,
  read: (flat: unknown) => dictFromPairs(arrayPayload(flat, 'dict')),
});
addExtension({ Class: SetItems, type: MsgpackExtension.SET, write: (s: SetItems) => s.items, read: (items: unknown) => new Set(arrayPayload(items, 'set')) });
// Decimal digits, as execnet's LONGINT; loads as a bigint like the execnet codec does.
addExtension({
  Class: UnsafeInteger,
  type: MsgpackExtension.INT,
  pack: (i: UnsafeInteger) => new TextEncoder().encode(i.value.toString()),
  unpack: (bytes: Uint8Array) => {
    const digits = bytes.length <= 4301 ? String.fromCharCode(...bytes) : '';
    if (!/^-?\d{1,4300}$/.test(digits)) throw new LoadError('cannot load msgpack: integer extension is not an integer');
    const big = BigInt(digits);
    return big >= -MAX_SAFE && big <= MAX_SAFE ? Number(big) : big;
  },
});
// Raw IEEE-754 bytes: msgpackr writes integral numbers and -0 as ints, which would lose -0.
addExtension({
  Class: Float,
  type: MsgpackExtension.FLOAT,
  pack: (f: Float) => {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setFloat64(0, f.value);
    return out;
  },
  unpack: (bytes: Uint8Array) => {
    if (bytes.length !== 8) throw new LoadError(`cannot load msgpack: float extension of ${bytes.length} bytes`);
    return new DataView(bytes.buffer, bytes.byteOffset, 8).getFloat64(0);
  },
});
const readChannel = (id: unknown): unknown => {
  if (!currentChannels) throw new LoadError('cannot load: channel reference without a channel factory');
  if (typeof id !== 'number' || !Number.isInteger(id)) throw new LoadError('cannot load msgpack: channel id is not an int');
  return currentChannels.fromId(id);
};
addExtension({ type: MsgpackExtension.CHANNEL, read: readChannel });

function arrayPayload(payload: unknown, what: string): unknown[] {
  if (!Array.isArray(payload)) throw new LoadError(`cannot load msgpack: ${what} extension does not hold an array`);
  return payload;
}

function dictFromPairs(flat: unknown[]): unknown {
  if (flat.length % 2 !== 0) throw new LoadError('cannot load msgpack: dict extension holds an odd number of items');
  let allStrings = !currentAlwaysMap;
  for (let i = 0; allStrings && i < flat.length; i += 2) allStrings = typeof flat[i] === 'string';
  if (allStrings) {
    const obj: Record<string, unknown> = {};
    for (let i = 0; i < flat.length; i += 2) {
      Object.defineProperty(obj, flat[i] as string, { value: flat[i + 1], writable: true, enumerable: true, configurable: true });
    }
    return obj;
  }
  const map = new Map<unknown, unknown>();
  for (let i = 0; i < flat.length; i += 2) map.set(flat[i], flat[i + 1]);
  return map;
}

/** Registers the channel class of a core copy, so msgpackr writes its instances as references. */
function registerChannelClass(channels: ChannelRefs): void {
  const cls = channels.channelClass;
  if (!cls || channelClasses.has(cls)) return;
  channelClasses.add(cls);
  addExtension({
    Class: cls as unknown as new () => object,
    type: MsgpackExtension.CHANNEL,
    // Registering replaces the type's reader too, so pass it again.
    read: readChannel,
    write: (channel: object) => {
      const id = currentChannels?.idOf(channel);
      if (id === undefined) throw new DumpError('cannot serialize a channel of another gateway');
      return id;
    },
  });
}

const packr = new Packr({ useRecords: false, encodeUndefinedAsNil: true, useBigIntExtension: true, variableMapSize: true });
// structuredClone: false, or untrusted input could build cyclic values with msgpackr's reference extensions;
// copyBuffers, or loaded bytes would be views of an input buffer the caller may reuse; with
// `copyBytes: false` (the input is never reused) `sharingUnpackr` makes them views instead.
// int64AsType 'auto' (number when safe) is supported but untyped.
const unpackrOptions = { useRecords: false, int64AsType: 'auto' as 'bigint', useBigIntExtension: true, structuredClone: false, copyBuffers: true };
const unpackr = new Unpackr({ ...unpackrOptions, mapsAsObjects: true });
const sharingUnpackr = new Unpackr({ ...unpackrOptions, mapsAsObjects: true, copyBuffers: false });
// msgpackr renames a "__proto__" map key to "__proto_"; input holding that name is read as Maps and converted here.
const mapUnpackr = new Unpackr({ ...unpackrOptions, mapsAsObjects: false });
const protoKey = new TextEncoder().encode('__proto__');
const protoKeyBuffer = NodeBuffer?.from(protoKey);

/**
 * The same value model as {@link execnetCodec}, over MessagePack (msgpackr) with extension
 * types. Only usable between JavaScript ends; negotiated per gateway.
 */
export const msgpackCodec: Codec = {
  name: 'msgpack',
  /** A msgpack bin 32: 0xc6 and the length, then the raw bytes. */
  bytesFraming(length: number) {
    const prefix = new Uint8Array(5);
    prefix[0] = 0xc6;
    new DataView(prefix.buffer).setUint32(1, length);
    return { prefix, suffix: new Uint8Array(0) };
  },
  encode(value: unknown, options?: EncodeOptions): Uint8Array {
    const channels = options?.channels;
    if (channels) registerChannelClass(channels);
    // msgpackr would quietly write Dates, class instances and cycles; check first.
    let needsRewrite: boolean;
    try {
      needsRewrite = assertEncodable(value, channels);
    } catch (error) {
      // Let the execnet encoder, which tracks paths, report what and where.
      execnetCodec.encode(value, options);
      throw error;
    }
    const prev = currentChannels;
    currentChannels = channels;
    try {
      const packable = needsRewrite ? rewriteDicts(value) : value;
      const reserve = options?.reserve ?? 0;
      if (reserve === 0) return packr.pack(packable);
      if (reserve <= 0xff) {
        // msgpackr leaves the room itself, in the buffer it writes to: no copy.
        const out = packr.pack(packable, RESERVE_START_SPACE | reserve);
        for (let i = 0; i < reserve; i++) out[i] = 0;
        return out;
      }
      const packed = packr.pack(packable);
      const out = new Uint8Array(reserve + packed.byteLength);
      out.set(packed, reserve);
      return out;
    } catch (error) {
      if (error instanceof DumpError) throw error;
      // Fall back to the execnet encoder for a precise DumpError with the path.
      execnetCodec.encode(value, options);
      throw new DumpError('cannot serialize value', '', { cause: error });
    } finally {
      currentChannels = prev;
    }
  },
  decode(bytes: Uint8Array, options?: DecodeOptions): unknown {
    const prevChannels = currentChannels;
    const prevAlwaysMap = currentAlwaysMap;
    currentChannels = options?.channels;
    currentAlwaysMap = options?.alwaysMap ?? false;
    try {
      // Bytes values are copied from a Buffer, so they are Buffers, as with the execnet codec.
      const input = NodeBuffer && !NodeBuffer.isBuffer(bytes) ? NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
      if (hasProtoKey(input)) return mapsToObjects(mapUnpackr.unpack(input));
      const value = (options?.copyBytes === false ? sharingUnpackr : unpackr).unpack(input);
      return currentAlwaysMap ? objectsToMaps(value) : value;
    } catch (error) {
      if (error instanceof LoadError) throw error;
      // Truncated input, bad tokens and over-deep nesting (stack exhaustion) all end here.
      throw new LoadError(`cannot load msgpack: ${(error as Error)?.message ?? String(error)}`, undefined, { cause: error });
    } finally {
      currentChannels = prevChannels;
      currentAlwaysMap = prevAlwaysMap;
    }
  },
};

/**
 * Replaces what msgpack maps and numbers cannot carry as they are: Maps and objects with a
 * `__proto__` key become {@link DictEntries}, Sets {@link SetItems}, -0 a {@link Float}.
 */
function rewriteDicts(value: unknown): unknown {
  if (typeof value === 'number') {
    if (Object.is(value, -0)) return new Float(-0);
    return Number.isInteger(value) && !Number.isSafeInteger(value) ? new UnsafeInteger(BigInt(value)) : value;
  }
  if (typeof value === 'bigint') return value > MAX_SAFE || value < -MAX_SAFE ? new UnsafeInteger(value) : value;
  if (typeof value !== 'object' || value === null) return value;
  // Instances of another copy of the package become this copy's, which msgpackr knows.
  if (isFloat(value)) return new Float(value.value);
  if (isComplex(value)) return new Complex(value.re, value.im);
  if (isTuple(value)) return Tuple.from(value.map(rewriteDicts));
  if (Array.isArray(value)) return value.map(rewriteDicts);
  if (isFrozenSet(value)) return new FrozenSet(Array.from(value, rewriteDicts));
  if (value instanceof Set) return new SetItems(Array.from(value, rewriteDicts));
  if (value instanceof Map) {
    const flat: unknown[] = [];
    for (const [k, v] of value) flat.push(rewriteDicts(k), rewriteDicts(v));
    return new DictEntries(flat);
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const entries = Object.entries(value).map(([k, v]) => [k, rewriteDicts(v)] as const);
  if (Object.prototype.hasOwnProperty.call(value, '__proto__')) return new DictEntries(entries.flat());
  return Object.fromEntries(entries);
}

function objectsToMaps(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = objectsToMaps(value[i]);
    return value;
  }
  if (value instanceof Map) {
    const out = new Map();
    for (const [k, v] of value) out.set(objectsToMaps(k), objectsToMaps(v));
    return out;
  }
  if (value instanceof Set) {
    const items = Array.from(value, objectsToMaps);
    return isFrozenSet(value) ? new FrozenSet(items) : new Set(items);
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return new Map(Object.entries(value).map(([k, v]) => [k, objectsToMaps(v)]));
}

function hasProtoKey(bytes: Uint8Array): boolean {
  if (bytes.length < protoKey.length || isOneBin(bytes)) return false;
  // Node's native search where there is one: per item decoded, a JS loop over each '_' byte
  // of a large binary value cost more than the decoding.
  if (bytes.length > 256 && NodeBuffer && NodeBuffer.isBuffer(bytes)) return bytes.indexOf(protoKeyBuffer!) >= 0;
  const first = protoKey[0] as number;
  // The typed array's indexOf: Buffer#indexOf checks its arguments at length, per item decoded.
  const indexOf = Uint8Array.prototype.indexOf;
  for (let i = indexOf.call(bytes, first); i >= 0; i = indexOf.call(bytes, first, i + 1)) {
    let j = 1;
    while (j < protoKey.length && bytes[i + j] === protoKey[j]) j++;
    if (j === protoKey.length) return true;
  }
  return false;
}

/** Whether `bytes` is one msgpack bin value (bin 8/16/32), which holds no map keys. */
function isOneBin(bytes: Uint8Array): boolean {
  const n = bytes.length;
  switch (bytes[0]) {
    case 0xc4:
      return n >= 2 && 2 + bytes[1]! === n;
    case 0xc5:
      return n >= 3 && 3 + ((bytes[1]! << 8) | bytes[2]!) === n;
    case 0xc6:
      return n >= 5 && 5 + ((bytes[1]! << 24) >>> 0) + ((bytes[2]! << 16) | (bytes[3]! << 8) | bytes[4]!) === n;
    default:
      return false;
  }
}

/** Turns the Maps of {@link mapUnpackr} into plain objects where every key is a string (unless `alwaysMap`). */
function mapsToObjects(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = mapsToObjects(value[i]);
    return value;
  }
  if (value instanceof Set) {
    const items = Array.from(value, mapsToObjects);
    return isFrozenSet(value) ? new FrozenSet(items) : new Set(items);
  }
  let entries: [unknown, unknown][];
  if (value instanceof Map) entries = Array.from(value, ([k, v]) => [mapsToObjects(k), mapsToObjects(v)]);
  else if (Object.getPrototypeOf(value) === Object.prototype) entries = Object.entries(value).map(([k, v]) => [k, mapsToObjects(v)]);
  else return value;
  if (currentAlwaysMap || entries.some(([k]) => typeof k !== 'string')) return new Map(entries);
  const obj: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(obj, k as string, { value: v, writable: true, enumerable: true, configurable: true });
  return obj;
}
