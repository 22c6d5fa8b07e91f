import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The guard: a `/bin/sh` that reads `+PID` and `-PID` lines from its stdin, a pipe whose
 * write end only this process holds (descriptors are close-on-exec, so workers and other
 * children do not inherit it). When this process dies — even by SIGKILL — the pipe reaches
 * EOF and the guard kills the workers still listed. It ignores terminal and termination
 * signals, so a Ctrl-C of the process group leaves the master in charge.
 */
const GUARD_SCRIPT = `trap '' HUP INT QUIT TERM
pids=' '
while IFS= read -r line; do
  case $line in
    +*) pids="$pids\${line#+} " ;;
    -*) p=\${line#-}; case $pids in *" $p "*) pids="\${pids%% $p *} \${pids#* $p }" ;; esac ;;
  esac
done
[ "$pids" = ' ' ] || kill -9 $pids 2>/dev/null
`;

let guard: ChildProcess | null | undefined;

/** Whether this machine can run the guard (a POSIX shell at /bin/sh). */
let guardable: boolean | undefined;

export function canGuard(): boolean {
  guardable ??= process.platform !== 'win32' && existsSync('/bin/sh');
  return guardable;
}

function started(): ChildProcess | null {
  if (guard !== undefined) return guard;
  guard = null;
  if (!canGuard()) return null;
  try {
    const child = spawn('/bin/sh', ['-c', GUARD_SCRIPT], { stdio: ['pipe', 'ignore', 'ignore'] });
    const lost = () => {
      if (guard === child) guard = null;
    };
    child.on('error', lost);
    child.on('exit', lost);
    child.stdin!.on('error', lost);
    // The guard never keeps this process alive.
    child.unref();
    (child.stdin as unknown as { unref?(): void }).unref?.();
    guard = child;
  } catch {
    guard = null;
  }
  return guard;
}

/**
 * Puts a local worker under the guard of this process: the worker is killed when this
 * process dies, even while remote code blocks the worker's event loop, so the worker needs no
 * watchdog thread of its own. One guard per process, started with the first worker. Returns
 * false where there is no guard (Windows, no /bin/sh): then the worker watches for itself.
 */
export function guardWorker(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  const child = started();
  if (!child) return false;
  child.stdin!.write(`+${pid}\n`);
  return true;
}

/** The worker ended: its pid may be reused, so the guard forgets it. */
export function releaseWorker(pid: number | undefined): void {
  if (pid !== undefined && guard) guard.stdin!.write(`-${pid}\n`);
}
