/**
 * The CHANNEL_EXEC payload: execnet's 4-tuple `(source, fileName, callName, kwargs)`.
 * JavaScript workers read it as:
 * - `callName === null`: `source` is an async function body with `channel`, `kwargs` and each
 *   kwarg name in scope;
 * - `fileName === null`: `source` is a function expression, called as `fn(channel, kwargs)`;
 * - otherwise `source` is an ES module (from `fileName`), whose export `callName` is called.
 */
export interface ExecRequest {
  source: string;
  fileName: string | null;
  callName: string | null;
  kwargs: Record<string, unknown>;
}

/** Parses a decoded CHANNEL_EXEC payload, checking its shape. */
export function parseExecPayload(value: unknown): ExecRequest {
  if (!Array.isArray(value) || value.length !== 4) throw new TypeError('exec payload is not a 4-tuple');
  const [source, fileName, callName, kwargs] = value as unknown[];
  if (typeof source !== 'string') throw new TypeError('exec source is not a string');
  if (fileName !== null && typeof fileName !== 'string') throw new TypeError('exec file name is not a string');
  if (callName !== null && typeof callName !== 'string') throw new TypeError('exec call name is not a string');
  let args: Record<string, unknown> = {};
  if (kwargs instanceof Map) args = Object.fromEntries([...kwargs].map(([k, v]) => [String(k), v]));
  else if (kwargs && typeof kwargs === 'object') args = kwargs as Record<string, unknown>;
  return { source, fileName: fileName as string | null, callName: callName as string | null, kwargs: args };
}
