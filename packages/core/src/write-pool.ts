/** Size of one pooled write buffer. */
const CHUNK_SIZE = 256 * 1024;
/** Buffers kept for reuse; more can be in flight at once, but those are left to the collector. */
const MAX_IDLE_CHUNKS = 8;

/** Writes one chunk; `done` is called once the stream no longer needs its bytes. */
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
export class WritePool {
  readonly #idle: Uint8Array[] = [];

  /**
   * Copies `parts` (one frame: header, codec framing, payload, …) into pooled buffers and writes
   * them in order with `write`. Returns what the last write returned (false: wait for 'drain').
   */
  writeCopied(parts: readonly Uint8Array[], write: ChunkWriter): boolean {
    let accepted = true;
    let chunk = this.#take();
    let used = 0;
    for (const part of parts) {
      let at = 0;
      while (at < part.byteLength) {
        const n = Math.min(CHUNK_SIZE - used, part.byteLength - at);
        chunk.set(n === part.byteLength ? part : part.subarray(at, at + n), used);
        used += n;
        at += n;
        if (used === CHUNK_SIZE) {
          accepted = this.#write(chunk, used, write);
          chunk = this.#take();
          used = 0;
        }
      }
    }
    if (used > 0) accepted = this.#write(chunk, used, write);
    else this.#give(chunk);
    return accepted;
  }

  #write(chunk: Uint8Array, used: number, write: ChunkWriter): boolean {
    return write(used === CHUNK_SIZE ? chunk : chunk.subarray(0, used), () => this.#give(chunk));
  }

  #take(): Uint8Array {
    return this.#idle.pop() ?? new Uint8Array(CHUNK_SIZE);
  }

  #give(chunk: Uint8Array): void {
    if (this.#idle.length < MAX_IDLE_CHUNKS) this.#idle.push(chunk);
  }
}
