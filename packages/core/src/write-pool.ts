import { noteBigBufferSent } from './memory-nudge.js';

/** Size of one pooled write buffer. */
const CHUNK_SIZE = 256 * 1024;
/**
 * Buffers kept for reuse, by all gateways of the process together (4 MiB). A write that the
 * kernel takes at once reports so only on the next tick, so a sender that goes on at once has up
 * to about two items' buffers out; more than this are left to the collector.
 */
const MAX_IDLE_CHUNKS = 16;

/** Writes one chunk; `done` is called once the stream no longer needs its bytes (it may be called more than once). */
export type ChunkWriter = (chunk: Uint8Array, done: () => void) => boolean;

/**
 * Reusable buffers for big frames on their way out.
 *
 * A sent value must be a snapshot: the sender may change its buffer as soon as `send()` returns,
 * while the stream still holds the bytes until the kernel took them. So a big bytes item is
 * copied, but into buffers that come back here when their write completes, instead of into a
 * fresh 1 MiB allocation per item. A sender of bulk data then makes no garbage, its process needs
 * no collections for it, and its pages stay mapped instead of being returned to the OS and
 * faulted in again.
 */
class WritePool {
  readonly #idle: Uint8Array[] = [];

  /**
   * Copies `bytes` into pooled buffers and writes them in order with `write`. Returns what the
   * last write returned (false: wait for 'drain'). `pending` tells how many bytes the stream
   * still holds: when it took everything at once, the buffers come back right away (the
   * callbacks of such writes only run on the next tick, after a sender's next `send`).
   */
  writeCopied(bytes: Uint8Array, write: ChunkWriter, pending: () => number): boolean {
    let accepted = true;
    const out: Array<() => void> = [];
    for (let at = 0; at < bytes.byteLength; at += CHUNK_SIZE) {
      const n = Math.min(CHUNK_SIZE, bytes.byteLength - at);
      const chunk = this.#take();
      chunk.set(n === bytes.byteLength ? bytes : bytes.subarray(at, at + n));
      let back = false;
      const giveBack = () => {
        if (back) return;
        back = true;
        this.#give(chunk);
      };
      out.push(giveBack);
      accepted = write(n === CHUNK_SIZE ? chunk : chunk.subarray(0, n), giveBack);
    }
    if (pending() === 0) for (const giveBack of out) giveBack();
    return accepted;
  }

  #take(): Uint8Array {
    const idle = this.#idle.pop();
    if (idle) return idle;
    // A new buffer now may be garbage later (when more are out than the pool keeps).
    noteBigBufferSent(CHUNK_SIZE);
    return new Uint8Array(CHUNK_SIZE);
  }

  #give(chunk: Uint8Array): void {
    if (this.#idle.length < MAX_IDLE_CHUNKS) this.#idle.push(chunk);
  }
}

/** The pool of the process: its buffers serve every gateway. */
export const writePool = new WritePool();
