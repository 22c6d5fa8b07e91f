import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';
import { Group, type GroupOptions } from '@execnet/core';
import { sleep } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root, where `tsx` resolves. */
const repoRoot = resolve(here, '../../..');

/**
 * True once the process is gone. A process that exited but was never reaped counts as gone:
 * workers orphaned by a killed master are re-parented to pid 1, and an init that does not
 * reap (as in some containers) leaves them as zombies, which `kill(pid, 0)` still finds.
 */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
    throw error;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) STATE ..."; comm may contain spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true; // vanished between the two looks
  }
}

/** The pids among `pids` that still run. */
export function alive(pids: readonly number[]): number[] {
  return pids.filter((pid) => !isGone(pid));
}

/** Polls until every pid is gone or `ms` passed; returns those still alive. */
export async function waitGone(pids: readonly number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = alive(pids);
    if (left.length === 0 || Date.now() >= deadline) return left;
    await sleep(50);
  }
}

/** SIGKILLs whatever of `pids` still runs (cleanup after a failed assertion). */
export function killAll(pids: readonly number[]): void {
  for (const pid of alive(pids)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** Number of open file descriptors of this process. */
export function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/** What each open file descriptor of this process refers to (`pipe:[123]`, a path, …). */
export function fdTargets(): string[] {
  return readdirSync('/proc/self/fd').map((fd) => {
    try {
      return `${fd} -> ${readlinkSync(`/proc/self/fd/${fd}`)}`;
    } catch {
      return fd; // the directory listing's own descriptor, closed meanwhile
    }
  });
}

/** Pids of this process's child processes (of all its threads). */
export function childPids(): number[] {
  const pids: number[] = [];
  for (const task of readdirSync('/proc/self/task')) {
    try {
      const text = readFileSync(`/proc/self/task/${task}/children`, 'utf8').trim();
      if (text) pids.push(...text.split(/\s+/).map(Number));
    } catch {
      // the thread ended meanwhile
    }
  }
  return pids;
}

/**
 * Starts and terminates one gateway, so the worker runtime is bundled and the bundler's
 * lasting helper process (esbuild's service, in source mode) runs before a test counts
 * child processes or descriptors.
 */
export async function warmUp(): Promise<void> {
  await (await Group.create(['popen'])).terminate({ timeout: 2000 });
}

/**
 * Returns a function making groups that are all terminated in `after` of the suite where this
 * was called, so a failing test leaves no worker behind.
 */
export function groupPool(): (specs?: string[], options?: GroupOptions) => Promise<Group> {
  const groups: Group[] = [];
  after(async () => {
    await Promise.all(groups.splice(0).map((group) => group.terminate({ timeout: 1000 })));
  });
  return async (specs = [], options) => {
    const group = new Group([], options);
    groups.push(group);
    for (const spec of specs) await group.makeGateway(spec);
    return group;
  };
}

/** A master process started from `fixtures/master.ts`, with the pids it reported. */
export interface Master {
  child: ChildProcess;
  pid: number;
  workers: number[];
  /** Everything the master wrote to stderr so far. */
  stderr(): string;
  /** Resolves with how the master ended, or undefined if it still runs after `ms`. */
  exited(ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined>;
}

/** Starts `fixtures/master.ts MODE EXECMODEL` and waits for the line with its workers' pids. */
export async function startMaster(mode: string, execModel = 'eventloop'): Promise<Master> {
  const script = join(here, 'fixtures', 'master.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@execnet/source', script, mode, execModel], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const status = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveStatus) =>
    child.once('exit', (code, signal) => resolveStatus({ code, signal })),
  );
  const line = await new Promise<string>((resolveLine, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`master printed no pids within 30 s; stderr: ${stderr}`));
    }, 30_000);
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      const end = out.indexOf('\n');
      if (end >= 0) {
        clearTimeout(timer);
        resolveLine(out.slice(0, end));
      }
    });
    void status.then(() => {
      clearTimeout(timer);
      reject(new Error(`master ended before printing pids; stderr: ${stderr}`));
    });
  });
  const { master, workers } = JSON.parse(line) as { master: number; workers: number[] };
  return {
    child,
    pid: master,
    workers,
    stderr: () => stderr,
    exited: (ms) =>
      new Promise((resolveExit) => {
        const timer = setTimeout(() => resolveExit(undefined), ms);
        void status.then((s) => {
          clearTimeout(timer);
          resolveExit(s);
        });
      }),
  };
}
