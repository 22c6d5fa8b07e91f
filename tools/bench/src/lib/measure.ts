/**
 * Timing and statistics helpers shared by every section. They follow the reference
 * baseline scripts: medians of repeated runs, `performance.now()` clocks,
 * MB = 10^6 bytes and MiB = 2^20 bytes.
 */

/** Milliseconds from a monotonic clock. */
export function now(): number {
  return performance.now();
}

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of an empty list');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Round `x` to `digits` decimal places. */
export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Result of {@link timeIt}. */
export interface Timing {
  /** Median duration of one call, in milliseconds. */
  medianMs: number;
  /** How many calls were timed. */
  reps: number;
}

/**
 * Time `fn` repeatedly until at least `minReps` calls and `minMs` milliseconds have
 * passed; returns the median call duration. Mirrors `_timeit` of the Python reference.
 */
export function timeIt(fn: () => unknown, minReps = 5, minMs = 1000): Timing {
  const xs: number[] = [];
  const start = now();
  while (xs.length < minReps || now() - start < minMs) {
    const t0 = now();
    fn();
    xs.push(now() - t0);
  }
  return { medianMs: median(xs), reps: xs.length };
}

/** Peak resident set size of this process so far, in MiB. */
export function maxRssMiB(): number {
  return round(process.resourceUsage().maxRSS / 1024, 1);
}

/** Print a progress line on stderr (stdout is reserved for the JSON result). */
export function log(...parts: unknown[]): void {
  process.stderr.write(parts.map(String).join(' ') + '\n');
}
