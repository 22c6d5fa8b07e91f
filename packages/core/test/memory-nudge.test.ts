/*
 * The minor collections asked for during bulk transfers: they free dropped big buffers, and
 * looking up V8's collector leaves no trace in the program (no `gc` global, anywhere).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { noteBigBuffer } from '../src/memory-nudge.js';

const MiB = 1024 * 1024;

describe('noteBigBuffer', () => {
  it('frees dropped big buffers, and leaves no gc function behind in this or new contexts', async () => {
    const hadGc = typeof (globalThis as { gc?: unknown }).gc === 'function';
    noteBigBuffer(4 * MiB); // the first nudge: looks the collector up
    let sum = 0;
    for (let i = 0; i < 16; i++) sum += new Uint8Array(MiB).fill(1)[i]!; // 16 MiB made and dropped
    assert.equal(sum, 16);
    const before = process.memoryUsage().arrayBuffers;
    assert.ok(before >= 16 * MiB, `only ${before} bytes of array buffers before the nudge`);
    noteBigBuffer(4 * MiB);
    // V8 releases the memory of collected buffers on a background thread, soon after.
    let after = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 100 && before - after < 12 * MiB; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      after = process.memoryUsage().arrayBuffers;
    }
    assert.ok(before - after >= 12 * MiB, `array buffers ${before} → ${after} bytes`);
    assert.equal(typeof (globalThis as { gc?: unknown }).gc === 'function', hadGc);
    assert.equal(runInNewContext('typeof gc'), 'undefined');
  });
});
