// Shipping modules with their dependencies, and TypeScript code (DESIGN §7, remoteExec with a URL).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { BundleError, ClosureError, RemoteError } from '@execnet/core';
import { gatewayPool } from './helpers.js';

const open = gatewayPool();
const fixture = (name: string) => new URL(`./fixtures/modules/${name}`, import.meta.url);

describe('remoteExec of a module', () => {
  // A worker in an empty directory: nothing to import from but what was shipped.
  const bare = mkdtempSync(join(tmpdir(), 'execnet-modules-'));
  after(() => rmSync(bare, { recursive: true, force: true }));

  it('runs a TypeScript module that imports a sibling file and an npm package, on a worker without node_modules', async () => {
    const gw = await open(`popen//chdir=${bare}`);
    const result = (await gw.remoteExec(fixture('task.ts'), { n: 7 }).receive({ timeout: 20_000 })) as Record<string, unknown>;
    assert.equal(result.squared, 49);
    assert.equal(result.cwd, bare);
  });

  it('ships each bundle once per gateway: the second call sends no bundle', async () => {
    const gw = await open('popen');
    const before = gw.stats.bytesSent;
    assert.equal((await gw.remoteExec(fixture('task.ts'), { n: 2 }).receive({ timeout: 20_000 }) as { squared: number }).squared, 4);
    const first = gw.stats.bytesSent - before;
    const middle = gw.stats.bytesSent;
    assert.equal((await gw.remoteExec(fixture('task.ts'), { n: 3 }).receive() as { squared: number }).squared, 9);
    const second = gw.stats.bytesSent - middle;
    assert.ok(first > 10_000, `the first call carries the bundle (${first} bytes)`);
    assert.ok(second < 1_000, `the second call carries only a reference (${second} bytes)`);
  });

  it('values sent before the bundle is ready arrive after the exec, in order', async () => {
    const gw = await open('popen');
    const channel = gw.remoteExec(fixture('echo.ts'));
    for (let i = 0; i < 5; i++) void channel.send(i);
    const got = [];
    for (let i = 0; i < 5; i++) got.push(await channel.receive({ timeout: 20_000 }));
    assert.deepEqual(got, [0, 1, 2, 3, 4]);
  });

  it('maps a remote stack trace back to the original .ts file and line', async () => {
    const gw = await open('popen');
    const error = await gw.remoteExec(fixture('failing.ts')).receive({ timeout: 20_000 }).catch((e: unknown) => e);
    assert.ok(error instanceof RemoteError);
    assert.match(error.formatted, /fixtures\/modules\/failing\.ts:3:\d+/);
  });

  it('a module that cannot be bundled ends its channel with BundleError', async () => {
    const gw = await open('popen');
    const error = await gw.remoteExec(fixture('broken.ts')).receive({ timeout: 20_000 }).catch((e: unknown) => e);
    assert.ok(error instanceof BundleError);
  });
});

describe('TypeScript and closures', () => {
  it('a TypeScript source string runs (its types are stripped before it is sent)', async () => {
    const gw = await open('popen');
    const channel = gw.remoteExec('const n: number = (await channel.receive()) as number; interface Box { v: number } const b: Box = { v: n + 1 }; await channel.send(b.v)');
    await channel.send(41);
    assert.equal(await channel.receive({ timeout: 10_000 }), 42);
  });

  it('a function using a variable of its closure fails before anything is sent, naming the function and the variable', async () => {
    const gw = await open('popen');
    const secret = 42;
    const sentBefore = gw.stats.bytesSent;
    assert.throws(
      () =>
        gw.remoteExec(function usesClosure(channel: { send(v: unknown): Promise<void> }) {
          return channel.send(secret);
        }),
      (error: unknown) => error instanceof ClosureError && error.functionName === 'usesClosure' && /`secret`/.test(error.message),
    );
    assert.equal(gw.stats.bytesSent, sentBefore);
    // The gateway is still fine.
    assert.equal(await gw.remoteExec('channel.send(1)').receive({ timeout: 10_000 }), 1);
  });

  it('a variable the source cannot show to be missing (a global only the master has) fails remotely with a note naming the function', async () => {
    const gw = await open('popen');
    const g = globalThis as { masterOnlyValue?: number };
    g.masterOnlyValue = 7;
    try {
      const error = await gw
        .remoteExec(function usesMasterGlobal(channel: { send(v: unknown): Promise<void> }) {
          return channel.send(masterOnlyValue);
        })
        .receive({ timeout: 10_000 })
        .catch((e: unknown) => e);
      assert.ok(error instanceof RemoteError);
      assert.match(error.message, /ReferenceError: masterOnlyValue is not defined/);
      assert.match(error.message, /function usesMasterGlobal runs on the worker without its closure/);
    } finally {
      delete g.masterOnlyValue;
    }
  });
});

declare const masterOnlyValue: number;

describe('one bundle for many gateways', () => {
  it('remoteExec of the same module on 100 gateways of a group bundles it once', async () => {
    const { Group, registerTransport } = await import('@execnet/core');
    const { memoryTransport } = await import('@execnet/testkit');
    const { bundleBuilds } = await import('../../core/src/module-bundle.js');
    registerTransport(memoryTransport({ name: 'memory' }));
    const group = new Group();
    try {
      for (let i = 0; i < 100; i++) await group.makeGateway('memory');
      const before = bundleBuilds();
      const results = await group.remoteExec(fixture('square.ts'), { n: 12 }).receiveEach({ timeout: 30_000 });
      assert.deepEqual(results, Array(100).fill(144));
      assert.equal(bundleBuilds() - before, 1);
    } finally {
      await group.terminate({ timeout: 2000 });
    }
  });
});
