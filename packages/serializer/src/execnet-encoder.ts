import type { ChannelRefs } from './codec.js';
import { DumpError } from './errors.js';
import { Opcode } from './opcodes.js';
import { writeUtf8 } from './utf8.js';
import { isComplex, isFloat, isFrozenSet, isTuple } from './values.js';

const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;
const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
/** Containers deeper than this are checked for cycles; shallower ones cannot be cyclic yet. */
const CYCLE_CHECK_DEPTH = 32;
/**
 * Deepest value `dumps` accepts: what `loads` accepts by default (its `maxDepth`). The encoder
 * recurses, and much deeper values would exhaust the stack (Python's recursive dumps stops near 330).
 */
const MAX_DUMP_DEPTH = 1000;
/**
 * Bytes values at least this big are not copied into the encoder's buffer: `encode` copies them
 * once, straight into its result. Smaller ones are copied at once (cheaper than keeping track).
 */
const DIRECT_BYTES_MIN = 4096;

/** Carries the path of a failing value outwards while the encoder unwinds. */
class PathError extends Error {
  readonly segments: string[] = [];
  constructor(
    readonly reason: string,
    /** How many path segments (from the root) to report; a cycle is reported where it first closes. */
    readonly depth?: number,
  ) {
    super(reason);
  }

  path(): string {
    const fromRoot = this.segments.reverse();
    return (this.depth === undefined ? fromRoot : fromRoot.slice(0, this.depth)).join('');
  }
}

/**
 * Encodes values into execnet's stack-machine format (gateway_base.py `_Serializer`).
 * One instance is reused across calls, so its buffer only grows to the largest payload; big
 * bytes values do not go through it. Each result is a new, exactly sized array of its own, which
 * callers may keep (and write out later) while the encoder goes on.
 */
export class ExecnetEncoder {
  private buf = new Uint8Array(64 * 1024);
  private view = new DataView(this.buf.buffer);
  private pos = 0;
  private channels: ChannelRefs | undefined;
  private readonly ancestors: object[] = [];
  /** Big bytes values met so far, to be copied into the result after what precedes them in `buf`… */
  private readonly direct: Uint8Array[] = [];
  /** …where each goes (the position in `buf` it follows) and its length then. */
  private readonly directAt: number[] = [];
  private readonly directLength: number[] = [];
  private directBytes = 0;
  /** True while an encode is running; a reentrant call (from a getter) gets its own encoder. */
  busy = false;

  /**
   * Encodes `value` followed by STOP, after `prefix` (the format version byte, or none), after
   * `reserve` zero bytes.
   */
  encode(value: unknown, channels: ChannelRefs | undefined, prefix: number | undefined, reserve = 0): Uint8Array {
    this.busy = true;
    this.channels = channels;
    if (reserve > 0) {
      this.pos = 0;
      this.ensure(reserve);
      this.buf.fill(0, 0, reserve);
    }
    this.pos = reserve;
    try {
      if (prefix !== undefined) this.byte(prefix);
      this.value(value);
      this.byte(Opcode.STOP);
      if (this.directBytes > 0) return this.assemble();
      return reserve > 0 ? this.outgoing() : this.buf.slice(0, this.pos);
    } catch (error) {
      if (error instanceof PathError) throw new DumpError(error.reason, error.path());
      // Stack exhaustion when called from an already deep stack.
      if (error instanceof RangeError) throw new DumpError(`cannot serialize: ${error.message}`, '', { cause: error });
      throw error;
    } finally {
      this.busy = false;
      this.channels = undefined;
      // (Setting an array's length costs more than the check, and encodes are mostly flat.)
      if (this.ancestors.length > 0) this.ancestors.length = 0;
      if (this.directBytes > 0) this.clearDirect();
      // Don't pin a huge buffer after one big payload.
      if (this.buf.length > 16 * 1024 * 1024) this.resize(64 * 1024);
    }
  }

  /**
   * The result when it is a frame to be written (`reserve`): in Node, a `Buffer` from the pool.
   * A small typed array made by `slice` lives on V8's heap, and the stream it is written to
   * asks for its `.buffer`, which moves it off the heap: that cost more than the copy.
   */
  private outgoing(): Uint8Array {
    if (!NodeBuffer) return this.buf.slice(0, this.pos);
    const n = this.pos;
    const out = NodeBuffer.allocUnsafe(n);
    const buf = this.buf;
    // A small item is copied byte by byte: cheaper than making a view to copy from.
    if (n <= 64) for (let i = 0; i < n; i++) out[i] = buf[i]!;
    else out.set(buf.subarray(0, n));
    return out;
  }

  private clearDirect(): void {
    this.direct.length = 0; // don't pin the caller's bytes
    this.directAt.length = 0;
    this.directLength.length = 0;
    this.directBytes = 0;
  }

  /** What `buf` holds with the big bytes values in their places: each byte copied once. */
  private assemble(): Uint8Array {
    const buf = this.buf;
    // A fresh array (not Buffer.allocUnsafe: that saves nothing here and can be a view of a pool).
    const out = new Uint8Array(this.pos + this.directBytes);
    let from = 0;
    let to = 0;
    for (let i = 0; i < this.direct.length; i++) {
      const at = this.directAt[i] as number;
      const bytes = this.direct[i] as Uint8Array;
      out.set(buf.subarray(from, at), to);
      to += at - from;
      // Only code run by the encoding itself (a getter) could have detached or resized it.
      if (bytes.length !== this.directLength[i]) throw new PathError('cannot serialize bytes whose length changed while encoding');
      out.set(bytes, to);
      to += bytes.length;
      from = at;
    }
    out.set(buf.subarray(from, this.pos), to);
    return out;
  }

  private resize(size: number): void {
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, Math.min(this.pos, size)));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  private ensure(n: number): void {
    const need = this.pos + n;
    if (need > this.buf.length) this.resize(Math.max(need, this.buf.length * 2));
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  private opInt4(op: number, n: number): void {
    this.ensure(5);
    this.buf[this.pos] = op;
    this.view.setInt32(this.pos + 1, n);
    this.pos += 5;
  }

  private value(v: unknown): void {
    switch (typeof v) {
      case 'string':
        return this.string(v);
      case 'number':
        return this.number(v);
      case 'boolean':
        return this.byte(v ? Opcode.TRUE : Opcode.FALSE);
      case 'object':
        if (v === null) return this.byte(Opcode.NONE);
        return this.object(v);
      case 'undefined':
        return this.byte(Opcode.NONE);
      case 'bigint':
        if (v >= INT32_MIN && v <= INT32_MAX) return this.opInt4(Opcode.INT, Number(v));
        return this.longint(v.toString());
      default:
        throw new PathError(`cannot serialize ${typeof v}`);
    }
  }

  private number(v: number): void {
    if (Number.isInteger(v) && !Object.is(v, -0)) {
      if (v >= INT32_MIN && v <= INT32_MAX) return this.opInt4(Opcode.INT, v);
      // Python's dumps crashes on ints below -2**31 (struct.error); LONGINT loads fine there.
      return this.longint(BigInt(v).toString());
    }
    this.float(v);
  }

  private float(v: number): void {
    this.ensure(9);
    this.buf[this.pos] = Opcode.FLOAT;
    this.view.setFloat64(this.pos + 1, v);
    this.pos += 9;
  }

  private longint(digits: string): void {
    this.opInt4(Opcode.LONGINT, digits.length);
    this.ensure(digits.length);
    for (let i = 0; i < digits.length; i++) this.buf[this.pos++] = digits.charCodeAt(i);
  }

  private string(s: string): void {
    this.ensure(5 + s.length * 3);
    const start = this.pos;
    const written = writeUtf8(s, this.buf, start + 5);
    if (written < 0) throw new PathError('cannot serialize string: not utf-8 encodable (lone surrogate)');
    this.buf[start] = Opcode.PY3STRING;
    this.view.setInt32(start + 1, written);
    this.pos = start + 5 + written;
  }

  private bytes(b: Uint8Array): void {
    this.opInt4(Opcode.BYTES, b.length);
    if (b.length >= DIRECT_BYTES_MIN) {
      this.direct.push(b);
      this.directAt.push(this.pos);
      this.directLength.push(b.length);
      this.directBytes += b.length;
      return;
    }
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  private object(v: object): void {
    if (v instanceof Uint8Array) return this.bytes(v);
    // Brand checks, not instanceof, so values made by another copy of the package (ESM/CJS) work.
    if (isFloat(v)) return this.float(v.value);
    if (isComplex(v)) {
      this.ensure(17);
      this.buf[this.pos] = Opcode.COMPLEX;
      this.view.setFloat64(this.pos + 1, v.re);
      this.view.setFloat64(this.pos + 9, v.im);
      this.pos += 17;
      return;
    }
    const channelId = this.channels?.idOf(v);
    if (channelId !== undefined) return this.opInt4(Opcode.CHANNEL, channelId);

    const depth = this.ancestors.length;
    if (depth >= CYCLE_CHECK_DEPTH && this.ancestors.includes(v)) throw new PathError('cannot serialize a cycle', firstRepeat(this.ancestors, v));
    if (depth >= MAX_DUMP_DEPTH) throw new PathError(`cannot serialize: nesting deeper than ${MAX_DUMP_DEPTH}`);
    this.ancestors.push(v);
    if (Array.isArray(v)) {
      if (isTuple(v)) this.tuple(v);
      else this.list(v);
    } else if (v instanceof Map) {
      this.map(v);
    } else if (v instanceof Set) {
      this.set(v);
    } else {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) {
        this.ancestors.pop();
        throw new PathError(`cannot serialize ${describe(v)}`);
      }
      this.plainObject(v as Record<string, unknown>);
    }
    this.ancestors.pop();
  }

  /** Encodes a container element; the path segment is only built when something fails. */
  private child(item: unknown, container: object, key: unknown): void {
    try {
      this.value(item);
    } catch (error) {
      if (error instanceof PathError) error.segments.push(pathSegment(container, key));
      throw error;
    }
  }

  private list(v: unknown[]): void {
    const n = v.length;
    this.opInt4(Opcode.NEWLIST, n);
    for (let i = 0; i < n; i++) {
      this.opInt4(Opcode.INT, i);
      this.child(v[i], v, i);
      this.byte(Opcode.SETITEM);
    }
  }

  private tuple(v: unknown[]): void {
    const n = v.length;
    for (let i = 0; i < n; i++) this.child(v[i], v, i);
    this.opInt4(Opcode.BUILDTUPLE, n);
  }

  private set(v: Set<unknown>): void {
    for (const item of v) this.child(item, v, undefined);
    this.opInt4(isFrozenSet(v) ? Opcode.FROZENSET : Opcode.SET, v.size);
  }

  private map(v: Map<unknown, unknown>): void {
    this.byte(Opcode.NEWDICT);
    for (const [key, item] of v) {
      this.child(key, v, mapKeyMarker);
      this.child(item, v, key);
      this.byte(Opcode.SETITEM);
    }
  }

  private plainObject(v: Record<string, unknown>): void {
    this.byte(Opcode.NEWDICT);
    for (const key in v) {
      if (!Object.prototype.hasOwnProperty.call(v, key)) continue;
      this.string(key);
      this.child(v[key], v, key);
      this.byte(Opcode.SETITEM);
    }
  }
}

const mapKeyMarker = Symbol('map key');

/** Depth of the first place where the cycle through `v` refers back to an ancestor. */
function firstRepeat(ancestors: object[], v: object): number {
  const length = ancestors.length - ancestors.lastIndexOf(v);
  let start = ancestors.lastIndexOf(v);
  while (start > 0 && ancestors[start - 1] === ancestors[start - 1 + length]) start--;
  return start + length;
}

function pathSegment(container: object, key: unknown): string {
  if (Array.isArray(container)) return `[${key as number}]`;
  if (container instanceof Set) return '{…}';
  if (container instanceof Map) return key === mapKeyMarker ? '{key}' : `.get(${shortRepr(key)})`;
  const name = key as string;
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

function describe(v: object): string {
  const name = (v as { constructor?: { name?: string } }).constructor?.name;
  return name ? name : 'object';
}

function shortRepr(key: unknown): string {
  if (typeof key === 'string') return JSON.stringify(key.length > 20 ? `${key.slice(0, 20)}…` : key);
  if (typeof key === 'number' || typeof key === 'bigint' || typeof key === 'boolean' || key === null) return String(key);
  return '…';
}
