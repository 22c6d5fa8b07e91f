/**
 * Bounds the file data in flight to one target: the master takes credit before it sends bytes,
 * the worker gives it back once they are written. Independent of the gateway's own flow control,
 * so memory stays bounded whatever exec model the worker runs.
 */
export class CreditWindow {
  private inFlight = 0;
  private waiters: Array<() => void> = [];
  private closedWith: Error | undefined;

  constructor(private readonly size: number) {}

  /** Bytes sent and not yet given back. */
  get pending(): number {
    return this.inFlight;
  }

  /**
   * Waits until `bytes` more fit (a single oversized chunk is let through when nothing is in flight).
   * @throws the error given to {@link close}
   */
  async acquire(bytes: number): Promise<void> {
    while (this.inFlight > 0 && this.inFlight + bytes > this.size) {
      if (this.closedWith) throw this.closedWith;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.closedWith) throw this.closedWith;
    this.inFlight += bytes;
  }

  /** The worker consumed `bytes`. */
  release(bytes: number): void {
    if (bytes <= 0) return;
    this.inFlight = Math.max(0, this.inFlight - bytes);
    this.wake();
  }

  /** No more credit will come: every waiter (and later acquire) fails with `error`. */
  close(error: Error): void {
    this.closedWith ??= error;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
