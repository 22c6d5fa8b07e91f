import { kwargVariableNames } from '../kwarg-names.js';
import type { ExecRequest } from './exec-payload.js';

/** What remote code is compiled into: called with the channel and the keyword arguments. */
export type RemoteFunction = (channel: unknown, kwargs: Record<string, unknown>) => unknown;

let counter = 0;

/**
 * How the runtime evaluates remote code and imports modules. The defaults work where the
 * runtime itself was evaluated as a plain script (exec threads, in-process workers); a worker
 * whose runtime was compiled by `vm.Script` gets these from its bootstrap script instead,
 * because code compiled by `vm` — and code it evaluates — cannot use dynamic `import()`.
 */
export interface CompileHost {
  /** Indirect eval: runs `code` in the global scope and returns its completion value. */
  evaluate(code: string): unknown;
  /** Dynamic `import()`. */
  importModule(specifier: string): Promise<unknown>;
}

// Indirect eval runs in the global scope: remote code sees globals, not this module's locals.
const indirectEval: (code: string) => unknown = eval;
let host: CompileHost = { evaluate: (code) => indirectEval(code), importModule: (specifier) => import(specifier) };

/** Sets how remote code is evaluated and modules imported (see {@link CompileHost}). */
export function setCompileHost(value: CompileHost): void {
  host = value;
}

let roundTripRan = false;

/**
 * Whether remote code that sent items ran to its end in this worker: then the runtime's paths
 * from a frame to remote code and back have run, and a V8 code cache made now covers them (see
 * worker-script.ts). Only the first worker of a runtime writes the cache, so one that covered
 * less (remote code that exits the process, or sends nothing) would slow every later start.
 */
export function codeCacheCovered(): boolean {
  return roundTripRan;
}

/** Remote code ran to its end after sending items (see {@link codeCacheCovered}). */
export function noteRoundTrip(): void {
  roundTripRan = true;
}

/**
 * Functions compiled by esbuild with `keepNames` (as tsx does for TypeScript callers) call a
 * `__name` helper from their module; a shipped function needs one where it runs.
 */
function installNameHelper(): void {
  const g = globalThis as { __name?: unknown };
  if (typeof g.__name === 'function') return;
  Object.defineProperty(globalThis, '__name', {
    value: (target: object, value: string) => Object.defineProperty(target, 'name', { value, configurable: true }),
    configurable: true,
    writable: true,
  });
}

/**
 * Compiles remote code. Indirect eval (not `vm`) keeps dynamic `import()` working; the
 * `sourceURL` comment names the code in stack traces, and line 1 of the user's source is
 * line 1 there, so remote stacks point into the user's code.
 */
export async function compileRemote(request: ExecRequest, localRequire: unknown): Promise<RemoteFunction> {
  const { source, fileName, callName } = request;
  installNameHelper();
  // Function-form code expects `require` like any CommonJS code (exec threads lack the global).
  if (typeof (globalThis as { require?: unknown }).require !== 'function' && typeof localRequire === 'function') {
    Object.defineProperty(globalThis, 'require', { value: localRequire, configurable: true, writable: true });
  }
  if (callName === null) {
    const names = kwargVariableNames(request.kwargs);
    const url = fileName ?? `remote-exec-${++counter}.js`;
    const params = ['channel', 'kwargs', 'require', ...names].join(', ');
    const fn = host.evaluate(`(async function remoteExec(${params}) {${source}\n})\n//# sourceURL=${url}`) as (
      ...args: unknown[]
    ) => unknown;
    return (channel, kwargs) => fn(channel, kwargs, localRequire, ...names.map((n) => kwargs[n]));
  }
  if (fileName === null) {
    const fn = host.evaluate(`(${source}\n)\n//# sourceURL=${callName || 'anonymous'}.remote.js`);
    if (typeof fn !== 'function') throw new TypeError(`remote function source did not evaluate to a function`);
    return fn as RemoteFunction;
  }
  if (fileName.startsWith(BUNDLE_PREFIX)) return loadBundle(request, localRequire);
  const code = `${source}\n//# sourceURL=${fileName}`;
  const mod = (await host.importModule(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as Record<string, unknown>;
  const fn = mod[callName];
  if (typeof fn !== 'function') throw new TypeError(`module ${fileName} has no function export '${callName}'`);
  return fn as RemoteFunction;
}

const BUNDLE_PREFIX = 'execnet-bundle/';
/** Module bundles shipped by the master, by content hash: each arrives once per worker. */
const bundles = new Map<string, Record<string, unknown>>();

/** Runs (once) or reuses a CommonJS bundle of a module; its export `callName` is called. */
function loadBundle(request: ExecRequest, localRequire: unknown): RemoteFunction {
  const fileName = request.fileName!;
  const hash = fileName.slice(BUNDLE_PREFIX.length, fileName.indexOf(':'));
  let exports = bundles.get(hash);
  if (!exports) {
    if (!request.source) throw new Error(`module bundle ${hash} is not cached in this worker`);
    const module = { exports: {} as Record<string, unknown> };
    const wrapper = host.evaluate(
      `(function (exports, require, module, __filename, __dirname) {${request.source}\n})\n//# sourceURL=${BUNDLE_PREFIX}${hash}.js`,
    ) as (...args: unknown[]) => void;
    wrapper(module.exports, localRequire, module, `${BUNDLE_PREFIX}${hash}.js`, process.cwd());
    exports = module.exports;
    bundles.set(hash, exports);
  }
  const fn = exports[request.callName!];
  if (typeof fn !== 'function') throw new TypeError(`module ${fileName.slice(fileName.indexOf(':') + 1)} has no function export '${request.callName}'`);
  return fn as RemoteFunction;
}
