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
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}
