import { ProtocolError } from './errors.js';
import { HEADER_SIZE, MAX_CHANNEL_ID, MAX_PAYLOAD, isMessageCode, messageCodeName } from './protocol.js';
import type { MessageCode } from './protocol.js';

/**
 * One protocol message: a code, the channel it concerns (0 for the gateway) and its payload.
 *
 * Messages from {@link FrameParser} may share memory with the chunk they arrived in
 * (`payload` is then a `subarray`); copy the payload if it must outlive the chunk's reuse.
 * @see execnet gateway_base.Message
 */
export class Message {
  /** The message code. */
  readonly code: MessageCode;
  /** The channel id, 0 for gateway-level messages. */
  readonly channelId: number;
  /** The payload bytes (serialized data, or empty). */
  readonly payload: Uint8Array;

  constructor(code: MessageCode, channelId: number, payload: Uint8Array) {
    this.code = code;
    this.channelId = channelId;
    this.payload = payload;
  }

  /** The code's name, e.g. `'CHANNEL_DATA'`. */
  get codeName(): string {
    return messageCodeName(this.code) ?? `UNKNOWN(${this.code})`;
  }

  /** Encodes this message as one frame (header + payload). */
  encode(): Uint8Array {
    return encodeFrame(this.code, this.channelId, this.payload);
  }

  /** The execnet repr, used in debug traces: `<Message CHANNEL_DATA channel=1 lendata=6>`. */
  toString(): string {
    return `<Message ${this.codeName} channel=${this.channelId} lendata=${this.payload.byteLength}>`;
  }

  /** Node's `util.inspect` shows the execnet repr instead of the payload bytes. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

// Writes the header fields by hand: cheaper than a DataView per frame, and sign-agnostic
// because every value was range-checked first.
function writeHeader(target: Uint8Array, code: number, channelId: number, length: number): void {
  target[0] = code;
  target[1] = channelId >>> 24;
  target[2] = (channelId >>> 16) & 0xff;
  target[3] = (channelId >>> 8) & 0xff;
  target[4] = channelId & 0xff;
  target[5] = length >>> 24;
  target[6] = (length >>> 16) & 0xff;
  target[7] = (length >>> 8) & 0xff;
  target[8] = length & 0xff;
}

function checkHeader(code: number, channelId: number, length: number): void {
  if (!isMessageCode(code)) {
    throw new ProtocolError(`cannot encode unknown message code ${code}`, { messageCode: code, channelId });
  }
  if (!Number.isInteger(channelId) || channelId < 0 || channelId > MAX_CHANNEL_ID) {
    throw new ProtocolError(`cannot encode invalid channel id ${channelId}`, { messageCode: code, channelId });
  }
  if (!Number.isInteger(length) || length < 0 || length > MAX_PAYLOAD) {
    throw new ProtocolError(`cannot encode frame length ${length}: limit is ${MAX_PAYLOAD}`, {
      messageCode: code,
      channelId,
    });
  }
}

/**
 * Encodes a 9-byte frame header alone. Use it to write a large payload without copying it
 * into a new buffer (`writev([header, payload])`).
 * @throws {ProtocolError} for an unknown code, a channel id outside 0..2^31-1, or a length
 *   outside 0..{@link MAX_PAYLOAD}
 */
export function encodeHeader(code: MessageCode, channelId: number, length: number): Uint8Array {
  checkHeader(code, channelId, length);
  // A Buffer, so that Node's streams take it as it is (a plain Uint8Array gets wrapped per write).
  const header = Buffer.allocUnsafe(HEADER_SIZE);
  writeHeader(header, code, channelId, length);
  return header;
}

/**
 * Encodes one complete frame (header + payload) in a single buffer, so it can be written
 * with one `write` call as Python execnet does.
 * @throws {ProtocolError} as {@link encodeHeader}
 * @example
 * encodeFrame(MessageCode.CHANNEL_DATA, 1, payload) // 04 00000001 <len> <payload>
 */
export function encodeFrame(code: MessageCode, channelId: number, payload: Uint8Array): Uint8Array {
  checkHeader(code, channelId, payload.byteLength);
  // Every byte is written below; a Buffer is taken by Node's streams as it is.
  const frame = Buffer.allocUnsafe(HEADER_SIZE + payload.byteLength);
  writeHeader(frame, code, channelId, payload.byteLength);
  frame.set(payload, HEADER_SIZE);
  return frame;
}

/**
 * Writes the header of a frame made with room for it: `frame` is 9 free bytes, then the payload.
 * @throws {ProtocolError} as {@link encodeHeader}
 */
export function fillHeader(frame: Uint8Array, code: MessageCode, channelId: number): void {
  const length = frame.byteLength - HEADER_SIZE;
  checkHeader(code, channelId, length);
  writeHeader(frame, code, channelId, length);
}
