type V8 = typeof import('node:v8');
type Vm = typeof import('node:vm');

/**
 * Big buffers (bulk items sent or received) are freed by V8 only at its next collection, and a
 * stream of 1 MiB items makes almost no other garbage, so collections come late: a plain Node
 * loop that allocates and drops 1 MiB buffers grows by ~38 MiB. A minor collection (a scavenge,
 * cheap when few young objects are alive) every MiB of big buffers keeps that growth near
 * 10 MiB, and is faster overall than letting the pages pile up: the receiver asks for it right
 * before it allocates the next payload, so the memory of the one just dropped is reused at once.
 * (Freeing more at a time lets malloc give the pages back to the OS, and faulting fresh pages
 * in costs more than the collection.) Senders copy into reused buffers and make no such garbage.
 */
const MIN_INTERVAL = 1024 * 1024;
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

/**
 * Counts a big buffer made for an outgoing message (garbage once written). These count half:
 * collecting after every 2 MiB of them was measured faster than every MiB (RSync full copies),
 * while a receiver's payloads are best collected every MiB, right before the next one is made.
 */
export function noteBigBufferSent(bytes: number): void {
  noteBigBuffer(bytes / 2);
}

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
function lookUpMinorCollection(): (() => void) | null | undefined {
  if (process.env.EXECNET_GC_NUDGE === '0') return null;
  const modules = loadModules();
  if (!modules) return undefined; // still loading: the next nudge tries again
  try {
    let gc = (globalThis as { gc?: unknown }).gc;
    if (typeof gc !== 'function') {
      modules.v8.setFlagsFromString('--expose-gc');
      try {
        gc = modules.vm.runInNewContext('typeof gc === "function" ? gc : undefined');
      } finally {
        modules.v8.setFlagsFromString('--no-expose-gc');
      }
    }
    if (typeof gc !== 'function') return null;
    const collect = gc as (options: { type: 'minor' }) => void;
    const { v8 } = modules;
    // V8 frees the backing stores of dead ArrayBuffers on a background thread after a
    // collection, so the next payload, allocated right after the nudge, could not reuse that
    // memory and got fresh pages (page faults on every MiB, half the throughput here). During
    // the nudge they are freed in the pause; the program's own collections stay as they were.
    const restore = !process.execArgv.includes('--no-concurrent-array-buffer-sweeping');
    const nudge = () => {
      v8.setFlagsFromString('--no-concurrent-array-buffer-sweeping');
      try {
        collect({ type: 'minor' });
      } finally {
        if (restore) v8.setFlagsFromString('--concurrent-array-buffer-sweeping');
      }
    };
    nudge();
    return nudge;
  } catch {
    return null;
  }
}

let modules: { v8: V8; vm: Vm } | undefined;
let loading = false;

/**
 * `node:v8` and `node:vm`, loaded only once bulk data flows (a worker that never sees any does
 * not pay for them): synchronously where the runtime allows it, else imported in the background.
 */
function loadModules(): { v8: V8; vm: Vm } | undefined {
  if (modules) return modules;
  const get = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  if (typeof get === 'function') return (modules = { v8: get('node:v8') as V8, vm: get('node:vm') as Vm });
  if (typeof require === 'function') return (modules = { v8: require('node:v8') as V8, vm: require('node:vm') as Vm });
  if (!loading) {
    loading = true;
    Promise.all([import('node:v8'), import('node:vm')]).then(
      ([v8, vm]) => (modules = { v8, vm }),
      () => undefined,
    );
  }
  return undefined;
}
