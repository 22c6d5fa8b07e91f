import { TimeoutError } from './errors.js';

/** Options of every call that can block. */
export interface WaitOptions {
  /** Give up after this many **milliseconds** (Python execnet takes seconds). */
  timeout?: number;
  /** Abort the wait; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * Turns a callback-style wait into a promise with a timeout and an abort signal.
 * `start` registers the waiter and returns a function that unregisters it; it runs on
 * every outcome, so no timer or listener outlives the wait.
 */
export function waitWith<T>(
  options: WaitOptions | undefined,
  what: string,
  start: (resolve: (value: T) => void, reject: (error: unknown) => void) => () => void,
): Promise<T> {
  const { timeout, signal } = options ?? {};
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let done = false;
    const finish = (): void => {
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      unregister();
    };
    const onAbort = (): void => {
      if (done) return;
      finish();
      reject(signal?.reason);
    };
    const unregister = start(
      (value) => {
        if (done) return;
        finish();
        resolve(value);
      },
      (error) => {
        if (done) return;
        finish();
        reject(error);
      },
    );
    if (done) return;
    if (timeout !== undefined && timeout !== Infinity) {
      timer = setTimeout(() => {
        if (done) return;
        finish();
        reject(new TimeoutError(`${what}: no result after ${timeout} ms`, { timeout }));
      }, Math.max(0, timeout));
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
