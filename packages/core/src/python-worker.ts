import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SpecError } from './errors.js';
import { splitShellWords } from './shell-words.js';
import { shellQuote, type WorkerCommand } from './worker-command.js';

/** The line a Python interpreter starts with: read one line, eval it to a string, exec that. */
export const PYTHON_BOOTSTRAP_LINE = 'import sys;exec(eval(sys.stdin.readline()))';

/** Exec models of Python execnet workers. */
export const PYTHON_EXEC_MODELS = ['thread', 'main_thread_only', 'eventlet', 'gevent'] as const;

/** Where the Python execnet whose worker source we ship lives. */
export interface PythonExecnet {
  /** The interpreter that imported it. */
  python: string;
  /** Text of its `execnet/gateway_base.py`. */
  gatewayBase: string;
  /** Its version, e.g. `1.9.0`. */
  version: string;
  /** The folder of the `execnet` package, where its other modules are. */
  directory: string;
}

let located: Promise<PythonExecnet> | undefined;

/**
 * Finds a Python execnet on this (the master's) machine: `EXECNET_PYTHON`, then `python3`,
 * `/usr/bin/python3` and `python`. Its `gateway_base.py` is what Python workers run, exactly
 * as Python execnet bootstraps them; nothing of it is copied into this package.
 * @throws {SpecError} when no interpreter here can import execnet
 */
export function locatePythonExecnet(): Promise<PythonExecnet> {
  located ??= (async () => {
    const candidates = [process.env.EXECNET_PYTHON, 'python3', '/usr/bin/python3', 'python'].filter(Boolean) as string[];
    for (const python of candidates) {
      const found = await probe(python);
      if (found) return found;
    }
    located = undefined;
    throw new SpecError(
      `python workers need Python execnet on this machine: none of ${candidates.join(', ')} can import execnet ` +
        `(install python3-execnet or \`pip install execnet\`, or set EXECNET_PYTHON)`,
      { item: 'python' },
    );
  })();
  return located;
}

/**
 * The text of another module of the Python execnet found by {@link locatePythonExecnet}, e.g.
 * `rsync_remote`: sent to Python workers at run time, as Python execnet does.
 * @throws {SpecError} when no interpreter here can import execnet
 */
export async function pythonExecnetModuleSource(name: string): Promise<string> {
  const { directory } = await locatePythonExecnet();
  return readFile(join(directory, `${name}.py`), 'utf8');
}

function probe(python: string): Promise<PythonExecnet | undefined> {
  const script = 'import execnet, execnet.gateway_base as g; print(g.__file__); print(execnet.__version__)';
  return new Promise((resolve) => {
    execFile(python, ['-c', script], { timeout: 10_000 }, (error, stdout) => {
      if (error) return resolve(undefined);
      const [file, version] = stdout.trim().split('\n');
      readFile(file!, 'utf8').then(
        (gatewayBase) => resolve({ python, gatewayBase, version: version ?? 'unknown', directory: dirname(file!) }),
        () => resolve(undefined),
      );
    });
  });
}

/** A Python string literal for any text, in ASCII (the worker decodes stdin in its locale). */
export function pythonStringLiteral(text: string): string {
  let out = "'";
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else if (c <= 0xff) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c <= 0xffff) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += `\\U${c.toString(16).padStart(8, '0')}`;
  }
  return `${out}'`;
}

/**
 * The bootstrap line of Python execnet's `bootstrap_exec`: the `gateway_base` source, then
 * code that sets up the worker's I/O, answers the handshake and serves.
 */
export function pythonBootstrap(gatewayBase: string, execModel: string, workerId: string): Uint8Array {
  const source = [
    gatewayBase,
    `execmodel = get_execmodel(${pythonStringLiteral(execModel)})`,
    'io = init_popen_io(execmodel)',
    "io.write('1'.encode('ascii'))",
    `serve(io, id=${pythonStringLiteral(workerId)})`,
  ].join('\n');
  return Buffer.from(`${pythonStringLiteral(source)}\n`, 'ascii');
}

/** How a Python worker is started: `python -u [-B] -c <bootstrap line>`, protocol on stdin/stdout. */
export function pythonWorkerCommand(command: string | undefined, dontWriteBytecode: boolean): WorkerCommand {
  const words = command ? splitShellWords(command) : [];
  const flags = ['-u', ...(dontWriteBytecode ? ['-B'] : []), '-c', PYTHON_BOOTSTRAP_LINE];
  return {
    runtime: 'python',
    executable: words[0],
    args: [...words.slice(1), ...flags],
    protocol: 'stdio',
    argv: (defaultExecutable) => (words.length ? [...words, ...flags] : [defaultExecutable, ...flags]),
    // As Python execnet: the command goes to the remote login shell as it is.
    shellCommand: (defaultExecutable) => `${command ?? defaultExecutable} -c ${shellQuote(PYTHON_BOOTSTRAP_LINE)}`,
  };
}

/** Python source run after bootstrap for `chdir`, `nice` and `env:` (as Python execnet does). */
export const PYTHON_SETUP_SOURCE = `
import os
chdir, nice, env = channel.receive()
if chdir:
    if not os.path.exists(chdir):
        os.mkdir(chdir)
    os.chdir(chdir)
if nice and hasattr(os, 'nice'):
    os.nice(nice)
for name, value in env.items():
    os.environ[name] = value
`;
