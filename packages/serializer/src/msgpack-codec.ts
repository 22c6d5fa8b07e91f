import { addExtension, Packr, Unpackr } from 'msgpackr';
import type { ChannelRefs, Codec, DecodeOptions, EncodeOptions } from './codec.js';
import { DumpError, LoadError } from './errors.js';
import { execnetCodec } from './execnet-codec.js';
import { assertEncodable } from './value-check.js';
import { Complex, Float, FrozenSet, isFrozenSet, isTuple, Tuple } from './values.js';

/**
 * MessagePack extension type numbers for the parts of the value model msgpack lacks.
 * msgpackr keeps extensions in one process-wide table, so these numbers are taken there.
 */
export const MsgpackExtension = { TUPLE: 0x01, FROZENSET: 0x02, DICT: 0x03, COMPLEX: 0x04, CHANNEL: 0x05, FLOAT: 0x06, SET: 0x07 } as const;

/** A mutable set (msgpackr's own Set handling is not on by default), as its items. */
class SetItems {
  constructor(readonly items: unknown[]) {}
}

/** A dict msgpack maps cannot carry as is (non-string keys, or a `__proto__` key), as flat pairs. */
class DictEntries {
  constructor(readonly flat: unknown[]) {}
}

// The channel refs of the encode or decode running right now (both are synchronous).
let currentChannels: ChannelRefs | undefined;
let currentAlwaysMap = false;
const channelClasses = new WeakSet<object>();

addExtension({ Class: Tuple, type: MsgpackExtension.TUPLE, write: (t: Tuple) => t, read: (items: unknown[]) => Tuple.from(items) });
addExtension({
  Class: FrozenSet,
  type: MsgpackExtension.FROZENSET,
  write: (s: FrozenSet) => Array.from(s),
  read: (items: unknown[]) => new FrozenSet(items),
});
addExtension({
  Class: Complex,
  type: MsgpackExtension.COMPLEX,
  write: (c: Complex) => [c.re, c.im],
  read: ([re, im]: [number, number]) => new Complex(re, im),
});
addExtension({
  Class: DictEntries,
  type: MsgpackExtension.DICT,
  write: (d: DictEntries) => d.flat,
  read: (flat: unknown[]) => dictFromPairs(flat),
});
addExtension({ Class: SetItems, type: MsgpackExtension.SET, write: (s: SetItems) => s.items, read: (items: unknown[]) => new Set(items) });
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
addExtension({
  type: MsgpackExtension.CHANNEL,
  read: (id: number) => {
    if (!currentChannels) throw new LoadError('cannot load: channel reference without a channel factory');
    return currentChannels.fromId(id);
  },
});

function dictFromPairs(flat: unknown[]): unknown {
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
    write: (channel: object) => {
      const id = currentChannels?.idOf(channel);
      if (id === undefined) throw new DumpError('cannot serialize a channel of another gateway');
      return id;
    },
  });
}

const packr = new Packr({ useRecords: false, encodeUndefinedAsNil: true, useBigIntExtension: true, variableMapSize: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'auto' as 'bigint', useBigIntExtension: true }); // 'auto' (number when safe) is supported but untyped

/**
 * The same value model as {@link execnetCodec}, over MessagePack (msgpackr) with extension
 * types. Only usable between JavaScript ends; negotiated per gateway.
 */
export const msgpackCodec: Codec = {
  name: 'msgpack',
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
      return packr.pack(needsRewrite ? rewriteDicts(value) : value);
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
      const value = unpackr.unpack(bytes);
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
  if (typeof value !== 'object' || value === null) return Object.is(value, -0) ? new Float(-0) : value;
  if (isTuple(value)) return Tuple.from(value.map(rewriteDicts));
  if (Array.isArray(value)) return value.map(rewriteDicts);
  if (isFrozenSet(value)) return new FrozenSet(Array.from(value, rewriteDicts));
  if (value instanceof Set) return new SetItems(Array.from(value, rewriteDicts));
  if (value instanceof Map) {
    const flat: unknown[] = [];
    for (const [k, v] of value) flat.push(rewriteDicts(k), rewriteDicts(v));
    return new DictEntries(flat);
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
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
