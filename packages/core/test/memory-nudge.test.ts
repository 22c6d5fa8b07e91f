/*
 * The minor collections asked for during bulk transfers: they free dropped big buffers at once
 * (so the next payload reuses their memory), and leave no trace in the program: no `gc` global,
 * anywhere, and V8's flags as they were.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runInNewContext, Script } from 'node:vm';
import { noteBigBuffer } from '../src/memory-nudge.js';

const MiB = 1024 * 1024;

describe('noteBigBuffer', () => {
  it('frees dropped big buffers during the nudge, and leaves no gc function behind in this or new contexts', () => {
    const hadGc = typeof (globalThis as { gc?: unknown }).gc === 'function';
    noteBigBuffer(4 * MiB); // the first nudge: looks the collector up
    let sum = 0;
    for (let i = 0; i < 16; i++) sum += new Uint8Array(MiB).fill(1)[i]!; // 16 MiB made and dropped
    assert.equal(sum, 16);
    const before = process.memoryUsage().arrayBuffers;
    assert.ok(before >= 16 * MiB, `only ${before} bytes of array buffers before the nudge`);
    noteBigBuffer(4 * MiB);
    // Released in the collection's pause, not later on a background thread.
    const after = process.memoryUsage().arrayBuffers;
    assert.ok(before - after >= 12 * MiB, `array buffers ${before} → ${after} bytes`);
    assert.equal(typeof (globalThis as { gc?: unknown }).gc === 'function', hadGc);
    assert.equal(runInNewContext('typeof gc'), 'undefined');
  });

  it('leaves V8 flags as they were: a code cache made before a nudge is still accepted after it', () => {
    const source = 'function f(a) { return a * 2 } f(21)';
    const cachedData = new Script(source, { filename: 'nudge-flags.js' }).createCachedData();
    noteBigBuffer(4 * MiB);
    new Uint8Array(MiB).fill(1);
    noteBigBuffer(4 * MiB);
    const script = new Script(source, { filename: 'nudge-flags.js', cachedData });
    assert.equal(script.cachedDataRejected, false, 'V8 rejects caches made under other flags');
  });
});
