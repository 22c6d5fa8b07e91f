/*
 * Helpers of the execnet package tests: run node (on the sources, or a built file) as a child
 * process and collect its output; find the optional components (Python execnet, the test sshd).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** packages/execnet. */
export const PACKAGE_DIR = fileURLToPath(new URL('../', import.meta.url));
/** The CLI's source file. */
export const CLI_SOURCE = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
/** In CI the optional components must be there: their tests fail instead of skipping. */
export const IN_CI = process.env['CI'] === 'true';
/** Node flags that run TypeScript sources of the workspace, as the README's commands do. */
export const SOURCE_FLAGS = ['--import', 'tsx', '--conditions=@execnet/source'];

/** How a child process ended and what it printed. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runNode}. */
export interface RunOptions {
  /** @default REPO_ROOT */
  cwd?: string;
  /** Added to (or, set to undefined, removed from) this process's environment. */
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed. */
  input?: string;
  /** Killed (SIGKILL) after this many milliseconds. @default 60000 */
  timeout?: number;
  /** The executable. @default process.execPath */
  command?: string;
}

/** Runs `node ARGS` (or `command ARGS`) and resolves when it has ended. */
export function runNode(args: string[], options: RunOptions = {}): Promise<RunResult> {
  const env = { ...process.env };
  // The test runner marks its children; a child that runs node:test itself must not inherit that.
  delete env['NODE_TEST_CONTEXT'];
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(options.command ?? process.execPath, args, { cwd: options.cwd ?? REPO_ROOT, env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeout ?? 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Runs the `execnet` CLI from its sources. */
export function runCli(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return runNode([...SOURCE_FLAGS, CLI_SOURCE, ...args], options);
}

/** Runs one of the repository's examples as its header says: `node --import tsx … examples/NAME.ts`. */
export function runExample(name: string, args: string[] = [], options: RunOptions = {}): Promise<RunResult> {
  return runNode([...SOURCE_FLAGS, `examples/${name}.ts`, ...args], options);
}

/** Debian's python3 with execnet: the interpreter the master bootstraps Python workers from. */
export const PYTHON = '/usr/bin/python3';

let pythonChecked: string | undefined | null = null;
/** Why Python execnet workers cannot be tested here, or undefined when they can. */
export function pythonMissing(): string | undefined {
  if (pythonChecked === null) {
    const probe = existsSync(PYTHON) ? spawnSync(PYTHON, ['-c', 'import execnet'], { stdio: 'ignore' }) : undefined;
    pythonChecked = probe?.status === 0 ? undefined : `${PYTHON} with execnet is not installed (apt-get install python3-execnet)`;
  }
  return pythonChecked;
}

/**
 * The spec of the test sshd that `.ci/sshd-start.sh` starts (TEST_SSH_PORT, TEST_SSH_KEY,
 * TEST_SSH_KNOWN_HOSTS), or undefined when it is not running.
 */
export function sshSpec(): string | undefined {
  const { TEST_SSH_PORT: port, TEST_SSH_KEY: key, TEST_SSH_KNOWN_HOSTS: knownHosts } = process.env;
  if (!port || !key || !knownHosts) return undefined;
  return `ssh=-p ${port} -i ${key} -o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes root@127.0.0.1`;
}

/**
 * The `skip` option of a test that needs an optional component: its reason outside CI, and
 * `false` in CI, where the test must run (and fail if the component is missing).
 */
export function skipOutsideCi(missing: string | undefined): string | false {
  if (missing === undefined || IN_CI) return false;
  return missing;
}
