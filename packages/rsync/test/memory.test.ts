/*
 * Memory does not depend on file size: a 1 GiB file is streamed in bounded chunks, so the
 * master's and the worker's resident memory grow by less than 32 MiB while it is synced.
 * Alone in its file, so the master process measured is this test's own.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Gateway } from '@execnet/core';
import { RSync } from '@execnet/rsync';
import { gatewayPool, tempDir } from './helpers.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** Peak resident memory of the worker so far and its current one, in bytes, measured inside it. */
async function workerMemory(gw: Gateway): Promise<{ peak: number; now: number }> {
  const ch = gw.remoteExec('channel.send([process.resourceUsage().maxRSS * 1024, process.memoryUsage().rss])');
  const [peak, now] = (await ch.receive()) as [number, number];
  return { peak, now };
}

describe('memory', () => {
  const open = gatewayPool();

  it('syncing a 1 GiB file grows master and worker memory by less than 32 MiB', { timeout: 10 * 60_000 }, async (test) => {
    const t = tempDir();
    const src = join(t, 'src');
    const dst = join(t, 'dst');
    mkdirSync(src);
    // Warm up both sides (code, buffers) on a small tree first.
    writeFileSync(join(src, 'small'), randomBytes(3 * MiB));
    const gw = await open();
    await new RSync(src, { verbose: false }).addTarget(gw, dst).send();

    // 1 GiB, written fast as a repeated 1 MiB pattern (each MiB stamped with its index).
    const big = join(src, 'big.bin');
    const pattern = randomBytes(MiB);
    const fd = openSync(big, 'w');
    try {
      for (let i = 0; i < GiB / MiB; i++) {
        pattern.writeUInt32LE(i, 0);
        writeSync(fd, pattern);
      }
    } finally {
      closeSync(fd);
    }
    try {
      const masterBefore = process.memoryUsage().rss;
      const worker = await workerMemory(gw);
      const report = await new RSync(src, { verbose: false }).addTarget(gw, dst).send();
      const masterPeak = process.resourceUsage().maxRSS * 1024;
      const workerAfter = await workerMemory(gw);
      assert.equal(report.targets[0]!.literalBytes, GiB);
      assert.equal(statSync(join(dst, 'big.bin')).size, GiB);
      const masterGrowth = masterPeak - masterBefore;
      const workerGrowth = workerAfter.peak - worker.now;
      const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
      test.diagnostic(`master grew by ${mib(masterGrowth)}, worker by ${mib(workerGrowth)}`);
      assert.ok(masterGrowth < 32 * MiB, `master grew by ${mib(masterGrowth)}`);
      assert.ok(workerGrowth < 32 * MiB, `worker grew by ${mib(workerGrowth)}`);
    } finally {
      rmSync(big, { force: true });
      rmSync(join(dst, 'big.bin'), { force: true });
    }
  });
});
