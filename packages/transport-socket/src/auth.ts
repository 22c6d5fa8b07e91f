import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { NONCE_SIZE, PROOF_CONTEXT } from './protocol.js';

/** Who computes a proof; part of the MAC input, so a client proof never passes as a server proof. */
export type ProofRole = 'client' | 'server';

/** The inputs both sides share once the nonces are exchanged. */
export interface ProofInput {
  secret: Uint8Array;
  serverNonce: Uint8Array;
  clientNonce: Uint8Array;
  /** TLS exported keying material, or empty without TLS. */
  binding: Uint8Array;
}

/** A fresh random nonce. */
export function makeNonce(): Buffer {
  return randomBytes(NONCE_SIZE);
}

/**
 * HMAC-SHA256(secret, context || serverNonce || clientNonce || binding || role).
 * Both nonces make every proof unique to one connection: a recorded client hello fails
 * against a fresh server nonce, and a recorded server answer fails against a fresh client
 * nonce. All parts but the role have fixed lengths, so the concatenation is unambiguous.
 */
export function computeProof(input: ProofInput, role: ProofRole): Buffer {
  const mac = createHmac('sha256', input.secret);
  mac.update(PROOF_CONTEXT);
  mac.update(input.serverNonce);
  mac.update(input.clientNonce);
  mac.update(input.binding);
  mac.update(role);
  return mac.digest();
}

/** Compares a received proof with the expected one in constant time. */
export function proofMatches(input: ProofInput, role: ProofRole, received: Uint8Array): boolean {
  const expected = computeProof(input, role);
  return received.length === expected.length && timingSafeEqual(expected, received);
}
