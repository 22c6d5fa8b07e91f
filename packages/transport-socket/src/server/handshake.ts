import { TLSSocket, type SecureContext } from 'node:tls';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { computeProof, makeNonce, proofMatches } from '../auth.js';
import { ByteReader, StreamEndedError } from '../byte-reader.js';
import {
  AuthMethod,
  AuthStatus,
  GREETING_BYTES,
  NONCE_SIZE,
  PROOF_SIZE,
  TLS_BINDING_LABEL,
  TLS_BINDING_SIZE,
} from '../protocol.js';
import type { ConnectionOutcome } from './events.js';

/** Bytes a client may send before it is authenticated; its hello is far smaller. */
const PRE_AUTH_LIMIT = 4096;

/** What the server side of the handshake needs. */
export interface ServerHandshakeConfig {
  /** The shared secret; `undefined` accepts clients without one (insecure mode). */
  secret: Uint8Array | undefined;
  /** Wrap the connection in TLS with this context first. */
  tls: SecureContext | undefined;
}

/** The outcome of {@link serverHandshake}. */
export type HandshakeResult =
  | { ok: true; socket: Duplex }
  | { ok: false; outcome: ConnectionOutcome; reason: string };

/**
 * Runs the server side of the handshake on a fresh connection: TLS (if configured), the
 * greeting with a fresh nonce, the client's hello and proof, our answer. Nothing from the
 * client goes anywhere but this function until it resolves `ok`; the socket is then paused
 * with any bytes read ahead put back. On failure the client is told why (a status byte)
 * where the protocol allows it, and the connection is ended.
 */
export async function serverHandshake(raw: Socket, config: ServerHandshakeConfig): Promise<HandshakeResult> {
  let socket: Duplex = raw;
  let binding: Uint8Array = new Uint8Array(0);
  if (config.tls) {
    const secure = new TLSSocket(raw, { isServer: true, secureContext: config.tls });
    const failure = await new Promise<Error | undefined>((resolve) => {
      secure.once('secure', () => resolve(undefined));
      secure.once('error', resolve);
      secure.once('close', () => resolve(new Error('connection closed during the TLS handshake')));
    });
    if (failure) {
      secure.destroy();
      return { ok: false, outcome: 'invalid', reason: `TLS handshake failed: ${failure.message}` };
    }
    secure.on('error', () => undefined); // reported through the reader below
    binding = secure.exportKeyingMaterial(TLS_BINDING_SIZE, TLS_BINDING_LABEL, Buffer.alloc(0));
    socket = secure;
  }

  const reader = new ByteReader(socket, PRE_AUTH_LIMIT);
  const refuse = (status: number, outcome: ConnectionOutcome, reason: string): HandshakeResult => {
    reader.release();
    socket.end(Uint8Array.of(status));
    return { ok: false, outcome, reason };
  };
  try {
    const serverNonce = config.secret ? makeNonce() : undefined;
    const method = config.secret ? AuthMethod.HMAC_SHA256 : AuthMethod.NONE;
    socket.write(Buffer.concat([GREETING_BYTES, Uint8Array.of(method), ...(serverNonce ? [serverNonce] : [])]));

    if (!(await reader.readExpected(GREETING_BYTES))) {
      reader.release();
      socket.destroy();
      return { ok: false, outcome: 'invalid', reason: 'not an execnet socket client (bad greeting)' };
    }
    const [clientMethod] = await reader.read(1);
    if (clientMethod === AuthMethod.NONE) {
      if (config.secret) return refuse(AuthStatus.SECRET_REQUIRED, 'refused', 'client sent no secret');
      reader.release();
      socket.write(Uint8Array.of(AuthStatus.OK));
      return { ok: true, socket };
    }
    if (clientMethod !== AuthMethod.HMAC_SHA256 || !config.secret || !serverNonce) {
      return refuse(AuthStatus.UNSUPPORTED, 'invalid', `unsupported authentication method ${clientMethod}`);
    }
    const answer = await reader.read(NONCE_SIZE + PROOF_SIZE);
    const input = { secret: config.secret, serverNonce, clientNonce: answer.subarray(0, NONCE_SIZE), binding };
    if (!proofMatches(input, 'client', answer.subarray(NONCE_SIZE))) {
      return refuse(AuthStatus.FAILED, 'refused', 'wrong secret or replayed handshake');
    }
    reader.release();
    socket.write(Buffer.concat([Uint8Array.of(AuthStatus.OK), computeProof(input, 'server')]));
    return { ok: true, socket };
  } catch (error) {
    reader.release();
    socket.destroy();
    if (error instanceof StreamEndedError) {
      if (error.reason === 'overflow') return { ok: false, outcome: 'invalid', reason: error.message };
      return { ok: false, outcome: 'dropped', reason: error.message };
    }
    throw error;
  }
}
