import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Big buffers (bulk items sent or received) are freed by V8 only at its next collection, and a
 * stream of 1 MiB items makes almost no other garbage, so collections come late: a plain Node
 * loop that allocates and drops 1 MiB buffers grows by ~38 MiB. A minor collection (a scavenge,
 * cheap when few young objects are alive) every few MiB of big buffers keeps that growth near
 * 10 MiB, and is faster overall than letting the pages pile up.
 */
const MIN_INTERVAL = 2 * 1024 * 1024;
const MAX_INTERVAL = 64 * 1024 * 1024;
/**
 * A scavenge costs in proportion to the young objects still alive. When the program keeps many,
 * nudges get rarer, so they never take more than a small share of the time.
 */
const SLOW_NUDGE_MS = 5;

let interval = MIN_INTERVAL;
let sinceLastNudge = 0;
/** The minor collection, once looked up; null when this runtime has none to offer. */
let minorCollection: (() => void) | null | undefined;

/** Counts a big buffer made for an item; now and then asks V8 for a minor collection. */
export function noteBigBuffer(bytes: number): void {
  sinceLastNudge += bytes;
  if (sinceLastNudge < interval) return;
  sinceLastNudge = 0;
  if (minorCollection === undefined) minorCollection = lookUpMinorCollection();
  if (!minorCollection) return;
  const started = performance.now();
  minorCollection();
  const took = performance.now() - started;
  if (took > SLOW_NUDGE_MS) interval = Math.min(interval * 2, MAX_INTERVAL);
  else if (took < SLOW_NUDGE_MS / 5) interval = Math.max(interval / 2, MIN_INTERVAL);
}

/**
 * V8's `gc` function, taken from a fresh context with `--expose-gc` set only for the moment it
 * is made: no global appears in the program's own context. Unavailable on runtimes without V8
 * flags (Bun, Deno): then nothing happens.
 */
function lookUpMinorCollection(): (() => void) | null {
  if (process.env.EXECNET_GC_NUDGE === '0') return null;
  try {
    let gc = (globalThis as { gc?: unknown }).gc;
    if (typeof gc !== 'function') {
      setFlagsFromString('--expose-gc');
      try {
        gc = runInNewContext('typeof gc === "function" ? gc : undefined');
      } finally {
        setFlagsFromString('--no-expose-gc');
      }
    }
    if (typeof gc !== 'function') return null;
    const collect = gc as (options: { type: 'minor' }) => void;
    collect({ type: 'minor' });
    return () => collect({ type: 'minor' });
  } catch {
    return null;
  }
}
