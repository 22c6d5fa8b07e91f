import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import { SpecError } from './errors.js';
import type { WorkerCommand } from './worker-command.js';
import type { XSpec } from './xspec.js';
import type { Gateway } from './gateway.js';

/** Brand of transports; survives duplicate installs and the ESM/CJS dual-package hazard. */
export const transportSymbol = Symbol.for('@execnet/transport');

/** How a worker process ended. */
export interface ExitStatus {
  code: number | null;
  signal: string | null;
}

/**
 * One byte stream to one worker process, as a transport hands it to core. Core owns the
 * framing; the transport only moves bytes and manages the process.
 */
export interface Connection {
  /** Frames from the worker. */
  readonly readable: Readable;
  /** Frames to the worker; `end()` closes the write side. */
  readonly writable: Writable;
  /** The worker's own stdout and stderr (remote `console.log`, child processes), if separate. */
  readonly stdout?: Readable;
  readonly stderr?: Readable;
  /** The command line that was started, for error messages. */
  readonly command: string;
  /** Forces the worker down (SIGKILL, closing the ssh channel, …). */
  kill(): void;
  /** Resolves when the worker process has ended. */
  wait(): Promise<ExitStatus>;
  /** Lets the master exit while idle (`unref`) and holds it while something waits (`ref`). */
  ref?(): void;
  unref?(): void;
  readonly remoteAddress?: string;
  readonly pid?: number;
  /**
   * The transport kills the worker when this process dies, by any means and even while
   * remote code blocks the worker's event loop (popen's orphan guard). The worker then starts
   * no watchdog thread of its own; otherwise it watches its parent process itself.
   */
  readonly diesWithMaster?: boolean;
  /**
   * The `writable` is done with a chunk when it calls that write's callback (an OS pipe or
   * socket, which copies the bytes into the kernel). Big outgoing items are then copied into
   * reused buffers. Leave it unset for streams that hand chunks on by reference (a PassThrough):
   * those get a fresh copy per item. @default false
   */
  readonly copiesWrites?: boolean;
}

/** What core gives a transport for opening one worker. */
export interface OpenContext {
  /** The worker command for the spec's runtime. */
  readonly worker: WorkerCommand;
  /** Aborts the open (a timeout or the caller's signal). */
  readonly signal: AbortSignal;
  /** Finds another gateway of the same group by id (for `via=` and `installvia=`). */
  lookupGateway(id: string): Gateway | undefined;
}

/** A way to reach workers, registered under its spec key (`popen`, `ssh`, `socket`, …). */
export interface Transport {
  readonly [transportSymbol]: true;
  readonly [Symbol.toStringTag]: string;
  /** The spec key this transport serves. */
  readonly name: string;
  /** Opens one connection to a new worker. */
  open(spec: XSpec, context: OpenContext): Promise<Connection>;
}

const transports = new Map<string, Transport>();

/** True for an object made by a transport factory, from any copy of core. */
export function isTransport(value: unknown): value is Transport {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[transportSymbol] === true;
}

/** Makes `transport` available to specs that use its key. A later registration replaces an earlier one. */
export function registerTransport(transport: Transport): void {
  if (!isTransport(transport)) throw new TypeError('registerTransport expects a transport made by a transport factory');
  transports.set(transport.name, transport);
}

/**
 * Finds the transport for a spec key: registered ones first, then the packages
 * `@execnet/transport-NAME` and `execnet-transport-NAME`, resolved from the application
 * (its working directory and main module), whose factory export is called and registered.
 * @throws {SpecError} naming the package to install when none is found
 */
export async function getTransport(name: string): Promise<Transport> {
  const known = transports.get(name);
  if (known) return known;
  const dashed = name.replace(/_/g, '-');
  for (const pkg of [`@execnet/transport-${dashed}`, `execnet-transport-${dashed}`]) {
    const mod = await importFromApplication(pkg);
    if (!mod) continue;
    for (const value of Object.values(mod)) {
      if (typeof value !== 'function') continue;
      try {
        const candidate = (value as () => unknown)();
        if (isTransport(candidate) && candidate.name === name) {
          registerTransport(candidate);
          return candidate;
        }
      } catch {
        // Not a zero-argument factory.
      }
    }
  }
  throw new SpecError(`no transport for '${name}': install @execnet/transport-${dashed} (or the execnet package)`, {
    item: name,
  });
}

async function importFromApplication(pkg: string): Promise<Record<string, unknown> | undefined> {
  const bases = [join(process.cwd(), 'noop.js'), process.argv[1], __filenameOf()].filter(Boolean) as string[];
  for (const base of bases) {
    let resolved: string;
    try {
      resolved = createRequire(base).resolve(pkg);
    } catch {
      continue;
    }
    return (await import(pathToFileURL(resolved).href)) as Record<string, unknown>;
  }
  return undefined;
}

function __filenameOf(): string | undefined {
  try {
    return typeof __filename === 'string' ? __filename : undefined;
  } catch {
    return undefined;
  }
}
