import { ProtocolError } from './errors.js';
import { Message } from './message.js';
import { HEADER_SIZE, MAX_PAYLOAD, isMessageCode } from './protocol.js';
import type { MessageCode } from './protocol.js';

/** Called once per complete frame, in stream order. */
export type MessageHandler = (message: Message) => void;

const EMPTY = new Uint8Array(0);
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;

function hexByte(value: number): string {
  return `0x${(value & 0xff).toString(16).padStart(2, '0')}`;
}

// Big-endian signed int32 without a DataView: `<< 24` yields the sign for free.
function readInt32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
}

/**
 * Splits a byte stream into {@link Message}s.
 *
 * Chunks are queued as they arrive and never concatenated wholesale: a frame that lies inside
 * one chunk is delivered as a `subarray` of it (no copy), and a frame spread over several
 * chunks is copied exactly once, when its last byte arrives. The parser handles frames only;
 * the handshake byte that precedes them is the gateway's business.
 *
 * After a {@link ProtocolError} the parser is unusable: every later `push` throws the same error.
 * @example
 * const parser = new FrameParser((msg) => log('received', msg));
 * for await (const chunk of connection.readable) parser.push(chunk);
 * if (parser.pendingBytes > 0) throw new EOFError('connection closed inside a frame');
 */
export class FrameParser {
  readonly #onMessage: MessageHandler;
  // Pending chunks; chunks before #head are consumed, and #offset bytes of chunks[#head] too.
  readonly #chunks: Uint8Array[] = [];
  #head = 0;
  #offset = 0;
  /** Unconsumed bytes in #chunks. */
  #buffered = 0;
  // The header of the frame whose payload is awaited; #length < 0 while awaiting a header.
  #code: MessageCode = 0;
  #channelId = 0;
  #length = -1;
  readonly #scratch = new Uint8Array(HEADER_SIZE);
  #error: ProtocolError | undefined;

  /**
   * @param onMessage called synchronously from {@link push} for every complete frame. If it
   *   throws, the error propagates out of `push`; frames still buffered are delivered on the
   *   next `push`.
   */
  constructor(onMessage: MessageHandler) {
    this.#onMessage = onMessage;
  }

  /**
   * Bytes received that belong to a frame not yet delivered (header included). Non-zero at
   * the end of the stream means the peer stopped in the middle of a frame.
   */
  get pendingBytes(): number {
    return this.#buffered + (this.#length >= 0 ? HEADER_SIZE : 0);
  }

  /**
   * Feeds the next chunk of the stream; calls the handler for each frame it completes.
   * @throws {ProtocolError} on an unknown message code, a negative channel id, or a length
   *   that is negative or above {@link MAX_PAYLOAD}; the stream cannot be resynchronised
   */
  push(chunk: Uint8Array): void {
    if (this.#error !== undefined) throw this.#error;
    if (chunk.byteLength === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.byteLength;
    for (;;) {
      if (this.#length < 0) {
        if (this.#buffered < HEADER_SIZE) return;
        this.#readHeader();
      }
      if (this.#buffered < this.#length) return;
      const message = new Message(this.#code, this.#channelId, this.#take(this.#length));
      this.#length = -1; // state is consistent before user code runs, so a throwing handler is safe
      this.#onMessage(message);
    }
  }

  #readHeader(): void {
    const first = this.#chunks[this.#head]!;
    let bytes: Uint8Array;
    let at: number;
    if (first.byteLength - this.#offset >= HEADER_SIZE) {
      bytes = first;
      at = this.#offset;
      this.#skip(HEADER_SIZE);
    } else {
      bytes = this.#copyInto(this.#scratch, HEADER_SIZE);
      at = 0;
    }
    const code = (bytes[at]! << 24) >> 24; // int8
    const channelId = readInt32(bytes, at + 1);
    const length = readInt32(bytes, at + 5);
    if (!isMessageCode(code)) {
      this.#fail(`unknown message code ${hexByte(code)} on channel ${channelId}`, code, channelId);
    }
    if (channelId < 0) {
      this.#fail(`invalid channel id ${channelId} in ${hexByte(code)} frame`, code, channelId);
    }
    if (length < 0) {
      this.#fail(`negative frame length ${length} on channel ${channelId}`, code, channelId);
    }
    if (length > MAX_PAYLOAD) {
      this.#fail(`frame length ${length} exceeds limit ${MAX_PAYLOAD}`, code, channelId);
    }
    this.#code = code;
    this.#channelId = channelId;
    this.#length = length;
  }

  #fail(message: string, messageCode: number, channelId: number): never {
    this.#error = new ProtocolError(message, { messageCode, channelId });
    throw this.#error;
  }

  /** Returns the next `n` buffered bytes; a view into a chunk when they lie inside one. */
  #take(n: number): Uint8Array {
    if (n === 0) return EMPTY;
    const first = this.#chunks[this.#head]!;
    if (first.byteLength - this.#offset >= n) {
      const view = first.subarray(this.#offset, this.#offset + n);
      this.#skip(n);
      return view;
    }
    // Its own buffer (not the shared pool), and not zero-filled: every byte is overwritten now.
    return this.#copyInto(NodeBuffer ? NodeBuffer.allocUnsafeSlow(n) : new Uint8Array(n), n);
  }

  /** Consumes `n` bytes of the first chunk, which must hold at least that many. */
  #skip(n: number): void {
    this.#offset += n;
    this.#buffered -= n;
    if (this.#offset === this.#chunks[this.#head]!.byteLength) this.#dropHead();
  }

  /** Moves the next `n` buffered bytes into `target`, across as many chunks as needed. */
  #copyInto(target: Uint8Array, n: number): Uint8Array {
    let filled = 0;
    while (filled < n) {
      const chunk = this.#chunks[this.#head]!;
      const count = Math.min(n - filled, chunk.byteLength - this.#offset);
      target.set(chunk.subarray(this.#offset, this.#offset + count), filled);
      filled += count;
      this.#offset += count;
      if (this.#offset === chunk.byteLength) this.#dropHead();
    }
    this.#buffered -= n;
    return target;
  }

  #dropHead(): void {
    this.#offset = 0;
    // Let go of the consumed chunk now: in a steady stream the array is rarely empty, and
    // holding up to 1024 read chunks until the next compaction pinned tens of MiB.
    this.#chunks[this.#head] = EMPTY;
    this.#head += 1;
    if (this.#head === this.#chunks.length) {
      // Usual case: everything consumed, start over without shifting.
      this.#chunks.length = 0;
      this.#head = 0;
    } else if (this.#head >= 1024) {
      // A huge frame arriving in many chunks: compact now and then instead of shift()ing each.
      this.#chunks.splice(0, this.#head);
      this.#head = 0;
    }
  }
}
