import { isDataFormatError, isExecnetError, RemoteError } from 'execnet';
import { ExitCode, UsageError } from './exit-codes.js';

/** Options of {@link reportError}. */
export interface ReportOptions {
  /** Prefix of the line, e.g. `execnet exec`. */
  command: string;
  /** Print the stack (and the chain of causes) too. */
  debug: boolean;
  /** Where to write. @default process.stderr */
  write?: (text: string) => void;
}

/**
 * The exit code for an error: 2 for a usage error, 1 for a remote error or failed work,
 * 3 for everything about making or keeping a gateway (see {@link ExitCode}).
 */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof UsageError) return ExitCode.USAGE;
  if (isRemoteError(error)) return ExitCode.FAILED;
  if (isDataFormatError(error)) return ExitCode.FAILED;
  if (isExecnetError(error)) {
    // Errors of the work itself (rsync's per-file and per-target errors) are failures; every
    // other library error means the gateway could not be made or was lost.
    return /^ERR_EXECNET_RSYNC/.test(error.code) ? ExitCode.FAILED : ExitCode.GATEWAY;
  }
  return ExitCode.FAILED;
}

/**
 * Writes an error as one clear line (`execnet exec: cannot start worker …`), followed by the
 * remote traceback of a `RemoteError` and the worker's last stderr lines when the message has
 * them; with `debug`, the local stack and causes too. Returns its exit code.
 */
export function reportError(error: unknown, options: ReportOptions): ExitCode {
  const write = options.write ?? ((text: string) => void process.stderr.write(text));
  const message = error instanceof Error ? error.message : String(error);
  const [first = '', ...rest] = message.split('\n');
  if (isRemoteError(error)) {
    // The remote traceback as the worker wrote it (execnet keeps it intact too).
    write(`${options.command}: remote code failed:\n${error.formatted.replace(/\n+$/, '')}\n`);
  } else {
    write(`${options.command}: ${first}\n`);
    if (rest.length) write(indentBlock(rest.join('\n')));
  }
  if (options.debug) {
    let cause: unknown = error;
    for (let depth = 0; cause instanceof Error && depth < 5; depth++, cause = cause.cause) {
      write(`${depth ? 'caused by: ' : ''}${cause.stack ?? cause.message}\n`);
    }
  }
  return exitCodeFor(error);
}

function isRemoteError(error: unknown): error is RemoteError {
  return isExecnetError(error) && error.code === 'ERR_EXECNET_REMOTE';
}

function indentBlock(text: string): string {
  const lines = text.replace(/\n+$/, '').split('\n');
  return `${lines.map((line) => `  ${line}`).join('\n')}\n`;
}
