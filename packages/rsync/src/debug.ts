import { createLog as coreLog } from '@execnet/core';

/** A trace function: silent unless `EXECNET_DEBUG` is set (see core's debugging notes). */
export type DebugLog = ReturnType<typeof coreLog>;

/** A trace function for one part of this package, e.g. `createLog('rsync:js')`. */
export function createLog(namespace: string): DebugLog {
  return coreLog(namespace);
}
