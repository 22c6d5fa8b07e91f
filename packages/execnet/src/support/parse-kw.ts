import { UsageError } from './exit-codes.js';

/**
 * Parses `--kw NAME=VALUE` options into remoteExec kwargs. A value that is valid JSON is
 * taken as that JSON value (`n=3`, `flags=[1,2]`, `ok=true`, `s="quoted"`); anything else is a
 * string (`name=world`).
 * @throws {UsageError} an option without `=` or with an empty name, or a name given twice
 */
export function parseKwargs(items: readonly string[]): Record<string, unknown> {
  const kwargs: Record<string, unknown> = {};
  for (const item of items) {
    const at = item.indexOf('=');
    const name = at < 0 ? '' : item.slice(0, at);
    if (!name) throw new UsageError(`--kw expects NAME=VALUE, got '${item}'`);
    if (Object.prototype.hasOwnProperty.call(kwargs, name)) throw new UsageError(`--kw ${name} is given twice`);
    // defineProperty: a name like __proto__ is a key, not the prototype.
    Object.defineProperty(kwargs, name, { value: parseValue(item.slice(at + 1)), enumerable: true, writable: true, configurable: true });
  }
  return kwargs;
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
