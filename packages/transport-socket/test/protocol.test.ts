/* The handshake and record constants are wire format: pinned here, so a change fails loudly. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AuthMethod, AuthStatus, GREETING, NONCE_SIZE, PROOF_CONTEXT, PROOF_SIZE, RECORD_HEADER_SIZE, RecordKind, TLS_BINDING_LABEL } from '../src/protocol.js';
import { computeProof } from '../src/auth.js';

describe('socket protocol constants', () => {
  it('are pinned', () => {
    assert.equal(GREETING, 'execnet-socket/1\n');
    assert.deepEqual(AuthMethod, { NONE: 0, HMAC_SHA256: 1 });
    assert.deepEqual(AuthStatus, { OK: 0, FAILED: 1, SECRET_REQUIRED: 2, UNSUPPORTED: 3 });
    assert.deepEqual(RecordKind, { FRAMES: 0, STDOUT: 1, STDERR: 2, EXIT: 3 });
    assert.equal(RECORD_HEADER_SIZE, 5);
    assert.equal(NONCE_SIZE, 32);
    assert.equal(PROOF_SIZE, 32);
    assert.equal(PROOF_CONTEXT, 'execnet-socket/1 hmac-sha256');
    assert.equal(TLS_BINDING_LABEL, 'EXPORTER-execnet-socket-auth');
  });

  it('the proof is HMAC-SHA256 over context, both nonces, binding and role (known answer)', () => {
    const input = { secret: Buffer.from('secret'), serverNonce: Buffer.alloc(32, 1), clientNonce: Buffer.alloc(32, 2), binding: new Uint8Array(0) };
    const client = computeProof(input, 'client');
    const server = computeProof(input, 'server');
    assert.notDeepEqual(client, server);
    assert.equal(client.toString('hex'), KNOWN_CLIENT_PROOF);
  });
});

// Computed independently: createHmac('sha256', 'secret') over the same parts.
const KNOWN_CLIENT_PROOF = '240412ab9a18f485fed9de2015a1e55144047cf4b62c2712384707a45a655664';
