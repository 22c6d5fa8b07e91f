/*
 * The V8 code cache of the worker runtime (core README, "Code cache"): the first local Node
 * worker of a runtime writes it at exit, but only once remote code that sent items ran to its
 * end, so the cache covers a whole round trip; later workers start from it.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeGateway, type Gateway } from '@execnet/core';

/** Makes a popen gateway whose workers keep their code cache in `dir`. */
async function gatewayWithCacheIn(dir: string): Promise<Gateway> {
  const previous = process.env.EXECNET_CODE_CACHE;
  process.env.EXECNET_CODE_CACHE = dir;
  try {
    return await makeGateway('popen');
  } finally {
    if (previous === undefined) delete process.env.EXECNET_CODE_CACHE;
    else process.env.EXECNET_CODE_CACHE = previous;
  }
}

const cacheFiles = (dir: string): string[] => readdirSync(dir).filter((name) => name.endsWith('.v8'));

describe('worker code cache', () => {
  const dir = mkdtempSync(join(tmpdir(), 'execnet-cache-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is not written by a worker whose remote code only exits, nor by one that sent nothing', async () => {
    const exiting = await gatewayWithCacheIn(dir);
    await assert.rejects(exiting.remoteExec('process.exit(3)').receive({ timeout: 10_000 }));
    await exiting.join({ timeout: 10_000 });
    const silent = await gatewayWithCacheIn(dir);
    await silent.remoteExec('const x = 1 + 1').waitClose({ timeout: 10_000 });
    await silent.exit();
    await silent.join({ timeout: 10_000 });
    assert.deepEqual(cacheFiles(dir), []);
  });

  it('is written once a remote round trip ran, and later workers start with it', async () => {
    const first = await gatewayWithCacheIn(dir);
    const ch = first.remoteExec('channel.send(await channel.receive() + 1)');
    await ch.send(41);
    assert.equal(await ch.receive({ timeout: 10_000 }), 42);
    await ch.waitClose({ timeout: 10_000 });
    await first.exit();
    await first.join({ timeout: 10_000 });
    const written = cacheFiles(dir);
    assert.equal(written.length, 1, `one cache file for this runtime and Node: ${written.join(', ')}`);
    assert.match(written[0]!, new RegExp(`^worker-[0-9a-f]+-${process.version}-${process.arch}\\.v8$`));

    const second = await gatewayWithCacheIn(dir);
    assert.equal(await second.remoteExec('channel.send(2 * 21)').receive({ timeout: 10_000 }), 42);
    await second.exit();
    await second.join({ timeout: 10_000 });
    assert.deepEqual(cacheFiles(dir), written);
  });
});
