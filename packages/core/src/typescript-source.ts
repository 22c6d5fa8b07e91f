import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => unknown;

/**
 * Remote code given as a string may be TypeScript. Plain JavaScript is sent as it is; a body
 * that does not parse as JavaScript gets its type annotations stripped by esbuild (an optional
 * peer dependency) and is sent when that works. Otherwise the original goes, and the worker
 * reports the SyntaxError.
 */
export function toJavaScriptBody(body: string, params: readonly string[]): string {
  try {
    new AsyncFunction(...params, body);
    return body;
  } catch (error) {
    if (!(error instanceof SyntaxError)) return body;
  }
  const known = stripped.get(body);
  if (known !== undefined) return known;
  const result = stripTypes(body);
  if (stripped.size >= STRIPPED_LIMIT) stripped.clear();
  stripped.set(body, result);
  return result;
}

/** Stripped bodies by source (stripping does not depend on the parameters): the same TypeScript string is sent again and again. */
const stripped = new Map<string, string>();
const STRIPPED_LIMIT = 256;

function stripTypes(body: string): string {
  const esbuild = loadEsbuildSync();
  if (!esbuild) return body;
  try {
    // Wrapped so top-level `await` and `return` are legal, then unwrapped again.
    const wrapped = `async function __execnet_body__() {\n${body}\n}`;
    const out = esbuild.transformSync(wrapped, { loader: 'ts', format: 'esm', target: 'es2022' }).code;
    const start = out.indexOf('{') + 1;
    const end = out.lastIndexOf('}');
    return out.slice(start, end).replace(/^\n/, '');
  } catch {
    return body;
  }
}

/** esbuild, looked up from the working directory, the main script and this package; or undefined. */
export function loadEsbuildSync(): typeof import('esbuild') | undefined {
  for (const base of [join(process.cwd(), 'noop.js'), process.argv[1], fileURLToPath(import.meta.url)]) {
    if (!base) continue;
    try {
      return createRequire(base)('esbuild') as typeof import('esbuild');
    } catch {
      // Try the next place.
    }
  }
  return undefined;
}
