import { openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { env, pid, stderr } from 'node:process';
import { inspect } from 'node:util';

/** One trace function: joins its parts with spaces and writes one line, or does nothing. */
export type DebugLog = (...parts: unknown[]) => void;

// Read once, at import time, as Python execnet does; workers inherit it through the environment.
const setting = env['EXECNET_DEBUG'] ?? '';

/** True when `EXECNET_DEBUG` is set to a non-empty value in this process. */
export const debugEnabled: boolean = setting !== '';

const toStderr = setting === '2';
const filePath = debugEnabled && !toStderr ? join(tmpdir(), `execnet-debug-${pid}`) : undefined;
let fd: number | undefined;

/**
 * Path of this process's trace file (`<tmpdir>/execnet-debug-<pid>`) when `EXECNET_DEBUG` is
 * set to anything but `2`; `undefined` when tracing is off or goes to stderr.
 */
export function debugFilePath(): string | undefined {
  return filePath;
}

function format(parts: unknown[]): string {
  // Strings as-is; Message and friends via their custom inspect (the execnet repr).
  const text = parts.map((part) => (typeof part === 'string' ? part : inspect(part, { breakLength: Infinity, depth: 3 })));
  return text.join(' ');
}

function write(line: string): void {
  try {
    if (toStderr) {
      stderr.write(line);
      return;
    }
    // Opened lazily and written synchronously, so lines survive a crash that follows them.
    fd ??= openSync(filePath!, 'a');
    writeSync(fd, line);
  } catch {
    // Tracing must never break the protocol: a full disk or closed stderr just loses lines.
  }
}

const noop: DebugLog = () => {};

/**
 * Creates the trace function of one component, e.g. `createLog('core:channel')` or
 * `createLog(gateway.id)`. It is a no-op unless `EXECNET_DEBUG` is set:
 * `2` writes `[<pid>] <namespace> <message>` lines to stderr; any other non-empty value
 * appends the same lines to {@link debugFilePath}.
 * @example
 * const log = createLog('gw0');
 * log('received', message); // [4242] gw0 received <Message CHANNEL_DATA channel=1 lendata=6>
 */
export function createLog(namespace: string): DebugLog {
  if (!debugEnabled) return noop;
  return (...parts: unknown[]) => {
    write(`[${pid}] ${namespace} ${format(parts)}\n`);
  };
}

