/**
 * Wire protocol constants, byte-compatible with Python execnet (`gateway_base.py`, `Message`).
 *
 * A frame is a 9-byte big-endian header `int8 code, int32 channel id, int32 payload length`
 * followed by the payload (`struct.pack("!bii", ...)` in Python).
 */

/**
 * Message codes, numbered as in Python execnet's `Message._types` table.
 * @see execnet gateway_base.Message
 */
export const MessageCode = {
  STATUS: 0,
  RECONFIGURE: 1,
  GATEWAY_TERMINATE: 2,
  CHANNEL_EXEC: 3,
  CHANNEL_DATA: 4,
  CHANNEL_CLOSE: 5,
  CHANNEL_CLOSE_ERROR: 6,
  CHANNEL_LAST_MESSAGE: 7,
} as const;

/** A valid message code (0..7). */
export type MessageCode = (typeof MessageCode)[keyof typeof MessageCode];

/** The name of a message code, e.g. `'CHANNEL_DATA'`. */
export type MessageCodeName = keyof typeof MessageCode;

// Index = code; built from the table so the two can never disagree.
const codeNames: readonly MessageCodeName[] = (Object.keys(MessageCode) as MessageCodeName[]).sort(
  (a, b) => MessageCode[a] - MessageCode[b],
);

/** True when `code` is one of the {@link MessageCode} values. */
export function isMessageCode(code: number): code is MessageCode {
  return Number.isInteger(code) && code >= 0 && code < codeNames.length;
}

/** The name of a message code (`4` → `'CHANNEL_DATA'`), or `undefined` for an unknown code. */
export function messageCodeName(code: number): MessageCodeName | undefined {
  return isMessageCode(code) ? codeNames[code] : undefined;
}

/** Size of a frame header in bytes: int8 code + int32 channel id + int32 length. */
export const HEADER_SIZE = 9;

/** Byte offsets of the header fields; all integers are big-endian and signed. */
export const HeaderOffset = {
  /** int8 message code. */
  CODE: 0,
  /** int32 channel id (0 for gateway-level messages). */
  CHANNEL_ID: 1,
  /** int32 payload length. */
  LENGTH: 5,
} as const;

/**
 * Largest payload accepted or produced, in bytes (1 GiB).
 *
 * The wire allows up to 2^31-1, but a peer announcing more than this is almost certainly
 * a corrupt stream (e.g. stray text on stdout read as a header), and trusting it would make
 * us buffer gigabytes before failing. Big data should travel as many items anyway.
 */
export const MAX_PAYLOAD = 1024 * 1024 * 1024;

/** Largest channel id: ids are signed int32 on the wire and never negative. */
export const MAX_CHANNEL_ID = 0x7fffffff;

/** Channel id of gateway-level messages (GATEWAY_TERMINATE, gateway RECONFIGURE). */
export const GATEWAY_CHANNEL_ID = 0;

/** First channel id allocated by the master; master ids are odd. */
export const MASTER_FIRST_CHANNEL_ID = 1;

/** First channel id allocated by the worker; worker ids are even. */
export const WORKER_FIRST_CHANNEL_ID = 2;

/** Step between consecutive channel ids of one side, so the two sides never collide. */
export const CHANNEL_ID_STEP = 2;

/** The byte (ASCII `'1'`) a worker writes once it is ready, before any frame. */
export const HANDSHAKE_BYTE = 0x31;
