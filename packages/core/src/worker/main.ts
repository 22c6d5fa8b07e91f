import { mkdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { serveWorker, type ServeWorkerConfig } from './serve.js';
import { openFd } from './worker-io.js';

// Exec threads (`thread` exec model) start from the same bundle and call this.
export { threadMain } from './thread-main.js';

/** What the master tells a JavaScript worker at bootstrap (appended to the shipped script). */
export interface WorkerConfig extends ServeWorkerConfig {
  /** Protocol input and output descriptors (the master's writes, our writes). */
  inFd: number;
  outFd: number;
  chdir?: string;
  nice?: number;
  env?: Record<string, string>;
}

/**
 * Entry point of the worker script: applies the spec's setup, answers the handshake, then
 * serves frames until the master terminates or goes away.
 */
export function main(config: WorkerConfig, localRequire: unknown): void {
  for (const [name, value] of Object.entries(config.env ?? {})) process.env[name] = value;
  if (config.chdir) {
    mkdirSync(config.chdir, { recursive: true });
    process.chdir(config.chdir);
  }
  // Relative, like execnet's os.nice(n): a worker of a niced master gets nicer still.
  if (config.nice) setPriority(0, Math.min(19, Math.max(-20, getPriority(0) + config.nice)));

  const input = openFd(config.inFd, 'read') as Readable;
  const output = openFd(config.outFd, 'write') as Writable;
  serveWorker(input, output, config, { localRequire, onExit: (code) => process.exit(code) });
}
