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
  // Most items are flat: a primitive needs no walk state.
  if (typeof value !== 'object' || value === null) return primitiveNeedsRewrite(value);
  const walk = new ValueWalk(channels);
  walk.visit(value);
  return walk.needsRewrite;
}

/** What {@link assertEncodable} says of a value that is not an object (or null). */
function primitiveNeedsRewrite(v: unknown): boolean {
  switch (typeof v) {
    case 'number':
      // -0 and integers msgpack would write as floats (or load as numbers at ±2^53).
      return (v === 0 && 1 / v < 0) || (Number.isInteger(v) && !Number.isSafeInteger(v));
    case 'bigint':
      return v > MAX_SAFE || v < -MAX_SAFE;
    case 'string':
      if (!isWellFormed(v)) throw new NotEncodable();
      return false;
    case 'boolean':
    case 'undefined':
      return false;
    case 'object':
      if (v === null) return false;
      break;
  }
  throw new NotEncodable();
}

/** The state of one {@link assertEncodable} walk (a class, not a closure made per call). */
class ValueWalk {
  readonly ancestors: object[] = [];
  needsRewrite = false;

  constructor(readonly channels: ChannelRefs | undefined) {}

  visit(v: unknown): void {
    if (typeof v !== 'object' || v === null) {
      if (primitiveNeedsRewrite(v)) this.needsRewrite = true;
      return;
    }
    if (v instanceof Uint8Array) return;
    if (isFloat(v) || isComplex(v)) {
      // Another copy's instance (ESM/CJS): msgpackr only knows this copy's classes.
      if (!(v instanceof Float) && !(v instanceof Complex)) this.needsRewrite = true;
      return;
    }
    if (this.channels?.idOf(v) !== undefined) return;
    const ancestors = this.ancestors;
    const depth = ancestors.length;
    if ((depth >= CYCLE_CHECK_DEPTH && ancestors.includes(v)) || depth >= MAX_DEPTH) throw new NotEncodable();
    ancestors.push(v);
    if (Array.isArray(v)) {
      if (isTuple(v) && !(v instanceof Tuple)) this.needsRewrite = true;
      for (let i = 0; i < v.length; i++) this.visit(v[i]);
    } else if (v instanceof Map) {
      this.needsRewrite = true;
      for (const [key, item] of v) {
        this.visit(key);
        this.visit(item);
      }
    } else if (v instanceof Set) {
      if (!(v instanceof FrozenSet)) this.needsRewrite = true;
      for (const item of v) this.visit(item);
    } else {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) throw new NotEncodable();
      const obj = v as Record<string, unknown>;
      if (Object.prototype.hasOwnProperty.call(obj, '__proto__')) this.needsRewrite = true;
      for (const key in obj) {
        if (!isWellFormed(key)) throw new NotEncodable();
        this.visit(obj[key]);
      }
    }
    ancestors.pop();
  }
}
