import { loadEsbuildSync } from './typescript-source.js';

/**
 * Names a shipped function may use without defining them: what the worker's compiler puts in
 * scope (`require`, esbuild's `__name` helper), CommonJS names, and the globals of the other
 * runtimes a worker may run on. Everything on this process's `globalThis` counts as well.
 */
const WORKER_NAMES = new Set(['require', 'module', 'exports', '__filename', '__dirname', '__name', 'Bun', 'Deno', 'arguments']);

/** Words that are never variables (esbuild's `define` rejects them as keys). */
const RESERVED = new Set(
  ('await break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if implements import in instanceof interface let new null package private protected public return static ' +
    'super switch this throw true try typeof var void while with yield async of get set from as')
    .split(' '),
);

/** Unusual enough never to clash with user code; `define` maps each candidate to it. */
const MARKER = '__execnet_free_c10s__';
const MARKER_USE = new RegExp(`(typeof\\s+)?${MARKER}([\\w$]+)`, 'g');

/** Results by function source; functions are often made anew with the same source. */
const cache = new Map<string, readonly string[] | undefined>();
const CACHE_LIMIT = 512;

/**
 * The variables a function expression uses without defining them, other than globals of the
 * worker: those come from its closure, which does not travel. `typeof x` alone does not count
 * (it is how code probes for globals). Returns `undefined` when the source cannot be analysed
 * here (esbuild, an optional peer dependency, is not installed, or it cannot parse the source):
 * the worker then reports a ReferenceError, with a note naming the function.
 *
 * esbuild does the scope analysis: its `define` replaces only free identifiers, never bound
 * ones, property names or object keys, so each candidate name is defined as a marker and the
 * markers left in the output are exactly the free uses.
 */
export function freeVariables(functionSource: string): readonly string[] | undefined {
  if (cache.has(functionSource)) return cache.get(functionSource);
  const result = analyse(functionSource);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(functionSource, result);
  return result;
}

function analyse(source: string): readonly string[] | undefined {
  const define: Record<string, string> = {};
  let candidates = 0;
  for (const name of new Set(source.match(/[A-Za-z_$][\w$]*/g))) {
    if (RESERVED.has(name) || WORKER_NAMES.has(name) || name in globalThis || name.startsWith(MARKER)) continue;
    define[name] = MARKER + name;
    candidates++;
  }
  if (candidates === 0) return [];
  const esbuild = loadEsbuildSync();
  if (!esbuild) return undefined;
  let output: string;
  try {
    output = esbuild.transformSync(`(${source}\n)`, { loader: 'js', define, logLevel: 'silent' }).code;
  } catch {
    return undefined;
  }
  const used = new Set<string>();
  for (const [, typeofPrefix, name] of output.matchAll(MARKER_USE)) if (!typeofPrefix) used.add(name!);
  return [...used];
}
