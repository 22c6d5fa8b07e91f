import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Tuple, tuple } from '@execnet/serializer';
import { freeVariables } from './closure-check.js';
import { ClosureError } from './errors.js';
import { kwargVariableNames } from './kwarg-names.js';
import { toJavaScriptBody } from './typescript-source.js';

/**
 * Python code for a Python worker, as Python execnet's `remote_exec` takes it: `source` is run as
 * a module; with `call`, the function of that name is then called as `call(channel, **kwargs)`.
 */
export interface PythonCode {
  source: string;
  call?: string;
  kwargs?: Record<string, unknown>;
  /** File name shown in Python tracebacks. */
  fileName?: string;
}

/**
 * Remote code: for JavaScript workers a function body (string), a function, or the URL of an
 * ES module; for Python workers Python source (string) or a {@link PythonCode}.
 */
export type RemoteCode = string | ((channel: never, kwargs: never) => unknown) | URL | PythonCode;

/**
 * Builds execnet's CHANNEL_EXEC 4-tuple `(source, fileName, callName, kwargs)` for a
 * JavaScript worker (see `worker/exec-payload.ts` for how the worker reads it).
 */
export function execPayload(code: RemoteCode, kwargs: Record<string, unknown> | undefined, remoteKind: 'js' | 'python' = 'js'): Tuple {
  if (remoteKind === 'python') return pythonExecPayload(code, kwargs);
  const args = kwargs ?? {};
  if (typeof code === 'string') {
    const params = ['channel', 'kwargs', 'require', ...kwargVariableNames(args)];
    return tuple<unknown>(toJavaScriptBody(dedent(code), params), null, null, args);
  }
  if (typeof code === 'function') {
    const source = Function.prototype.toString.call(code);
    if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) throw new TypeError('cannot send a native or bound function to a worker');
    if (/^\s*class[\s{]/.test(source)) throw new TypeError('remoteExec expects a function, not a class');
    const expression = functionExpression(source);
    const free = freeVariables(expression);
    if (free?.length) throw new ClosureError(code.name || 'anonymous', free);
    return tuple<unknown>(expression, null, code.name || 'anonymous', args);
  }
  if (code instanceof URL) {
    if (code.protocol !== 'file:') throw new TypeError(`remoteExec supports file: module URLs, not ${code.protocol}`);
    return tuple<unknown>(readFileSync(fileURLToPath(code), 'utf8'), code.href, 'default', args);
  }
  throw new TypeError('remoteExec expects a source string, a function or a module URL for a JavaScript worker');
}

/** The payload for a Python worker, with Python execnet's own rules. */
function pythonExecPayload(code: RemoteCode, kwargs: Record<string, unknown> | undefined): Tuple {
  if (typeof code === 'string') {
    if (kwargs && Object.keys(kwargs).length) throw new TypeError("can't pass kwargs to a Python source string: use { source, call, kwargs }");
    return tuple<unknown>(dedent(code), null, null, {});
  }
  if (code && typeof code === 'object' && !(code instanceof URL) && typeof code.source === 'string') {
    const args = { ...(code.kwargs ?? {}), ...(kwargs ?? {}) };
    if (code.call === undefined && Object.keys(args).length) throw new TypeError("kwargs need a function to call: set { call: 'name' }");
    return tuple<unknown>(dedent(code.source), code.fileName ?? null, code.call ?? null, args);
  }
  throw new TypeError('a Python worker runs Python source: pass a string or { source, call, kwargs }');
}

/** Function source as an expression: methods written as `name(ch) {}` get a `function` keyword. */
function functionExpression(source: string): string {
  const isArrow = /^(async\s*)?(\([^)]*\)|[\w$]+)\s*=>/.test(source);
  const isFunction = /^(async\s+)?function\b/.test(source);
  if (isArrow || isFunction) return source;
  const isAsync = /^async\s/.test(source);
  return `${isAsync ? 'async ' : ''}function ${source.replace(/^async\s+/, '')}`;
}

/** Strips the common indentation, so indented template literals work (execnet dedents too). */
export function dedent(source: string): string {
  // Blank first lines are kept, so remote line numbers match the caller's string.
  const lines = source.split('\n');
  let indent = Infinity;
  for (const line of lines) {
    if (!line.trim()) continue;
    indent = Math.min(indent, line.length - line.trimStart().length);
  }
  if (indent === Infinity || indent === 0) return lines.join('\n');
  return lines.map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length))).join('\n');
}
