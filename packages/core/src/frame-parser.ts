import { ProtocolError } from './errors.js';
import { noteBigBuffer } from './memory-nudge.js';
import { Message } from './message.js';
import { HEADER_SIZE, MAX_PAYLOAD, isMessageCode } from './protocol.js';
import type { MessageCode } from './protocol.js';

/** Called once per complete frame, in stream order. */
export type MessageHandler = (message: Message) => void;

const EMPTY = new Uint8Array(0);
/**
 * Payloads from this size up that arrive in several chunks are assembled as they come (one
 * buffer of the right size, no chunk list); up to ASSEMBLE_MAX, since the buffer is made when
 * the header is known, before the bytes are (a bigger announced length is only trusted as far
 * as bytes arrive).
 */
const ASSEMBLE_MIN = 16 * 1024;
const ASSEMBLE_MAX = 64 * 1024 * 1024;
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
 * chunks is copied exactly once into a buffer of its own: a big one (16 KiB up) as its chunks
 * arrive, a smaller one when its last byte arrives. The parser handles frames only; the
 * handshake byte that precedes them is the gateway's business.
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
  /** The payload being assembled in place (see {@link push}), and how many bytes it has. */
  #assembly: Uint8Array | undefined;
  #assembled = 0;
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
    return this.#buffered + this.#assembled + (this.#length >= 0 ? HEADER_SIZE : 0);
  }

  /**
   * Feeds the next chunk of the stream; calls the handler for each frame it completes.
   * @throws {ProtocolError} on an unknown message code, a negative channel id, or a length
   *   that is negative or above {@link MAX_PAYLOAD}; the stream cannot be resynchronised
   */
  push(chunk: Uint8Array): void {
    if (this.#error !== undefined) throw this.#error;
    if (chunk.byteLength === 0) return;
    const assembly = this.#assembly;
    if (assembly === undefined && this.#buffered === 0 && this.#length < 0) {
      // Nothing pending (the usual case): the chunk's whole frames are delivered straight from it.
      const at = this.#deliverWhole(chunk);
      if (at === chunk.byteLength) return;
      this.#queue(at === 0 ? chunk : chunk.subarray(at));
    } else if (assembly !== undefined) {
      // A big payload spread over chunks is copied into its buffer as each chunk arrives,
      // while the chunk is still in the cache, and the chunk is let go at once.
      const n = Math.min(assembly.byteLength - this.#assembled, chunk.byteLength);
      assembly.set(n === chunk.byteLength ? chunk : chunk.subarray(0, n), this.#assembled);
      this.#assembled += n;
      if (this.#assembled < assembly.byteLength) return;
      this.#assembly = undefined;
      this.#assembled = 0;
      // The rest of the chunk is queued first: if the handler throws, it is parsed next time.
      if (n < chunk.byteLength) this.#queue(chunk.subarray(n));
      this.#deliver(assembly);
    } else {
      this.#queue(chunk);
    }
    for (;;) {
      if (this.#length < 0) {
        if (this.#buffered < HEADER_SIZE) return;
        this.#readHeader();
      }
      if (this.#buffered < this.#length) {
        // Part of a big payload is here and the rest will follow: assemble it in a buffer of
        // its own from now on. (When a chunk holds exactly the payload, as a FrameReader
        // sends it, nothing is buffered yet and that chunk is passed on without a copy.)
        if (this.#buffered > 0 && this.#length >= ASSEMBLE_MIN && this.#length <= ASSEMBLE_MAX) {
          const target = allocPayload(this.#length);
          this.#assembled = this.#buffered;
          this.#copyInto(target, this.#buffered);
          this.#assembly = target;
        }
        return;
      }
      this.#deliver(this.#take(this.#length));
    }
  }

  /**
   * Delivers the complete frames at the start of `chunk` as views of it; returns where the rest
   * begins. A header that arrived whole is read into the state, so the caller queues after it.
   */
  #deliverWhole(chunk: Uint8Array): number {
    const end = chunk.byteLength;
    let at = 0;
    while (end - at >= HEADER_SIZE) {
      this.#parseHeader(chunk, at);
      const start = at + HEADER_SIZE;
      const length = this.#length;
      if (end - start < length) return start;
      at = start + length;
      // A view of the same kind as the chunk (a Buffer stays a Buffer, which the msgpack codec needs).
      const payload = length === 0 ? EMPTY : chunk.subarray(start, at);
      try {
        this.#deliver(payload);
      } catch (error) {
        // The frames after this one are delivered on the next push.
        if (at < end) this.#queue(chunk.subarray(at));
        throw error;
      }
    }
    return at;
  }

  #queue(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.#buffered += chunk.byteLength;
  }

  #deliver(payload: Uint8Array): void {
    const message = new Message(this.#code, this.#channelId, payload);
    this.#length = -1; // state is consistent before user code runs, so a throwing handler is safe
    this.#onMessage(message);
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
    this.#parseHeader(bytes, at);
  }

  /** Checks the header at `at` and makes it the frame awaited. */
  #parseHeader(bytes: Uint8Array, at: number): void {
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
    return this.#copyInto(allocRaw(n), n);
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

/** Size of the reused read buffer of {@link FrameReader}. */
const READ_SIZE = 64 * 1024;
/**
 * Frames whose header + payload exceed this are read straight into a buffer of their own.
 * Below READ_SIZE, so a frame that arrives whole inside the read buffer is always smaller than
 * the gateway's SHARE_PAYLOAD_MIN: its bytes values are copied, never views of reused memory.
 */
const OWN_BUFFER_MIN = READ_SIZE / 2;

/**
 * Chooses where the bytes of a frame stream are read to (with `net.Socket`'s `onread`), so that
 * a big payload lands in a buffer of its own once, with no chunk list, no copy and no 64 KiB
 * read buffers left for the garbage collector; small frames share one reused read buffer.
 *
 * It hands complete frames to `emit`, in stream order, as views for a {@link FrameParser}: a run
 * of small frames as one view of the read buffer, a big frame as a view holding its header,
 * then its payload as a buffer of exactly its length (which the parser passes on without a
 * copy). Views of the read buffer are only valid during the `emit` call (the buffer is reused
 * for the next read); the parser delivers complete frames synchronously and the gateway copies
 * what it keeps out of payloads that small.
 *
 * It checks only what it needs to size reads; on a header that makes no sense it stops
 * planning and passes the bytes on as they come, so the parser reports the protocol error.
 */
export class FrameReader {
  readonly #emit: (chunk: Uint8Array) => void;
  #buf = allocRaw(READ_SIZE);
  /** Bytes of #buf from #start to #end are read but not yet emitted. */
  #start = 0;
  #end = 0;
  /** The big payload being read, and how much of it arrived. */
  #payload: Uint8Array | undefined;
  #got = 0;
  /** After a bad header: every read goes to a new buffer and is emitted as it is. */
  #raw = false;
  /** Bytes at the start of the stream that are not frames (a handshake), emitted as they come. */
  #leading: number;

  /**
   * @param emit receives the chunks, in stream order
   * @param leadingBytes bytes that precede the first frame (the worker's handshake byte), passed on as they are
   */
  constructor(emit: (chunk: Uint8Array) => void, leadingBytes = 0) {
    this.#emit = emit;
    this.#leading = leadingBytes;
  }

  /** Where the next read should put its bytes (at most this buffer's length). */
  readTarget(): Uint8Array {
    if (this.#payload) return this.#payload.subarray(this.#got);
    if (this.#raw) return (this.#buf = allocRaw(READ_SIZE));
    return this.#buf.subarray(this.#end);
  }

  /** `n` bytes were read into the buffer {@link readTarget} returned last. */
  bytesRead(n: number): void {
    if (n <= 0) return;
    const payload = this.#payload;
    if (payload) {
      this.#got += n;
      if (this.#got === payload.byteLength) {
        this.#payload = undefined;
        this.#emit(payload);
      }
      return;
    }
    if (this.#raw) {
      this.#emit(this.#buf.subarray(0, n));
      return;
    }
    this.#end += n;
    if (this.#leading > 0) {
      const lead = Math.min(this.#leading, this.#end - this.#start);
      this.#leading -= lead;
      this.#emit(this.#buf.subarray(this.#start, this.#start + lead));
      this.#start += lead;
    }
    this.#scan();
  }

  /** The stream ended: passes on what is left of an incomplete frame (the parser then knows). */
  flush(): void {
    const rest = this.#payload ? this.#payload.subarray(0, this.#got) : this.#buf.slice(this.#start, this.#end);
    this.#payload = undefined;
    this.#start = this.#end = 0;
    if (rest.byteLength > 0) this.#emit(rest);
  }

  #scan(): void {
    const buf = this.#buf;
    const end = this.#end;
    let at = this.#start;
    while (end - at >= HEADER_SIZE) {
      const code = buf[at]!;
      const channelId = readInt32(buf, at + 1);
      const length = readInt32(buf, at + 5);
      if (code > 7 || channelId < 0 || length < 0 || length > MAX_PAYLOAD) {
        // Corrupt: the parser must see these bytes to say so. A copy, since #buf is not reused.
        this.#raw = true;
        const rest = buf.slice(this.#start, end);
        this.#start = this.#end = 0;
        this.#emit(rest);
        return;
      }
      const frameEnd = at + HEADER_SIZE + length;
      if (frameEnd <= end) {
        at = frameEnd;
        continue;
      }
      if (HEADER_SIZE + length > OWN_BUFFER_MIN) {
        // A big frame: its payload goes to a buffer of its own, the rest is read straight into it.
        const payload = allocPayload(length);
        const head = at + HEADER_SIZE;
        payload.set(buf.subarray(head, end));
        this.#payload = payload;
        this.#got = end - head;
        const start = this.#start;
        this.#start = this.#end = 0;
        this.#emit(buf.subarray(start, head));
        return;
      }
      break;
    }
    if (at > this.#start) {
      const start = this.#start;
      this.#start = at;
      this.#emit(buf.subarray(start, at));
    }
    if (this.#start === this.#end) {
      this.#start = this.#end = 0;
    } else if (READ_SIZE - this.#end < OWN_BUFFER_MIN) {
      // An incomplete small frame near the end of the buffer: move it to the front (< 32 KiB).
      buf.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
  }
}

/** The `onread` option of `net.Socket` and `net.connect`: where to read, and what was read. */
export interface ReadInPlace {
  buffer: () => Uint8Array;
  callback: (bytesRead: number) => boolean;
}

/** The parts of a socket that {@link frameReadingSocket} uses. */
interface FrameSocketEvents {
  emit(event: 'data', chunk: Uint8Array): boolean;
  prependListener(event: 'end', listener: () => void): unknown;
}

/**
 * A socket that reads frames in place with a {@link FrameReader}: `open` makes it with the
 * `onread` option it is given; the socket then emits 'data' with chunks that end at frame
 * boundaries, each valid only during its event.
 * @param leadingBytes bytes before the first frame (the worker's handshake byte), passed on as they are
 * @example
 * const socket = frameReadingSocket((onread) => net.connect({ path, onread }))
 */
export function frameReadingSocket<S extends FrameSocketEvents>(open: (onread: ReadInPlace) => S, leadingBytes = 0): S {
  let socket: S | undefined;
  const reader = new FrameReader((chunk) => socket!.emit('data', chunk), leadingBytes);
  socket = open({
    buffer: () => reader.readTarget(),
    callback: (n) => {
      reader.bytesRead(n);
      return true;
    },
  });
  // The last bytes of an incomplete frame reach the parser before 'end' does.
  socket.prependListener('end', () => reader.flush());
  return socket;
}

/**
 * A buffer for one big payload. The memory nudge may collect first: the payloads before this
 * one were usually dropped by now, and their memory is then reused for this one instead of new
 * pages being faulted in (and the old ones given back to the OS later).
 */
function allocPayload(n: number): Uint8Array {
  noteBigBuffer(n);
  return allocRaw(n);
}

/** A buffer of its own (not the shared pool), not zero-filled. */
function allocRaw(n: number): Uint8Array {
  return NodeBuffer ? NodeBuffer.allocUnsafeSlow(n) : new Uint8Array(n);
}
