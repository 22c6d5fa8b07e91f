/** The `require` of the code that started the worker runtime (see {@link setBuiltinRequire}). */
let fallbackRequire: ((id: string) => unknown) | undefined;

/**
 * Gives {@link builtin} the `require` to use where `process.getBuiltinModule` is missing (Node
 * before 20.16): the loader's (worker processes, exec threads) or the in-process worker's.
 */
export function setBuiltinRequire(localRequire: unknown): void {
  if (typeof localRequire === 'function' && !fallbackRequire) fallbackRequire = localRequire as (id: string) => unknown;
}

/**
 * A Node built-in module, loaded when first needed rather than when the worker runtime starts
 * (`worker_threads` costs about half a millisecond, and most workers never start a thread).
 */
export function builtin<T>(id: `node:${string}`): T {
  const get = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  if (typeof get === 'function') return get(id) as T;
  if (fallbackRequire) return fallbackRequire(id) as T;
  // The runtime bundle is CommonJS: its own `require` is there.
  return require(id) as T;
}
