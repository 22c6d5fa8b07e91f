import type { DecodeOptions } from './codec.js';
import { LoadError } from './errors.js';
import { Opcode } from './opcodes.js';
import { readLatin1, readUtf8 } from './utf8.js';
import { Complex, FrozenSet, Tuple } from './values.js';

const DEFAULT_MAX_DEPTH = 1000;
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;

/**
 * Decodes execnet's stack-machine format (gateway_base.py `Unserializer`), defensively:
 * every length is checked against the bytes left and nesting depth is bounded, so any
 * input yields a value or a {@link LoadError}.
 *
 * `depths[i]` is the container nesting depth of `stack[i]` (0 for scalars).
 */
export function decodeExecnet(bytes: Uint8Array, start: number, options: DecodeOptions | undefined): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length;
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
  const copyBytes = options?.copyBytes ?? true;
  const alwaysMap = options?.alwaysMap ?? false;
  const py2strAsPy3str = options?.py2strAsPy3str ?? false;
  const py3strAsPy2str = options?.py3strAsPy2str ?? false;
  const channels = options?.channels;
  const stack: unknown[] = [];
  const depths: number[] = [];
  /** Key order of dicts holding integer-like string keys, which objects do not keep. */
  let keyOrders: Map<object, string[]> | undefined;
  let pos = start;

  const fail = (message: string, at = pos): never => {
    throw new LoadError(`cannot load: ${message}`, at);
  };
  const int4 = (what: string): number => {
    if (pos + 4 > end) fail(`truncated ${what}: need 4 bytes, have ${end - pos}`);
    const n = view.getInt32(pos);
    pos += 4;
    return n;
  };
  const length = (what: string): number => {
    const at = pos;
    const n = int4(what);
    if (n < 0) fail(`negative ${what} length ${n}`, at);
    if (n > end - pos) fail(`truncated ${what}: need ${n} bytes, have ${end - pos}`, at);
    return n;
  };
  const push = (value: unknown, depth: number): void => {
    if (depth > maxDepth) fail(`nesting deeper than ${maxDepth}`);
    stack.push(value);
    depths.push(depth);
  };
  const popItems = (what: string): [unknown[], number] => {
    const at = pos;
    const n = int4(what);
    if (n < 0 || n > stack.length) fail(`${what} of ${n} items with ${stack.length} on the stack`, at);
    const items = stack.splice(stack.length - n, n);
    let depth = 0;
    for (const d of depths.splice(depths.length - n, n)) if (d > depth) depth = d;
    return [items, depth + 1];
  };
  const bytesValue = (n: number): Uint8Array => {
    const sub = bytes.subarray(pos, pos + n);
    pos += n;
    if (!copyBytes) return NodeBuffer ? NodeBuffer.from(sub.buffer, sub.byteOffset, sub.byteLength) : sub;
    return NodeBuffer ? NodeBuffer.from(sub) : sub.slice();
  };

  for (;;) {
    if (pos >= end) fail('truncated input: no STOP opcode');
    const op = bytes[pos++] as number;
    switch (op) {
      case Opcode.INT:
      case Opcode.LONG:
        push(int4('INT'), 0);
        break;
      case Opcode.PY3STRING: {
        const n = length('string');
        if (py3strAsPy2str) {
          push(bytesValue(n), 0);
        } else {
          const s = readUtf8(bytes, pos, pos + n);
          if (s === undefined) fail('string is not valid utf-8');
          pos += n;
          push(s, 0);
        }
        break;
      }
      case Opcode.SETITEM: {
        if (stack.length < 3) fail('not enough items for setitem');
        const value = stack.pop();
        const valueDepth = depths.pop() as number;
        const key = stack.pop();
        const keyDepth = depths.pop() as number;
        const top = stack.length - 1;
        const target = stack[top];
        if (Array.isArray(target)) {
          if (target instanceof Tuple) fail('setitem on a tuple');
          if (typeof key !== 'number' || !Number.isInteger(key)) fail('list index is not an int');
          const index = (key as number) < 0 ? (key as number) + target.length : (key as number);
          if (index < 0 || index >= target.length) fail(`list index ${key as number} out of range`);
          target[index] = value;
        } else if (target instanceof Map) {
          if (isUnhashable(key)) fail(`unhashable dict key of type ${typeName(key)}`);
          target.set(key, value);
        } else if (isPlainObject(target)) {
          if (typeof key === 'string') {
            // JavaScript lists integer-like keys first; remember the dict's order should it become a Map.
            let order = keyOrders?.get(target);
            if (order === undefined && isDigit(key.charCodeAt(0))) {
              keyOrders ??= new Map();
              keyOrders.set(target, (order = Object.keys(target)));
            }
            if (order !== undefined && !Object.prototype.hasOwnProperty.call(target, key)) order.push(key);
            // An own data property, so a "__proto__" key cannot reach the prototype.
            Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
          } else {
            if (isUnhashable(key)) fail(`unhashable dict key of type ${typeName(key)}`);
            // First non-string key: the dict becomes a Map, keeping insertion order.
            const keys = keyOrders?.get(target) ?? Object.keys(target);
            const map = new Map<unknown, unknown>(keys.map((k) => [k, target[k]]));
            map.set(key, value);
            stack[top] = map;
          }
        } else {
          fail(`setitem on a ${typeName(target)}`);
        }
        const d = Math.max(valueDepth, keyDepth) + 1;
        if (d > (depths[top] as number)) {
          if (d > maxDepth) fail(`nesting deeper than ${maxDepth}`);
          depths[top] = d;
        }
        break;
      }
      case Opcode.NEWDICT: {
        push(alwaysMap ? new Map() : {}, 1);
        break;
      }
      case Opcode.NEWLIST: {
        const at = pos;
        let n = int4('NEWLIST');
        if (n < 0) n = 0; // Python builds [None] * n, which is [] for negative n
        // Each element needs at least 11 bytes (INT index, value, SETITEM); refuse absurd counts early.
        if (n > end - pos) fail(`list of ${n} items longer than the input`, at);
        push(new Array(n).fill(null), 1);
        break;
      }
      case Opcode.BYTES:
        push(bytesValue(length('BYTES')), 0);
        break;
      case Opcode.FLOAT:
        if (pos + 8 > end) fail(`truncated FLOAT: need 8 bytes, have ${end - pos}`);
        push(view.getFloat64(pos), 0);
        pos += 8;
        break;
      case Opcode.NONE:
        push(null, 0);
        break;
      case Opcode.TRUE:
        push(true, 0);
        break;
      case Opcode.FALSE:
        push(false, 0);
        break;
      case Opcode.BUILDTUPLE: {
        const [items, depth] = popItems('BUILDTUPLE');
        push(Tuple.from(items), depth);
        break;
      }
      case Opcode.SET:
      case Opcode.FROZENSET: {
        const [items, depth] = popItems(op === Opcode.SET ? 'SET' : 'FROZENSET');
        for (const item of items) if (isUnhashable(item)) fail(`unhashable set item of type ${typeName(item)}`);
        push(op === Opcode.SET ? new Set(items) : new FrozenSet(items), depth);
        break;
      }
      case Opcode.LONGINT:
      case Opcode.LONGLONG: {
        const at = pos - 1;
        const n = length('LONGINT');
        const digits = readLatin1(bytes, pos, pos + n);
        pos += n;
        if (!/^[+-]?\d{1,4300}$/.test(digits)) fail(`LONGINT digits ${JSON.stringify(digits.slice(0, 40))} are not an integer`, at);
        const big = BigInt(digits);
        push(big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big, 0);
        break;
      }
      case Opcode.PY2STRING: {
        const n = length('PY2STRING');
        if (py2strAsPy3str) {
          push(readLatin1(bytes, pos, pos + n), 0);
          pos += n;
        } else {
          push(bytesValue(n), 0);
        }
        break;
      }
      case Opcode.UNICODE: {
        const n = length('UNICODE');
        const s = readUtf8(bytes, pos, pos + n);
        if (s === undefined) fail('string is not valid utf-8');
        pos += n;
        push(s, 0);
        break;
      }
      case Opcode.COMPLEX:
        if (pos + 16 > end) fail(`truncated COMPLEX: need 16 bytes, have ${end - pos}`);
        push(new Complex(view.getFloat64(pos), view.getFloat64(pos + 8)), 0);
        pos += 16;
        break;
      case Opcode.CHANNEL: {
        const id = int4('CHANNEL');
        if (!channels) fail('channel reference without a channel factory', pos - 5);
        push(channels!.fromId(id), 0);
        break;
      }
      case Opcode.STOP:
        if (stack.length !== 1) fail(`${stack.length} values on the stack at STOP, expected 1`, pos - 1);
        return stack[0];
      default:
        fail(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`, pos - 1);
    }
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
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
