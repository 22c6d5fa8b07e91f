import { mkdirSync, writeSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { Writable, type Readable } from 'node:stream';
import { HANDSHAKE_BYTE } from '../protocol.js';
import { setCompileHost, type CompileHost } from './compile.js';
import { serveWorker, type ServeWorkerConfig } from './serve.js';
import { openFd } from './worker-io.js';
import { disableParentWatchdog, startParentWatchdog } from './watchdog.js';

// Exec threads (`thread` exec model) start from the same bundle and call this.
export { threadMain } from './thread-main.js';
// The bootstrap script writes a code cache at exit only once a remote round trip ran.
export { codeCacheCovered } from './compile.js';

/** What the master tells a JavaScript worker at bootstrap (appended to the shipped script). */
export interface WorkerConfig extends ServeWorkerConfig {
  /** Protocol input and output descriptors (the master's writes, our writes). */
  inFd: number;
  outFd: number;
  chdir?: string;
  nice?: number;
  env?: Record<string, string>;
  /** False when the transport kills the worker with its master: no watchdog thread is needed. */
  watchdog?: boolean;
}

/**
 * Entry point of the worker script: applies the spec's setup, answers the handshake, then
 * serves frames until the master terminates or goes away. `host` comes from the bootstrap
 * script when the runtime was compiled by `vm.Script` (see `compile.ts`).
 */
export function main(config: WorkerConfig, localRequire: unknown, host?: CompileHost): void {
  if (host) setCompileHost(host);
  for (const [name, value] of Object.entries(config.env ?? {})) process.env[name] = value;
  if (config.chdir) {
    mkdirSync(config.chdir, { recursive: true });
    process.chdir(config.chdir);
  }
  // Relative, like execnet's os.nice(n): a worker of a niced master gets nicer still.
  if (config.nice) setPriority(0, Math.min(19, Math.max(-20, getPriority(0) + config.nice)));

  // The setup is done: answer the handshake at once, so the master's first frames are on
  // their way while the streams are set up (frames wait in the pipe until then).
  const handshakeSent = config.inFd !== 0 && writeHandshake(config.outFd);
  const { input, output } = config.inFd === 0 ? takeOverStdio() : { input: openFd(config.inFd, 'read') as Readable, output: openFd(config.outFd, 'write') as Writable };
  // fds 3/4 are sockets or files; the stdio wrapper of Bun and Deno reports a write done
  // while stdout may still hold the chunk.
  const outputCopiesWrites = config.inFd !== 0;
  serveWorker(input, output, config, { localRequire, onExit: (code) => process.exit(code), handshakeSent, outputCopiesWrites });
  // Off the start-up path, but before remote code can block the event loop for good.
  if (config.watchdog === false) disableParentWatchdog();
  else setImmediate(startParentWatchdog);
}

/** Writes the handshake byte straight to `fd`; false if it could not (then the stream writes it). */
function writeHandshake(fd: number): boolean {
  try {
    return writeSync(fd, Uint8Array.of(HANDSHAKE_BYTE)) === 1;
  } catch {
    return false;
  }
}

/**
 * Runtimes that cannot open inherited fds 3/4 (Bun, Deno) speak the protocol on stdin/stdout.
 * Then remote code's `console.log` and `process.stdout.write` are sent to stderr instead, so
 * they cannot corrupt the stream (child processes that inherit stdout still could).
 */
function takeOverStdio(): { input: Readable; output: Writable } {
  const stdout = process.stdout;
  const protocolWrite = stdout.write.bind(stdout) as (chunk: Uint8Array, callback?: (error?: Error | null) => void) => boolean;
  const toStderr = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  stdout.write = toStderr;
  for (const method of ['log', 'info', 'debug'] as const) console[method] = console.error;
  const output = new Writable({
    write(chunk: Uint8Array, _encoding, callback) {
      if (protocolWrite(chunk)) callback();
      else stdout.once('drain', () => callback());
    },
    final(callback) {
      callback();
    },
  });
  return { input: process.stdin, output };
}
