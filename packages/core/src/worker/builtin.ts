import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * A Node built-in module, loaded when first needed rather than when the worker runtime starts
 * (`worker_threads` costs about half a millisecond, and most workers never start a thread).
 * The runtime bundle has CommonJS `require`; as an ES module (in-process workers) this uses
 * `process.getBuiltinModule` where Node has it, else a `require` made for the working directory.
 */
export function builtin<T>(id: `node:${string}`): T {
  const get = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  if (typeof get === 'function') return get(id) as T;
  try {
    if (typeof require === 'function') return require(id) as T;
  } catch {
    // A bundler's stand-in for `require` in an ES module: fall through.
  }
  return createRequire(join(process.cwd(), 'noop.js'))(id) as T;
}
