import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Group, type Gateway, type RemoteCode } from 'execnet';
import { ExitCode, UsageError } from '../support/exit-codes.js';
import { parseKwargs } from '../support/parse-kw.js';
import { readCodeFile, writeOut } from '../support/read-input.js';
import { renderItem } from '../support/render-value.js';

/** Options of `execnet exec`, as the command line gives them. */
export interface ExecCommandOptions {
  /** `-e CODE`. */
  eval?: string;
  /** `--kw NAME=VALUE`, repeatable. */
  kw?: string[];
  /** `--call NAME`: for a Python worker, the function to call as `NAME(channel, **kwargs)`. */
  call?: string;
  /** `--timeout MS`: how long the worker may take to start. */
  timeout?: number;
}

/**
 * `execnet exec SPEC (FILE | -e CODE)`: starts a gateway, runs the code there and prints every
 * item the code sends, one line each, until the code ends. The worker's own stdout/stderr go to
 * this process's stdout/stderr.
 * @returns the exit code (0); errors are thrown and reported by the caller
 * @throws {UsageError} neither or both of FILE and -e, an unreadable file, bad --kw
 */
export async function execCommand(spec: string, file: string | undefined, options: ExecCommandOptions): Promise<ExitCode> {
  if ((file === undefined) === (options.eval === undefined)) throw new UsageError('give the code as a FILE or with -e CODE (one of them)');
  const kwargs = parseKwargs(options.kw ?? []);
  const source = file === undefined ? options.eval! : readCodeFile(file);
  const group = new Group();
  try {
    const gw = await group.makeGateway(spec, {
      timeout: options.timeout,
      onOutput: (text, stream) => void process[stream].write(text),
    });
    const channel = gw.remoteExec(remoteCode(gw, source, file, options.call, kwargs), gw.remoteKind === 'python' ? undefined : kwargs);
    for await (const item of channel) await writeOut(process.stdout, `${renderItem(item)}\n`);
    return ExitCode.OK;
  } finally {
    await group.terminate({ timeout: 2000 });
  }
}

/** What to hand to remoteExec for this worker kind. */
function remoteCode(gw: Gateway, source: string, file: string | undefined, call: string | undefined, kwargs: Record<string, unknown>): RemoteCode {
  if (gw.remoteKind === 'python') {
    if (call === undefined && Object.keys(kwargs).length) throw new UsageError('a Python worker takes --kw only with --call NAME (the function to call)');
    return { source, call, kwargs, fileName: file && file !== '-' ? file : undefined };
  }
  if (call !== undefined) throw new UsageError('--call is for Python workers; JavaScript code gets the kwargs in scope');
  // An ES module file: its default export is called as fn(channel, kwargs).
  if (file !== undefined && file !== '-' && extname(file) === '.mjs') return pathToFileURL(resolve(file));
  return source;
}
