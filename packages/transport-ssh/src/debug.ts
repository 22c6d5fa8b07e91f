import { createLog } from '@execnet/core';

/** A trace function: prints only when `EXECNET_DEBUG` is set. */
export type SshLog = ReturnType<typeof createLog>;

/** The package's trace helper, one namespace per area (`ssh:pool`, `ssh:auth`, …). */
export function sshLog(area: string): SshLog {
  return createLog(`ssh:${area}`);
}
