import type { ChannelRefs, DecodeOptions } from './codec.js';
import { LoadError } from './errors.js';
import { readLatin1, readUtf8 } from './utf8.js';
import { Complex, FrozenSet, Tuple } from './values.js';

const DEFAULT_MAX_DEPTH = 1000;
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;
/** Copied byte values below this size go into a shared slab instead of their own allocation. */
const SLAB_VALUE_MAX = 4096;

// What a stack slot holds, so SETITEM needs no type tests. Plain constants (and literal opcodes
// in the switch below, every one exercised by the golden and interop tests) keep the hot loop free of
// property loads.
const VALUE = 0;
const LIST = 1;
const OBJECT = 2;
const MAP = 3;
const EMPTY = new Uint8Array(0);

// Dict keys repeat across items; their strings are cached by bytes (as msgpackr does), which
// saves decoding and lets V8 reuse the internalized property name.
const KEY_CACHE_SIZE = 4096;
const SLAB_SIZE = 64 * 1024;
let slab = new Uint8Array(SLAB_SIZE);
let slabUsed = 0;
const KEY_CACHE_MAX = 32;
const keyCacheBytes: Array<Uint8Array | undefined> = new Array(KEY_CACHE_SIZE);
const keyCacheStrings: Array<string | undefined> = new Array(KEY_CACHE_SIZE);

// Floats are read through a scratch buffer: cheaper than a DataView per call.
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Decodes execnet's stack-machine format (gateway_base.py `Unserializer`), defensively:
 * every length is checked against the bytes left and nesting depth is bounded, so any
 * input yields a value or a {@link LoadError}. One instance is reused across calls.
 */
class ExecnetDecoder {
  busy = false;
  private bytes: Uint8Array = EMPTY;
  private pos = 0;
  private end = 0;
  private sp = 0;
  private stack: unknown[] = [];
  /** Slots of `stack` written during this decode (cleared at its end). */
  private highWater = 0;
  private depths = new Int32Array(64);
  private kinds = new Uint8Array(64);
  private maxDepth = DEFAULT_MAX_DEPTH;
  private copyBytes = true;
  /** Key order of dicts holding integer-like string keys, which objects do not keep. */
  private keyOrders: Map<object, string[]> | undefined;

  decode(bytes: Uint8Array, start: number, options: DecodeOptions | undefined): unknown {
    this.busy = true;
    this.bytes = bytes;
    this.pos = start;
    this.end = bytes.length;
    this.sp = 0;
    this.maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.copyBytes = options?.copyBytes ?? true;
    this.keyOrders = undefined;
    try {
      return this.run(options);
    } finally {
      // Drop references to the input and to decoded values (setting the length costs more
      // than a few stores, and most items use one or two slots).
      const used = this.highWater;
      if (used <= 16) for (let i = 0; i < used; i++) this.stack[i] = undefined;
      else this.stack.length = 0;
      this.highWater = 0;
      this.bytes = EMPTY;
      this.keyOrders = undefined;
      this.busy = false;
    }
  }

  private run(options: DecodeOptions | undefined): unknown {
    const alwaysMap = options?.alwaysMap ?? false;
    const py2strAsPy3str = options?.py2strAsPy3str ?? false;
    const py3strAsPy2str = options?.py3strAsPy2str ?? false;
    const channels: ChannelRefs | undefined = options?.channels;
    const bytes = this.bytes;
    const end = this.end;
    for (;;) {
      if (this.pos >= end) this.fail('truncated input: no STOP opcode');
      const op = bytes[this.pos++] as number;
      switch (op) {
        case 0x46 /* INT */:
        case 0x47 /* LONG */:
          this.push(this.int4('INT'), 0, VALUE);
          break;
        case 0x4e /* PY3STRING */: {
          const n = this.length('string');
          if (py3strAsPy2str) this.push(this.bytesValue(n), 0, VALUE);
          // Right after a dict comes a key: reuse its string, so property stores stay fast.
          else if (this.sp > 0 && this.kinds[this.sp - 1] === OBJECT && n <= KEY_CACHE_MAX) this.push(this.cachedKey(n), 0, VALUE);
          else this.push(this.utf8(n), 0, VALUE);
          break;
        }
        case 0x50 /* SETITEM */:
          this.setItem();
          break;
        case 0x4a /* NEWDICT */:
          if (alwaysMap) this.push(new Map(), 1, MAP);
          else this.push({}, 1, OBJECT);
          break;
        case 0x4b /* NEWLIST */: {
          const at = this.pos;
          let n = this.int4('NEWLIST');
          if (n < 0) n = 0; // Python builds [None] * n, which is [] for negative n
          // Refuse absurd counts before allocating (a list item takes at least one byte).
          if (n > end - this.pos) this.fail(`list of ${n} items longer than the input`, at);
          this.push(new Array(n).fill(null), 1, LIST);
          break;
        }
        case 0x41 /* BYTES */:
          this.push(this.bytesValue(this.length('BYTES')), 0, VALUE);
          break;
        case 0x44 /* FLOAT */:
          if (this.pos + 8 > end) this.fail(`truncated FLOAT: need 8 bytes, have ${end - this.pos}`);
          this.push(this.float64(), 0, VALUE);
          break;
        case 0x4c /* NONE */:
          this.push(null, 0, VALUE);
          break;
        case 0x52 /* TRUE */:
          this.push(true, 0, VALUE);
          break;
        case 0x43 /* FALSE */:
          this.push(false, 0, VALUE);
          break;
        case 0x40 /* BUILDTUPLE */: {
          const depth = this.popItems('BUILDTUPLE');
          const items = this.popped;
          const t = new Tuple<unknown>();
          for (let i = 0; i < items.length; i++) t.push(items[i]);
          this.push(t, depth, VALUE);
          break;
        }
        case 0x4f /* SET */:
        case 0x45 /* FROZENSET */: {
          const depth = this.popItems(op === 0x4f ? 'SET' : 'FROZENSET');
          const items = this.popped;
          for (const item of items) if (isUnhashable(item)) this.fail(`unhashable set item of type ${typeName(item)}`);
          this.push(op === 0x4f ? new Set(items) : new FrozenSet(items), depth, VALUE);
          break;
        }
        case 0x48 /* LONGINT */:
        case 0x49 /* LONGLONG */: {
          const at = this.pos - 1;
          const n = this.length('LONGINT');
          const digits = readLatin1(bytes, this.pos, this.pos + n);
          this.pos += n;
          if (!/^[+-]?\d{1,4300}$/.test(digits)) this.fail(`LONGINT digits ${JSON.stringify(digits.slice(0, 40))} are not an integer`, at);
          const big = BigInt(digits);
          this.push(big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big, 0, VALUE);
          break;
        }
        case 0x4d /* PY2STRING */: {
          const n = this.length('PY2STRING');
          if (py2strAsPy3str) {
            this.push(readLatin1(bytes, this.pos, this.pos + n), 0, VALUE);
            this.pos += n;
          } else {
            this.push(this.bytesValue(n), 0, VALUE);
          }
          break;
        }
        case 0x53 /* UNICODE */:
          this.push(this.utf8(this.length('UNICODE')), 0, VALUE);
          break;
        case 0x54 /* COMPLEX */: {
          if (this.pos + 16 > end) this.fail(`truncated COMPLEX: need 16 bytes, have ${end - this.pos}`);
          const re = this.float64();
          this.push(new Complex(re, this.float64()), 0, VALUE);
          break;
        }
        case 0x42 /* CHANNEL */: {
          const id = this.int4('CHANNEL');
          if (!channels) this.fail('channel reference without a channel factory', this.pos - 5);
          this.push(channels!.fromId(id), 0, VALUE);
          break;
        }
        case 0x51 /* STOP */:
          if (this.sp !== 1) this.fail(`${this.sp} values on the stack at STOP, expected 1`, this.pos - 1);
          return this.stack[0];
        default:
          this.fail(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`, this.pos - 1);
      }
    }
  }

  private fail(message: string, at = this.pos): never {
    throw new LoadError(`cannot load: ${message}`, at);
  }

  private int4(what: string): number {
    const p = this.pos;
    if (p + 4 > this.end) this.fail(`truncated ${what}: need 4 bytes, have ${this.end - p}`);
    const b = this.bytes;
    this.pos = p + 4;
    return ((b[p] as number) << 24) | ((b[p + 1] as number) << 16) | ((b[p + 2] as number) << 8) | (b[p + 3] as number);
  }

  private length(what: string): number {
    const at = this.pos;
    const n = this.int4(what);
    if (n < 0) this.fail(`negative ${what} length ${n}`, at);
    if (n > this.end - this.pos) this.fail(`truncated ${what}: need ${n} bytes, have ${this.end - this.pos}`, at);
    return n;
  }

  private float64(): number {
    const b = this.bytes;
    const p = this.pos;
    if (littleEndian) for (let i = 0; i < 8; i++) f64Bytes[i] = b[p + 7 - i] as number;
    else for (let i = 0; i < 8; i++) f64Bytes[i] = b[p + i] as number;
    this.pos = p + 8;
    return f64[0] as number;
  }

  private utf8(n: number): string {
    const s = readUtf8(this.bytes, this.pos, this.pos + n);
    if (s === undefined) this.fail('string is not valid utf-8');
    this.pos += n;
    return s;
  }

  /** A dict key from the key cache, or decoded and cached. */
  private cachedKey(n: number): string {
    const b = this.bytes;
    const p = this.pos;
    const slot = n === 0 ? 0 : (n * 131 + (b[p] as number) * 31 + (b[p + n - 1] as number)) & (KEY_CACHE_SIZE - 1);
    const cached = keyCacheBytes[slot];
    if (cached !== undefined && cached.length === n) {
      let same = true;
      for (let i = 0; i < n; i++) {
        if (cached[i] !== b[p + i]) {
          same = false;
          break;
        }
      }
      if (same) {
        this.pos = p + n;
        return keyCacheStrings[slot] as string;
      }
    }
    const key = this.utf8(n);
    keyCacheBytes[slot] = b.slice(p, p + n);
    keyCacheStrings[slot] = key;
    return key;
  }

  private bytesValue(n: number): Uint8Array {
    const p = this.pos;
    const b = this.bytes;
    this.pos = p + n;
    if (!this.copyBytes) return NodeBuffer ? NodeBuffer.from(b.buffer, b.byteOffset + p, n) : b.subarray(p, p + n);
    if (n >= SLAB_VALUE_MAX) return NodeBuffer ? NodeBuffer.from(b.subarray(p, p + n)) : b.slice(p, p + n);
    // Small values are copied into a shared slab: one view allocation each, like Node's pool.
    if (slabUsed + n > SLAB_SIZE) {
      slab = new Uint8Array(SLAB_SIZE);
      slabUsed = 0;
    }
    const off = slabUsed;
    for (let i = 0; i < n; i++) slab[off + i] = b[p + i] as number;
    slabUsed = (off + n + 7) & ~7;
    return NodeBuffer ? NodeBuffer.from(slab.buffer, off, n) : slab.subarray(off, off + n);
  }

  private push(value: unknown, depth: number, kind: number): void {
    if (depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth}`);
    const sp = this.sp;
    if (sp === this.depths.length) this.grow();
    this.stack[sp] = value;
    this.depths[sp] = depth;
    this.kinds[sp] = kind;
    this.sp = sp + 1;
    if (sp >= this.highWater) this.highWater = sp + 1;
  }

  private grow(): void {
    const depths = new Int32Array(this.depths.length * 2);
    depths.set(this.depths);
    this.depths = depths;
    const kinds = new Uint8Array(this.kinds.length * 2);
    kinds.set(this.kinds);
    this.kinds = kinds;
  }

  /** Items taken by the last {@link popItems}. */
  private popped: unknown[] = [];

  /** Pops the count given by the next int4; returns the depth of a container holding them. */
  private popItems(what: string): number {
    const at = this.pos;
    const n = this.int4(what);
    if (n < 0 || n > this.sp) this.fail(`${what} of ${n} items with ${this.sp} on the stack`, at);
    const from = this.sp - n;
    this.popped = this.stack.slice(from, this.sp);
    let depth = 0;
    for (let i = from; i < this.sp; i++) if ((this.depths[i] as number) > depth) depth = this.depths[i] as number;
    this.sp = from;
    return depth + 1;
  }

  private setItem(): void {
    if (this.sp < 3) this.fail('not enough items for setitem');
    const sp = this.sp;
    const value = this.stack[sp - 1];
    const key = this.stack[sp - 2];
    const childDepth = Math.max(this.depths[sp - 1] as number, this.depths[sp - 2] as number) + 1;
    this.sp = sp - 2; // slots above sp keep stale values until overwritten or the decode ends
    const top = sp - 3;
    const target = this.stack[top];
    switch (this.kinds[top]) {
      case LIST: {
        const list = target as unknown[];
        if (typeof key !== 'number' || !Number.isInteger(key)) this.fail('list index is not an int');
        const index = (key as number) < 0 ? (key as number) + list.length : (key as number);
        if (index < 0 || index >= list.length) this.fail(`list index ${key as number} out of range`);
        list[index] = value;
        break;
      }
      case OBJECT: {
        const obj = target as Record<string, unknown>;
        if (typeof key === 'string') {
          this.trackKeyOrder(obj, key);
          // "__proto__" as an own data property, so it cannot reach the prototype.
          if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
          else obj[key] = value;
        } else {
          if (isUnhashable(key)) this.fail(`unhashable dict key of type ${typeName(key)}`);
          // First non-string key: the dict becomes a Map, keeping insertion order.
          const keys = this.keyOrders?.get(obj) ?? Object.keys(obj);
          const map = new Map<unknown, unknown>(keys.map((k) => [k, obj[k]]));
          map.set(key, value);
          this.stack[top] = map;
          this.kinds[top] = MAP;
        }
        break;
      }
      case MAP:
        if (isUnhashable(key)) this.fail(`unhashable dict key of type ${typeName(key)}`);
        (target as Map<unknown, unknown>).set(key, value);
        break;
      default:
        this.fail(`setitem on a ${typeName(target)}`);
    }
    if (childDepth > (this.depths[top] as number)) {
      if (childDepth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth}`);
      this.depths[top] = childDepth;
    }
  }

  /** JavaScript lists integer-like keys first; remember the dict's order should it become a Map. */
  private trackKeyOrder(obj: Record<string, unknown>, key: string): void {
    let order = this.keyOrders?.get(obj);
    if (order === undefined) {
      const c = key.charCodeAt(0);
      if (!(c >= 0x30 && c <= 0x39)) return;
      this.keyOrders ??= new Map();
      this.keyOrders.set(obj, (order = Object.keys(obj)));
    }
    if (!Object.prototype.hasOwnProperty.call(obj, key)) order.push(key);
  }
}

const shared = new ExecnetDecoder();

/** Decodes one value from `bytes` starting at `start` (after the version byte, if any). */
export function decodeExecnet(bytes: Uint8Array, start: number, options: DecodeOptions | undefined): unknown {
  const decoder = shared.busy ? new ExecnetDecoder() : shared;
  return decoder.decode(bytes, start, options);
}

/** Python cannot hash lists, dicts and sets; refusing them keeps loads as strict as Python's. */
function isUnhashable(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if (v instanceof Tuple || v instanceof FrozenSet || v instanceof Complex || v instanceof Uint8Array) return false;
  return Array.isArray(v) || v instanceof Map || v instanceof Set || isPlainObject(v);
}

/** Dicts load as plain objects; nothing else in a loaded value is one. */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

function typeName(v: unknown): string {
  if (v === null) return 'None';
  if (Array.isArray(v)) return v instanceof Tuple ? 'tuple' : 'list';
  if (v instanceof Map || isPlainObject(v)) return 'dict';
  if (v instanceof Set) return 'set';
  return typeof v;
}
