/**
 * Exit codes of the `execnet` command. Kept free of library imports: `cli.ts` loads it before
 * any command (and so before core reads EXECNET_DEBUG).
 */
export const ExitCode = {
  /** Everything worked. */
  OK: 0,
  /** The remote code raised (`RemoteError`), or the work failed (a failed rsync target). */
  FAILED: 1,
  /** The command line is wrong: unknown option, missing argument, unreadable file. */
  USAGE: 2,
  /** No gateway: a bad spec, a worker that did not start, a lost connection, refused authentication. */
  GATEWAY: 3,
} as const;
/** One of the {@link ExitCode} values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A mistake on the command line found by a command (exit code 2). */
export class UsageError extends Error {
  declare readonly name: 'UsageError';
  readonly code = 'ERR_EXECNET_USAGE';
}
Object.defineProperty(UsageError.prototype, 'name', { value: 'UsageError', writable: true, enumerable: false, configurable: true });
