import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CHANNEL_ID_STEP,
  GATEWAY_CHANNEL_ID,
  HANDSHAKE_BYTE,
  HEADER_SIZE,
  HeaderOffset,
  MASTER_FIRST_CHANNEL_ID,
  MAX_CHANNEL_ID,
  MAX_PAYLOAD,
  MessageCode,
  WORKER_FIRST_CHANNEL_ID,
  isMessageCode,
  messageCodeName,
} from '../src/protocol.js';

// Pinned against execnet gateway_base.py (Message._types order, struct "!bii"):
// a renumbering here breaks wire compatibility with Python execnet.
describe('protocol constants', () => {
  it('pins the message code table', () => {
    assert.deepEqual(
      { ...MessageCode },
      {
        STATUS: 0,
        RECONFIGURE: 1,
        GATEWAY_TERMINATE: 2,
        CHANNEL_EXEC: 3,
        CHANNEL_DATA: 4,
        CHANNEL_CLOSE: 5,
        CHANNEL_CLOSE_ERROR: 6,
        CHANNEL_LAST_MESSAGE: 7,
      },
    );
  });

  it('messageCodeName maps codes to names and back', () => {
    for (const [name, code] of Object.entries(MessageCode)) {
      assert.equal(messageCodeName(code), name);
      assert.ok(isMessageCode(code));
    }
    for (const code of [-1, 8, 42, 127, 1.5, Number.NaN]) {
      assert.equal(messageCodeName(code), undefined);
      assert.equal(isMessageCode(code), false);
    }
  });

  it('pins the 9-byte header layout', () => {
    assert.equal(HEADER_SIZE, 9);
    assert.deepEqual({ ...HeaderOffset }, { CODE: 0, CHANNEL_ID: 1, LENGTH: 5 });
    // int8 + int32 + int32 fill the header exactly
    assert.equal(HeaderOffset.LENGTH + 4, HEADER_SIZE);
  });

  it('pins limits, channel id allocation and the handshake byte', () => {
    assert.equal(MAX_PAYLOAD, 2 ** 30);
    assert.equal(MAX_CHANNEL_ID, 2 ** 31 - 1);
    assert.equal(GATEWAY_CHANNEL_ID, 0);
    assert.equal(MASTER_FIRST_CHANNEL_ID % 2, 1);
    assert.equal(WORKER_FIRST_CHANNEL_ID % 2, 0);
    assert.equal(CHANNEL_ID_STEP, 2);
    assert.equal(HANDSHAKE_BYTE, '1'.charCodeAt(0));
  });
});
