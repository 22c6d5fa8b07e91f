import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type GcFunction = (options?: { type?: 'minor' | 'major' }) => void;

/** Check external memory after this many bytes of file data. */
export const MEMORY_CHECK_EVERY = 2 * 1024 * 1024;
/** Collect when external memory grew by this much since the last collection. */
export const MEMORY_SLACK = 8 * 1024 * 1024;

let gcFunction: GcFunction | null | undefined;

/**
 * V8's `gc`, or null when it cannot be had. Unless the process runs with `--expose-gc`, the
 * flag is turned on and the function taken from a fresh vm context: the flag only adds `gc` to
 * contexts made afterwards, so the application's own global scope does not change.
 */
function collector(): GcFunction | null {
  if (gcFunction !== undefined) return gcFunction;
  const global = (globalThis as { gc?: unknown }).gc;
  if (typeof global === 'function') return (gcFunction = global as GcFunction);
  try {
    setFlagsFromString('--expose-gc');
    const fn = runInNewContext('gc') as unknown;
    gcFunction = typeof fn === 'function' ? (fn as GcFunction) : null;
  } catch {
    gcFunction = null;
  }
  return gcFunction;
}

/**
 * Keeps memory flat while large files stream through. Every chunk sent leaves a dead buffer
 * behind (the encoded message), and V8 lets up to 64 MB of such external memory pile up
 * before it collects; so after every few MiB this checks how much there is and, past
 * {@link MEMORY_SLACK}, runs a young-generation collection (about a millisecond). Small transfers
 * never get there.
 */
export class MemoryPacer {
  private sinceCheck = 0;
  private base = -1;

  /** Counts `bytes` of file data that went through. */
  add(bytes: number): void {
    this.sinceCheck += bytes;
    if (this.sinceCheck < MEMORY_CHECK_EVERY) return;
    this.sinceCheck = 0;
    const external = externalMemory();
    if (this.base < 0 || external < this.base) {
      this.base = external;
      return;
    }
    if (external - this.base < MEMORY_SLACK) return;
    const gc = collector();
    if (!gc) return;
    gc({ type: 'minor' });
    this.base = externalMemory();
  }
}

/** Bytes of memory outside V8's heap (buffers); `external_memory` is missing before Node 20. */
function externalMemory(): number {
  const external = (getHeapStatistics() as { external_memory?: number }).external_memory;
  return typeof external === 'number' ? external : process.memoryUsage().arrayBuffers;
}
