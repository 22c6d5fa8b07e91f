import { createLog } from '@execnet/core';

/** Trace lines of the socket client (`EXECNET_DEBUG`). */
export const log: (...parts: unknown[]) => void = createLog('socket');
