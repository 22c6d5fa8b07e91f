/*
 * Leaks, measured by counts rather than time: channel tables on both sides, timers and handles
 * of this process, and heap growth after many remote executions on one popen gateway.
 * No execnet test corresponds; execnet relies on CPython refcounting to drop channels.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Gateway } from '@execnet/core';
import { gatewayPool, sleep } from './helpers.js';

// A gc() without --expose-gc on the command line (node:test cannot pass flags per file).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const open = gatewayPool();

/** Active handles and requests of this process, by kind, e.g. { Timeout: 1, PipeWrap: 4 }. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Both channel tables are empty and nothing runs remotely. */
async function assertNoChannels(gw: Gateway): Promise<void> {
  // The status round trip also makes sure every CHANNEL_CLOSE sent before it was handled.
  const status = await gw.remoteStatus();
  assert.equal(status.numChannels, 0, 'worker channel table');
  assert.equal(status.numExecuting, 0, 'worker executions');
  assert.equal(gw.numChannels, 0, 'master channel table');
}

describe('no leaks on one gateway', () => {
  let gw: Gateway;
  before(async () => {
    gw = await open();
    // Warm up: the first calls compile code paths and fill caches.
    for (let i = 0; i < 200; i++) await gw.remoteExec('channel.send(1)').receive();
    await assertNoChannels(gw);
  });

  it('10,000 sequential remoteExec calls leave no channels, timers, handles or heap behind', async () => {
    const handlesBefore = resources();
    const heapBefore = heapUsed();
    for (let i = 0; i < 10_000; i++) {
      const ch = gw.remoteExec('channel.send(1)');
      assert.equal(await ch.receive({ timeout: 30_000 }), 1);
    }
    await assertNoChannels(gw);
    assert.deepEqual(resources(), handlesBefore);
    const growth = heapUsed() - heapBefore;
    assert.ok(growth < 20 * 1024 * 1024, `heap grew by ${(growth / 1024 / 1024).toFixed(1)} MB`);
  });

  it('1,000 concurrent channels leave no channels, timers or handles behind', async () => {
    const handlesBefore = resources();
    const channels = Array.from({ length: 1000 }, () => gw.remoteExec('channel.send(await channel.receive())'));
    assert.equal(gw.numChannels, 1000);
    const echoed = await Promise.all(
      channels.map(async (ch, i) => {
        await ch.send(i);
        return ch.receive({ timeout: 30_000 });
      }),
    );
    assert.deepEqual(echoed, Array.from({ length: 1000 }, (_, i) => i));
    await assertNoChannels(gw);
    assert.deepEqual(resources(), handlesBefore);
  });

  it('receives, waitCloses and callbacks that finish leave no timers behind', async () => {
    const handlesBefore = resources();
    for (let i = 0; i < 300; i++) {
      const ch = gw.remoteExec('channel.send(await channel.receive())');
      const timedOut = await ch.receive({ timeout: 1 }).catch((e: unknown) => e);
      assert.equal((timedOut as { code?: string }).code, 'ERR_EXECNET_TIMEOUT');
      await ch.send(i);
      assert.equal(await ch.receive({ timeout: 30_000 }), i);
      await ch.waitClose({ timeout: 30_000 });
      const items: unknown[] = [];
      const cb = gw.remoteExec('channel.send(1)');
      cb.setCallback((item) => items.push(item), { endMarker: 'end' });
      await cb.waitClose({ timeout: 30_000 });
      assert.deepEqual(items, [1, 'end']);
    }
    await assertNoChannels(gw);
    assert.deepEqual(resources(), handlesBefore);
  });

  it('channels the master closes while remote code still runs are forgotten on both sides', async () => {
    const handlesBefore = resources();
    const blocked = Array.from({ length: 300 }, () => gw.remoteExec('await channel.receive()'));
    const chatty = Array.from({ length: 300 }, () =>
      gw.remoteExec('for (;;) { await channel.send(1); await new Promise((r) => setTimeout(r, 1)) }'),
    );
    for (const ch of chatty) await ch.receive({ timeout: 30_000 });
    for (const ch of [...blocked, ...chatty]) ch.close();
    for (let i = 0; i < 200 && (await gw.remoteStatus()).numExecuting > 0; i++) await sleep(10);
    await assertNoChannels(gw);
    assert.deepEqual(resources(), handlesBefore);
  });

  it('channels made with newChannel and closed are forgotten on both sides', async () => {
    const mine = Array.from({ length: 500 }, () => gw.newChannel());
    const ch = gw.remoteExec('for (const c of await channel.receive()) c.close()');
    await ch.send(mine);
    await ch.waitClose();
    await assertNoChannels(gw);
    assert.ok(mine.every((c) => c.isClosed));
    for (let i = 0; i < 500; i++) gw.newChannel().close();
    await assertNoChannels(gw);
  });
});

describe('no leaks across gateways', () => {
  it('a terminated gateway leaves no handles behind', async () => {
    // One gateway first, so module-level state (bundle, exit hooks) exists before counting.
    const first = await open();
    await first.terminate({ timeout: 2000 });
    await sleep(50);
    const before = resources();
    for (let i = 0; i < 5; i++) {
      const gw = await open();
      await gw.remoteExec('channel.send(1)').receive();
      await gw.terminate({ timeout: 2000 });
    }
    for (let i = 0; i < 100 && JSON.stringify(resources()) !== JSON.stringify(before); i++) await sleep(10);
    assert.deepEqual(resources(), before);
  });
});
