import type { ChannelRefs } from './codec.js';
import { isWellFormed } from './utf8.js';
import { Complex, Float, FrozenSet, isComplex, isFloat, isTuple, Tuple } from './values.js';

const CYCLE_CHECK_DEPTH = 32;
const MAX_DEPTH = 1000; // as MAX_DUMP_DEPTH of the execnet encoder
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Thrown by {@link assertEncodable}; callers turn it into a DumpError with a path. */
export class NotEncodable extends Error {}

/**
 * Walks a value and throws {@link NotEncodable} if anything in it is outside the value model
 * (or cyclic, or a string with a lone surrogate). Returns true if it holds something msgpack cannot
 * carry as it is: a Map, a Set, an object with an own `__proto__` key, -0, or an integer beyond 2^53 - 1.
 */
export function assertEncodable(value: unknown, channels: ChannelRefs | undefined): boolean {
  const ancestors: object[] = [];
  let needsRewrite = false;
  const visit = (v: unknown): void => {
    switch (typeof v) {
      case 'number':
        // -0 and integers msgpack would write as floats (or load as numbers at ±2^53).
        if ((v === 0 && 1 / v < 0) || (Number.isInteger(v) && !Number.isSafeInteger(v))) needsRewrite = true;
        return;
      case 'bigint':
        if (v > MAX_SAFE || v < -MAX_SAFE) needsRewrite = true;
        return;
      case 'string':
        if (!isWellFormed(v)) throw new NotEncodable();
        return;
      case 'boolean':
      case 'undefined':
        return;
      case 'object':
        break;
      default:
        throw new NotEncodable();
    }
    if (v === null || v instanceof Uint8Array) return;
    if (isFloat(v) || isComplex(v)) {
      // Another copy's instance (ESM/CJS): msgpackr only knows this copy's classes.
      if (!(v instanceof Float) && !(v instanceof Complex)) needsRewrite = true;
      return;
    }
    if (channels?.idOf(v) !== undefined) return;
    const depth = ancestors.length;
    if ((depth >= CYCLE_CHECK_DEPTH && ancestors.includes(v)) || depth >= MAX_DEPTH) throw new NotEncodable();
    ancestors.push(v);
    if (Array.isArray(v)) {
      if (isTuple(v) && !(v instanceof Tuple)) needsRewrite = true;
      for (let i = 0; i < v.length; i++) visit(v[i]);
    } else if (v instanceof Map) {
      needsRewrite = true;
      for (const [key, item] of v) {
        visit(key);
        visit(item);
      }
    } else if (v instanceof Set) {
      if (!(v instanceof FrozenSet)) needsRewrite = true;
      for (const item of v) visit(item);
    } else {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) throw new NotEncodable();
      const obj = v as Record<string, unknown>;
      if (Object.prototype.hasOwnProperty.call(obj, '__proto__')) needsRewrite = true;
      for (const key in obj) {
        if (!isWellFormed(key)) throw new NotEncodable();
        visit(obj[key]);
      }
    }
    ancestors.pop();
  };
  visit(value);
  return needsRewrite;
}
