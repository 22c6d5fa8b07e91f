import { createLog } from './debug.js';

const log = createLog('core:exit');

/** What the exit hooks need of a group. */
export interface KillableGroup {
  killAll(): void;
}

/** Groups that may still own workers. */
export const liveGroups = new Set<KillableGroup>();
let installed = false;

function killEverything(reason: string): void {
  if (liveGroups.size) log(`${reason}: killing the workers of ${liveGroups.size} group(s)`);
  for (const group of liveGroups) group.killAll();
  liveGroups.clear();
}

/**
 * Signal listeners of the `signal-exit` package (execa's child cleanup installs it). Like ours,
 * they re-raise the signal only when no one else listens, so counting them as the application's
 * listeners would leave the master running after SIGTERM. They announce their number here.
 */
function signalExitListeners(): number {
  const count = (emitter: unknown): number => {
    const n = (emitter as { count?: unknown } | undefined)?.count;
    return typeof n === 'number' ? n : 0;
  };
  const v4 = (globalThis as Record<symbol, unknown>)[Symbol.for('signal-exit emitter')];
  const v3 = (process as { __signal_exit_emitter__?: unknown }).__signal_exit_emitter__;
  return count(v4) + count(v3);
}

/**
 * Makes sure no worker outlives the master. On 'exit' (normal end, `process.exit`, an uncaught
 * exception) workers are killed synchronously, since no async work can run then. On SIGINT,
 * SIGTERM and SIGHUP they are killed too; if nobody else listens to that signal, the master then
 * ends as the signal would have ended it.
 */
export function installExitHooks(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => killEverything('exit'));
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killEverything(signal);
      if (process.listenerCount(signal) - signalExitListeners() === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}
