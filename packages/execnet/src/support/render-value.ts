import { inspect } from 'node:util';
import { Channel, Complex, isFrozenSet, isTuple } from 'execnet';

/**
 * Renders one received item as one line for `execnet exec`: a string as it is; anything
 * else JSON-like, with Python's notation where JSON has none: tuples `(1, 2)`, sets `{1, 2}`,
 * `frozenset({…})`, bytes `b"…"`, complex `(1+2j)`, Map keys that are not strings, `NaN`,
 * `Infinity`, and a received channel as `<Channel 4>`. Big integers print as their digits.
 */
export function renderItem(item: unknown): string {
  return typeof item === 'string' ? item : renderValue(item, 0);
}

const MAX_DEPTH = 100;

function renderValue(value: unknown, depth: number): string {
  if (depth > MAX_DEPTH) return '…';
  const nested = (v: unknown): string => renderValue(v, depth + 1);
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return String(value);
    case 'bigint':
      return value.toString();
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    default:
      break;
  }
  if (value instanceof Uint8Array) return renderBytes(value);
  if (isTuple(value)) return value.length === 1 ? `(${nested(value[0])},)` : `(${value.map(nested).join(', ')})`;
  if (Array.isArray(value)) return `[${value.map(nested).join(', ')}]`;
  if (isFrozenSet(value)) return `frozenset(${value.size ? renderSet(value, nested) : ''})`;
  if (value instanceof Set) return value.size ? renderSet(value, nested) : 'set()';
  if (value instanceof Map) return `{${[...value].map(([k, v]) => `${nested(k)}: ${nested(v)}`).join(', ')}}`;
  if (value instanceof Complex) return value.toString();
  if (value instanceof Channel) return `<Channel ${value.id}>`;
  if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${nested(v)}`).join(', ')}}`;
  }
  return inspect(value, { breakLength: Infinity, depth: 4 });
}

function renderSet(set: Set<unknown>, nested: (v: unknown) => string): string {
  return `{${[...set].map(nested).join(', ')}}`;
}

/** Bytes as a JSON-style string with a `b` prefix; bytes outside printable ASCII as `\xNN`. */
function renderBytes(bytes: Uint8Array): string {
  let text = 'b"';
  for (const byte of bytes) {
    if (byte === 0x22) text += '\\"';
    else if (byte === 0x5c) text += '\\\\';
    else if (byte === 0x0a) text += '\\n';
    else if (byte === 0x0d) text += '\\r';
    else if (byte === 0x09) text += '\\t';
    else if (byte >= 0x20 && byte < 0x7f) text += String.fromCharCode(byte);
    else text += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `${text}"`;
}
