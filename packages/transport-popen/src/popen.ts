import { BootstrapError, type Connection, type OpenContext, type Transport, type XSpec, transportSymbol } from '@execnet/core';
import { canGuard, guardWorker, releaseWorker } from './orphan-guard.js';
import { spawnWorker } from './spawn.js';

/** Options of {@link popenTransport}. */
export interface PopenOptions {
  /** Working directory of new workers. @default process.cwd() */
  cwd?: string;
}

/** A JavaScript worker writes one handshake byte before its frames. */
const HANDSHAKE_LENGTH = 1;

/** How a command shows up in errors: the loader program is long and always the same. */
function displayCommand(argv: readonly string[]): string {
  return argv.map((word, i) => (i > 0 && (argv[i - 1] === '-e' || argv[i - 1] === 'eval') && word.length > 80 ? '<execnet loader>' : word)).join(' ');
}

class PopenTransport implements Transport {
  readonly [transportSymbol] = true as const;
  readonly [Symbol.toStringTag] = '@execnet/transport-popen';
  readonly name = 'popen';

  constructor(private readonly options: PopenOptions) {}

  async open(spec: XSpec, context: OpenContext): Promise<Connection> {
    const argv = context.worker.argv(defaultExecutable(context.worker.runtime));
    const command = displayCommand(argv);
    let child;
    try {
      // Where the guard watches the workers, execa's exit cleanup adds nothing: core's exit hooks
      // kill the workers when this process exits, the guard when it dies.
      child = await spawnWorker(argv, { cwd: this.options.cwd, protocol: context.worker.protocol, cleanup: !canGuard(), framesInPlace: HANDSHAKE_LENGTH });
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException)?.code === 'ENOENT' ? `executable not found (${argv[0]})` : String((error as Error)?.message ?? error);
      throw new BootstrapError({ command, reason }, { cause: error });
    }
    if (context.signal.aborted) child.kill('SIGKILL');
    context.signal.addEventListener('abort', () => child.kill('SIGKILL'), { once: true });
    const guarded = guardWorker(child.pid);
    if (guarded) void child.exited.then(() => releaseWorker(child.pid));
    return {
      readable: child.fromWorker,
      writable: child.toWorker,
      stdout: child.stdout,
      stderr: child.stderr,
      command,
      pid: child.pid,
      diesWithMaster: guarded,
      copiesWrites: true, // child stdio are OS sockets
      kill: () => child.kill('SIGKILL'),
      wait: () => child.exited,
      ref: () => child.ref(),
      unref: () => child.unref(),
    };
  }
}

function defaultExecutable(runtime: string): string {
  // The master's own Node for node workers: same version, no PATH lookup.
  if (runtime === 'node') return process.execPath;
  return runtime === 'python' ? 'python3' : runtime;
}

/**
 * The `popen` transport: each worker is a local subprocess of this machine.
 * @example
 * registerTransport(popenTransport())
 * const gw = await makeGateway('popen//node=/usr/bin/node')
 */
export function popenTransport(options: PopenOptions = {}): Transport {
  return new PopenTransport(options);
}
