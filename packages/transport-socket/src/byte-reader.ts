import type { Duplex } from 'node:stream';

/** Why a {@link ByteReader} read failed. */
export class StreamEndedError extends Error {
  constructor(
    message: string,
    /** `end`: the peer closed; `error`: the stream failed (see `cause`); `overflow`: too many bytes. */
    readonly reason: 'end' | 'error' | 'overflow',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Reads exact byte counts from a socket during the handshake, before anything is piped.
 * Buffers at most `limit` bytes, so a peer cannot make us hold more than the handshake needs.
 * {@link release} hands the socket and any bytes read ahead back for normal use.
 */
export class ByteReader {
  private chunks: Buffer[] = [];
  private length = 0;
  private failure: StreamEndedError | undefined;
  private waiter:
    | { size: number; expect?: Uint8Array; resolve: (bytes: Buffer) => void; reject: (error: Error) => void }
    | undefined;
  private readonly onData = (chunk: Buffer): void => {
    this.chunks.push(chunk);
    this.length += chunk.length;
    if (this.length > this.limit && !(this.waiter && this.length >= this.waiter.size)) {
      this.fail(new StreamEndedError(`more than ${this.limit} bytes before the handshake completed`, 'overflow'));
      return;
    }
    this.serve();
  };
  private readonly onEnd = (): void => this.fail(new StreamEndedError('connection closed during the handshake', 'end'));
  private readonly onError = (error: Error): void => this.fail(new StreamEndedError(`connection failed during the handshake: ${error.message}`, 'error', { cause: error }));

  constructor(
    private readonly socket: Duplex,
    private readonly limit: number,
  ) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.on('error', this.onError);
  }

  /** Resolves with exactly `size` bytes; rejects with a {@link StreamEndedError}. */
  read(size: number): Promise<Buffer> {
    if (this.waiter) return Promise.reject(new Error('ByteReader: one read at a time'));
    return new Promise((resolve, reject) => {
      this.waiter = { size, resolve, reject };
      this.serve();
    });
  }

  /**
   * Reads `expected.length` bytes and resolves true if they are `expected`; resolves false as
   * soon as a byte differs, without waiting for the rest (so garbage is refused at once).
   */
  async readExpected(expected: Uint8Array): Promise<boolean> {
    if (this.waiter) throw new Error('ByteReader: one read at a time');
    const bytes = await new Promise<Buffer>((resolve, reject) => {
      this.waiter = { size: expected.length, expect: expected, resolve, reject };
      this.serve();
    });
    return bytes.length === expected.length && bytes.equals(expected);
  }

  /** Stops reading: pauses the socket, puts bytes read ahead back in front of it. */
  release(): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onError);
    this.socket.pause();
    if (this.length > 0) this.socket.unshift(Buffer.concat(this.chunks, this.length));
    this.chunks = [];
    this.length = 0;
  }

  private serve(): void {
    const waiter = this.waiter;
    if (!waiter) return;
    if (waiter.expect && this.length < waiter.size && this.length > 0) {
      const so = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.length);
      if (!so.equals(waiter.expect.subarray(0, so.length))) {
        this.waiter = undefined;
        waiter.resolve(so); // shorter than asked: the caller sees the mismatch
        return;
      }
    }
    if (this.length >= waiter.size) {
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.length);
      const bytes = all.subarray(0, waiter.size);
      const rest = all.subarray(waiter.size);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.length = rest.length;
      this.waiter = undefined;
      waiter.resolve(bytes);
    } else if (this.failure) {
      this.waiter = undefined;
      waiter.reject(this.failure);
    }
  }

  private fail(error: StreamEndedError): void {
    this.failure ??= error;
    if (error.reason === 'overflow') {
      this.chunks = [];
      this.length = 0;
    }
    this.serve();
  }
}
