/*
 * Python execnet's own socketserver.py (Debian's python3-execnet), started by the tests as a
 * real process on an ephemeral loopback port.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** The interpreter that has execnet (Debian's python3-execnet). */
export const PYTHON = '/usr/bin/python3';
/** In CI the Python socketserver tests must run: a missing execnet fails them instead of skipping. */
export const IN_CI = process.env['CI'] === 'true';

let scriptPath: string | null | undefined;

/** The path of execnet's `script/socketserver.py`, or undefined when execnet is not installed. */
export function socketServerScript(): string | undefined {
  if (scriptPath === undefined) {
    const found = spawnSync(
      PYTHON,
      ['-c', 'import os, execnet; print(os.path.join(os.path.dirname(execnet.__file__), "script", "socketserver.py"))'],
      { encoding: 'utf8', timeout: 10_000 },
    );
    scriptPath = found.status === 0 ? found.stdout.trim() : null;
  }
  return scriptPath ?? undefined;
}

/** The `skip` option of these tests: a reason outside CI when execnet is missing; never in CI. */
export function skipUnlessPythonExecnet(): string | false {
  if (socketServerScript() !== undefined || IN_CI) return false;
  return `${PYTHON} with execnet is not installed (apt-get install python3-execnet)`;
}

/** A running `python3 -u socketserver.py 127.0.0.1:0`. */
export interface PythonSocketServer {
  readonly process: ChildProcess;
  readonly pid: number;
  readonly port: number;
  /** `127.0.0.1:PORT`. */
  readonly address: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves true once its output matches `pattern` `count` times; false after `ms`. */
  waitForOutput(pattern: RegExp, count: number, ms: number): Promise<boolean>;
  /** Ends it (SIGTERM, SIGKILL after 3 s) and waits for its exit. */
  stop(): Promise<void>;
}

const LISTENING = /Entering Accept loop \('127\.0\.0\.1', (\d+)\)/;

/**
 * Starts execnet's socketserver on an ephemeral loopback port (`127.0.0.1:0`: the script
 * splits HOST:PORT and binds it as given) and reads the port from its first output line.
 * Unbuffered (`-u`) so its progress lines arrive as they are printed.
 * @throws when it does not listen within 10 s
 */
export async function startPythonSocketServer(): Promise<PythonSocketServer> {
  const script = socketServerScript();
  if (script === undefined) throw new Error(`${PYTHON} cannot import execnet (apt-get install python3-execnet)`);
  const child = spawn(PYTHON, ['-u', script, '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer): void => {
    text += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const waitForOutput = (pattern: RegExp, count: number, ms: number): Promise<boolean> => {
    const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
    const enough = (): boolean => (text.match(global)?.length ?? 0) >= count;
    if (enough()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (result: boolean): void => {
        clearTimeout(timer);
        listeners.delete(check);
        resolve(result);
      };
      const check = (): void => void (enough() && done(true));
      const timer = setTimeout(() => done(false), ms);
      listeners.add(check);
      void exited.then(() => done(enough()));
    });
  };

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const killed = await Promise.race([exited.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), 3000)))]);
    clearTimeout(timer);
    if (killed) {
      child.kill('SIGKILL');
      await exited;
    }
  };

  if (!(await waitForOutput(LISTENING, 1, 10_000))) {
    await stop();
    throw new Error(`python socketserver did not start within 10 s; its output:\n${text}`);
  }
  const port = Number(LISTENING.exec(text)![1]);
  return { process: child, pid: child.pid!, port, address: `127.0.0.1:${port}`, output: () => text, waitForOutput, stop };
}

/** Pids of the child processes of `pid` (from /proc), e.g. to show a server started none. */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const list = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    if (list) children.push(...list.split(/\s+/).map(Number));
  }
  return children;
}

/** Number of threads of process `pid` (from /proc). */
export function threadCount(pid: number): number {
  return readdirSync(`/proc/${pid}/task`).length;
}
