import type { ChannelRefs } from './codec.js';
import { Complex, Float, isFrozenSet } from './values.js';

const CYCLE_CHECK_DEPTH = 32;
const MAX_DEPTH = 10_000;

/** Thrown by {@link assertEncodable}; callers turn it into a DumpError with a path. */
export class NotEncodable extends Error {}

/**
 * Walks a value and throws {@link NotEncodable} if anything in it is outside the value model
 * (or cyclic). Returns true if it holds something msgpack cannot carry as it is: a Map, a Set,
 * an object with an own `__proto__` key, or -0.
 */
export function assertEncodable(value: unknown, channels: ChannelRefs | undefined): boolean {
  const ancestors: object[] = [];
  let needsRewrite = false;
  const visit = (v: unknown): void => {
    switch (typeof v) {
      case 'number':
        if (v === 0 && 1 / v < 0) needsRewrite = true;
        return;
      case 'string':
      case 'boolean':
      case 'bigint':
      case 'undefined':
        return;
      case 'object':
        break;
      default:
        throw new NotEncodable();
    }
    if (v === null || v instanceof Uint8Array || v instanceof Float || v instanceof Complex) return;
    if (channels?.idOf(v) !== undefined) return;
    const depth = ancestors.length;
    if ((depth >= CYCLE_CHECK_DEPTH && ancestors.includes(v)) || depth >= MAX_DEPTH) throw new NotEncodable();
    ancestors.push(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) visit(v[i]);
    } else if (v instanceof Map) {
      needsRewrite = true;
      for (const [key, item] of v) {
        visit(key);
        visit(item);
      }
    } else if (v instanceof Set) {
      if (!isFrozenSet(v)) needsRewrite = true;
      for (const item of v) visit(item);
    } else {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) throw new NotEncodable();
      const obj = v as Record<string, unknown>;
      if (Object.prototype.hasOwnProperty.call(obj, '__proto__')) needsRewrite = true;
      for (const key in obj) visit(obj[key]);
    }
    ancestors.pop();
  };
  visit(value);
  return needsRewrite;
}
