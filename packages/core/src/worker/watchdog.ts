import type * as WorkerThreads from 'node:worker_threads';
import { builtin } from './builtin.js';

/** How often the watchdog looks at the parent process. */
const INTERVAL_MS = 250;

// Runs in its own thread, so it keeps watching while remote code blocks the main thread.
const WATCHDOG_SOURCE = `
const { workerData } = require('worker_threads');
setInterval(() => {
  if (process.ppid !== workerData.parent) process.kill(workerData.pid, 'SIGKILL');
}, ${INTERVAL_MS});
`;

let started = false;

/** The transport kills this worker when the master dies (see `Connection.diesWithMaster`): no watchdog. */
export function disableParentWatchdog(): void {
  started = true;
}

/**
 * Kills this worker when its parent process goes away (the master or the ssh session died),
 * even while remote code blocks the event loop, where no EOF would ever be noticed. Started with
 * the first remoteExec, so gateways that never run code pay nothing for it.
 */
export function startParentWatchdog(): void {
  if (started) return;
  started = true;
  try {
    const { Worker } = builtin<typeof WorkerThreads>('node:worker_threads');
    const thread = new Worker(WATCHDOG_SOURCE, { eval: true, workerData: { parent: process.ppid, pid: process.pid } });
    thread.unref();
    thread.on('error', () => undefined);
  } catch {
    // No worker_threads on this runtime: the EOF check of the main loop remains.
  }
}
