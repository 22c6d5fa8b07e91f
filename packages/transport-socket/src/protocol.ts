/**
 * The socket protocol: constants and types only (see README "Protocol").
 *
 * 1. server → client greeting: {@link GREETING} + method byte + (hmac) 32-byte server nonce
 * 2. client → server hello:    {@link GREETING} + method byte + (hmac) 32-byte client nonce
 *                              + 32-byte client proof
 * 3. server → client result:   status byte + (ok, hmac) 32-byte server proof
 * 4. then client → server: raw bytes for the worker (the bootstrap, then frames);
 *    server → client: records, each a 5-byte header `uint8 kind, uint32 length` (big-endian)
 *    and that many bytes, so the worker's frames, its stdout/stderr and its exit status
 *    share the one connection.
 */

/** First bytes of both hellos: names the protocol and its version, readable in a capture. */
export const GREETING = 'execnet-socket/1\n';
/** {@link GREETING} as bytes. */
export const GREETING_BYTES: Uint8Array = new TextEncoder().encode(GREETING);

/** How the client proves itself. */
export const AuthMethod = {
  /** No secret: only a server started with `insecureNoSecret` accepts it. */
  NONE: 0,
  /** Challenge-response, HMAC-SHA256 over both nonces with the shared secret. */
  HMAC_SHA256: 1,
} as const;
/** A value of {@link AuthMethod}. */
export type AuthMethod = (typeof AuthMethod)[keyof typeof AuthMethod];

/** The server's answer to the client hello. */
export const AuthStatus = {
  OK: 0,
  /** The client's proof is wrong: wrong secret, or a replayed hello. */
  FAILED: 1,
  /** The server requires a secret and the client sent none. */
  SECRET_REQUIRED: 2,
  /** The client asked for a method or version the server does not speak. */
  UNSUPPORTED: 3,
} as const;
/** A value of {@link AuthStatus}. */
export type AuthStatus = (typeof AuthStatus)[keyof typeof AuthStatus];

/** Bytes of each nonce. */
export const NONCE_SIZE = 32;
/** Bytes of an HMAC-SHA256 proof. */
export const PROOF_SIZE = 32;
/** Bytes of TLS keying material mixed into the proofs (binds them to this TLS session). */
export const TLS_BINDING_SIZE = 32;
/** The RFC 5705 exporter label for {@link TLS_BINDING_SIZE}. */
export const TLS_BINDING_LABEL = 'EXPORTER-execnet-socket-auth';
/** Domain separation of the proofs: never valid for anything but this protocol. */
export const PROOF_CONTEXT = 'execnet-socket/1 hmac-sha256';

/** Kinds of the server → client records after authentication. */
export const RecordKind = {
  /** Bytes the worker wrote to its protocol stream (frames, the handshake byte). */
  FRAMES: 0,
  /** The worker's stdout. */
  STDOUT: 1,
  /** The worker's stderr. */
  STDERR: 2,
  /** The worker ended: JSON `{"code": number|null, "signal": string|null}`; the last record. */
  EXIT: 3,
} as const;
/** A value of {@link RecordKind}. */
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];

/** Bytes of a record header. */
export const RECORD_HEADER_SIZE = 5;
/** Largest record the server writes; a bigger one is a protocol error on the client. */
export const MAX_RECORD = 1024 * 1024;
