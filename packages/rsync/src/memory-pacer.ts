import * as v8 from 'node:v8';
import * as vm from 'node:vm';

/** The parts of `node:v8` and `node:vm` a pacer uses. */
export interface PacerModules {
  v8: { getHeapStatistics(): object; setFlagsFromString(flags: string): void };
  vm: { runInNewContext(code: string): unknown };
}

/** Counts bytes of file data that went through; now and then collects garbage. */
export type Pacer = (bytes: number) => void;

/** The master checks its memory after this many bytes of file data… */
export const MEMORY_CHECK_EVERY = 1024 * 1024;
/**
 * …and collects once buffers grew by this much since the last collection. Kept well below the
 * room V8 leaves a small heap before it starts a full (mark-compact) collection, which counts
 * external memory allocated since the last one: with 8 MiB, a full copy of many files ran about
 * ten mark-compacts per 200 MB, with 4 MiB one or two (and a few dozen cheap scavenges).
 */
export const MEMORY_SLACK = 4 * 1024 * 1024;

/**
 * Keeps memory flat while large files stream through. Every chunk sent or received leaves dead
 * buffers behind (encoded messages, socket reads), and V8 lets up to 64 MB of such external
 * memory pile up before it collects. So after every `checkEvery` bytes the pacer looks at the
 * external memory and, once it grew by `slack` since the last collection, runs a
 * young-generation collection (about a millisecond). Small transfers never get there.
 *
 * V8's `gc` comes from `--expose-gc` when the process has it; otherwise the flag is turned on
 * for a moment and the function taken from a fresh vm context (the flag only adds `gc` to
 * contexts made while it is set, so the application's own global scope does not change). Without either, the
 * pacer does nothing.
 *
 * Also shipped to JavaScript workers as source text (remote-js.ts): self-contained.
 */
export function createPacer(modules: PacerModules, checkEvery: number, slack: number): Pacer {
  type Gc = (options?: { type?: string }) => void;
  let gc: Gc | null | undefined;
  let sinceCheck = 0;
  let base = -1;
  const external = (): number => {
    const value = (modules.v8.getHeapStatistics() as { external_memory?: number }).external_memory;
    // `external_memory` is missing before Node 20.
    return typeof value === 'number' ? value : process.memoryUsage().arrayBuffers;
  };
  const collector = (): Gc | null => {
    const global = (globalThis as { gc?: unknown }).gc;
    if (typeof global === 'function') return global as Gc;
    try {
      modules.v8.setFlagsFromString('--expose-gc');
      try {
        const fn = modules.vm.runInNewContext('gc');
        return typeof fn === 'function' ? (fn as Gc) : null;
      } finally {
        // Contexts the application makes later get no `gc` either (as in core's memory-nudge.ts).
        modules.v8.setFlagsFromString('--no-expose-gc');
      }
    } catch {
      return null;
    }
  };
  return (bytes) => {
    sinceCheck += bytes;
    if (sinceCheck < checkEvery) return;
    sinceCheck = 0;
    const now = external();
    if (base < 0 || now < base) {
      base = now;
      return;
    }
    if (now - base < slack) return;
    if (gc === undefined) gc = collector();
    if (!gc) return;
    gc({ type: 'minor' });
    base = external();
  };
}

/**
 * The master's pacer: one per process, as it watches the process's memory whichever target sends.
 * It counts all the file data sent, and the targets wait for the connection to take more before
 * they encode the next message, so few encoded messages are alive when it collects: they die
 * young, and V8 has no reason to start a mark-compact.
 */
export const masterPacer: Pacer = createPacer({ v8, vm }, MEMORY_CHECK_EVERY, MEMORY_SLACK);
