/*
 * The JavaScript remote side run in this process against a scripted master (white-box): the
 * protocol cases a real master rarely produces.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { blockSizeFor, weakSum } from '../src/delta.js';
import { createPacer } from '../src/memory-pacer.js';
import { encodeList, PROTOCOL_VERSION, STRONG_HASH, type RemoteConfig } from '../src/protocol.js';
import { remoteFiles } from '../src/remote-files.js';
import { remoteJsInstallSource, remoteJsSource, rsyncRemote } from '../src/remote-js.js';
import { tempDir } from './helpers.js';

/** A channel whose master side is the test: `push` what the master sends, `next` what the worker sent. */
function scriptedChannel() {
  const toWorker: unknown[] = [];
  const fromWorker: unknown[] = [];
  let wakeWorker: (() => void) | undefined;
  let wakeTest: (() => void) | undefined;
  return {
    channel: {
      async send(item: unknown) {
        fromWorker.push(item);
        wakeTest?.();
      },
      async receive() {
        while (toWorker.length === 0) await new Promise<void>((resolve) => (wakeWorker = resolve));
        return toWorker.shift();
      },
    },
    push(...items: unknown[]) {
      toWorker.push(...items);
      wakeWorker?.();
    },
    async next(): Promise<unknown[]> {
      while (fromWorker.length === 0) await new Promise<void>((resolve) => (wakeTest = resolve));
      return fromWorker.shift() as unknown[];
    },
    /** The next message that is not a credit. */
    async nextReal(): Promise<unknown[]> {
      for (;;) {
        const msg = await this.next();
        if (msg[0] !== 'credit') return msg;
      }
    },
  };
}

function config(dest: string, overrides: Partial<RemoteConfig> = {}): RemoteConfig {
  return {
    version: PROTOCOL_VERSION,
    dest,
    deleteExtra: false,
    dryRun: false,
    chunkSize: 256 * 1024,
    creditEvery: 1024 * 1024,
    deltaMinSize: 1024,
    strongHash: STRONG_HASH,
    memoryCheckEvery: 1024 * 1024,
    memorySlack: 4 * 1024 * 1024,
    paceMinSize: 64 * 1024 * 1024,
    ...overrides,
  };
}

const helpers = { weakSum, blockSizeFor, createPacer, remoteFiles };
const req = createRequire(import.meta.url);
const us = (seconds: number) => seconds * 1e6;

describe('the JavaScript remote side', () => {
  it('asks for the whole file when a rebuilt delta does not verify', async () => {
    const dest = tempDir();
    writeFileSync(join(dest, 'f'), Buffer.alloc(8192, 1));
    utimesSync(join(dest, 'f'), 1000, 1000);
    const s = scriptedChannel();
    const running = rsyncRemote(s.channel, config(dest), req as NodeRequire, helpers);
    s.push(encodeList([['', 'd', 0o755, us(1), 0, null], ['f', 'f', 0o644, us(2000), 8192, null]]), ['end']);
    const sig = await s.nextReal();
    assert.equal(sig[0], 'reqs');
    assert.deepEqual((sig[1] as unknown[][])[0]!.slice(0, 3), [1, 'sig', true]);
    assert.deepEqual(await s.nextReal(), ['listed', 1]);
    s.push(['delta', 1, [[0, 8192]]], ['eof', 1, createHash('md5').update('something else').digest()]);
    assert.deepEqual(await s.nextReal(), ['reqs', [[1, 'full', true, null]]]);
    s.push(['files', [[1, Buffer.byteLength('the real content')]]]);
    s.push(Buffer.from('the real content'));
    const acks = await s.nextReal();
    assert.deepEqual([acks[0], acks[2]], ['acks', [[1, 'written']]]);
    assert.equal((await s.nextReal())[0], 'done');
    await running;
    assert.equal(readFileSync(join(dest, 'f'), 'utf8'), 'the real content');
    assert.deepEqual(readdirSync(dest), ['f']);
  });

  it('refuses entry paths that climb out of the destination', async () => {
    const dest = tempDir();
    const s = scriptedChannel();
    const running = rsyncRemote(s.channel, config(dest), req as NodeRequire, helpers);
    s.push(encodeList([['', 'd', 0o755, us(1), 0, null], ['../escape', 'f', 0o644, us(1), 1, null]]));
    await assert.rejects(running, /bad entry path/);
    assert.equal(existsSync(join(dest, '..', 'escape')), false);
  });

  it('stops on abort and removes a half-written file', async () => {
    const dest = tempDir();
    const s = scriptedChannel();
    const running = rsyncRemote(s.channel, config(dest), req as NodeRequire, helpers);
    s.push(encodeList([['', 'd', 0o755, us(1), 0, null], ['big', 'f', 0o644, us(1), 1 << 20, null]]), ['end']);
    assert.deepEqual(await s.nextReal(), ['reqs', [[1, 'full', false, null]]]);
    s.push(['data', 1]);
    s.push(Buffer.alloc(4096));
    s.push(['abort']);
    await running;
    assert.deepEqual(readdirSync(dest), []);
  });

  it('is shipped as a small body that asks for the rest once per worker', () => {
    assert.ok(remoteJsSource().length < 1000);
    assert.ok(remoteJsSource().includes("'need-source'"));
    const install = remoteJsInstallSource();
    // The install expression defines the remote side without using this module.
    const remote = (0, eval)(install) as unknown;
    assert.equal(typeof remote, 'function');
  });

  it('compiles as plain JavaScript with its kwargs as parameters (no TypeScript transform per sync)', () => {
    // core's remoteExec offers each kwarg as a parameter; a name like `delete` would not compile.
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => unknown;
    assert.doesNotThrow(() => new AsyncFunction('channel', 'kwargs', 'require', ...Object.keys(config('/dest')), remoteJsSource()));
  });
});
