import type { RuntimeKind } from './xspec.js';

/** The worker reads the master's frames from this descriptor… */
export const WORKER_IN_FD = 4;
/** …and writes its own frames to this one; fds 0–2 stay free for remote code and its children. */
export const WORKER_OUT_FD = 3;

/**
 * The `-e` program a JavaScript runtime starts with: it reads one length-prefixed script
 * from fd 4 (exactly, so nothing after it is consumed) and runs it with `require`.
 * Kept tiny because it travels on the command line.
 */
export const LOADER_SOURCE = loaderSource(WORKER_IN_FD);

/** The loader, reading from `fd` (4 normally; 0 for runtimes that speak the protocol on stdio). */
export function loaderSource(fd: number): string {
  return [
    'const fs=require("fs");',
    'const r=n=>{const b=Buffer.alloc(n);let o=0;while(o<n){let k;',
    `try{k=fs.readSync(${fd},b,o,n-o,null)}catch(e){if(e.code==="EAGAIN"){Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0,5);continue}throw e}`,
    'if(k===0){process.stderr.write("execnet worker: stream closed during bootstrap\\n");process.exit(70)}o+=k}return b};',
    `(0,eval)(r(r(4).readUInt32BE(0)).toString())(require)`,
  ].join('');
}

/** How a transport starts a worker: the runtime, its path from the spec, and its arguments. */
export interface WorkerCommand {
  /** The runtime kind (`node` unless the spec says `bun=`, `deno=` or `python=`). */
  readonly runtime: RuntimeKind;
  /** The executable given in the spec (`node=/opt/node/bin/node`), if any. */
  readonly executable: string | undefined;
  /** Arguments that follow the executable. */
  readonly args: readonly string[];
  /**
   * Where the worker speaks the protocol: `fds` — it reads frames on fd 4 and writes them on
   * fd 3, its stdout/stderr are its own (JavaScript workers); `stdio` — on stdin/stdout, its
   * stderr its own (Python workers, which move the protocol off fds 0/1 themselves).
   */
  readonly protocol: 'fds' | 'stdio';
  /** The full argv for a local process; `defaultExecutable` is used when the spec names none. */
  argv(defaultExecutable: string): string[];
  /**
   * One POSIX shell command line (for ssh): the protocol moves to fds 3/4, stdin is
   * /dev/null and stdout goes to stderr, so remote output cannot corrupt the stream.
   */
  shellCommand(defaultExecutable: string): string;
}

/** Quotes one word for a POSIX shell. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The command that starts a JavaScript worker with the loader. */
export function jsWorkerCommand(runtime: 'node' | 'bun' | 'deno', executable: string | undefined): WorkerCommand {
  // Node opens inherited fds 3/4; Bun and Deno cannot, so they get the protocol on stdin/stdout.
  const protocol = runtime === 'node' ? 'fds' : 'stdio';
  const loader = protocol === 'fds' ? LOADER_SOURCE : loaderSource(0);
  const args = runtime === 'deno' ? ['eval', '--quiet', '--ext=cjs', loader] : ['-e', loader];
  const redirections = protocol === 'fds' ? ' 3>&1 4<&0 </dev/null 1>&2' : '';
  return {
    runtime,
    executable,
    args,
    protocol,
    argv: (defaultExecutable) => [executable ?? defaultExecutable, ...args],
    shellCommand: (defaultExecutable) => `${[executable ?? defaultExecutable, ...args].map(shellQuote).join(' ')}${redirections}`,
  };
}
