/*
 * execnet testing/test_basics.py, the parts that concern gateways and remote code, ported to
 * popen gateways with JavaScript workers.
 * Left out:
 * - TestSerializeAPI::test_mmap/test_bytesio, test_serializer_api_version_error: serializer
 *   package tests (packages/serializer/test); our loads accepts version bytes 1 and 2 (DESIGN §5).
 * - test_io_message, TestMessage::test_wire_protocol, test_popen_io_readloop: message and frame
 *   tests without processes, in packages/core/test (message, frame-parser).
 * - test_subprocess_interaction, test_popen_io, test_stdouterrin_setnull, test_exectask,
 *   TestPureChannel::test_factory_getitem: worker and factory internals (the bootstrap and the
 *   fd setup are exercised by every gateway here, remote output in gateway.test.ts).
 * - TestSourceOfFunction closure and "first argument is channel" checks, TestGlobalFinder::*:
 *   a JavaScript function's closures and globals cannot be detected from its source; lambdas
 *   (arrow functions) are allowed. The nested-function test (source sent with leading newlines
 *   for true line numbers) has no counterpart: a function's source text is whatever the caller's
 *   compiler produced (tsx strips its whitespace). test_remote_exc__no_kwargs: string sources
 *   take kwargs here.
 * - test_remote_exec_inspect_stack: Python workers, a later issue.
 * - TestPureChannel::test_channel_makefile_incompatmode: in channel-file.test.ts.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  DataFormatError,
  DumpError,
  ExecnetError,
  LoadError,
  RemoteError,
  TimeoutError,
  dumps,
  isExecnetError,
  loads,
  type Gateway,
} from '@execnet/core';
import { gatewayPool } from './helpers.js';

const open = gatewayPool();

describe('basics', () => {
  let gw: Gateway;
  before(async () => {
    gw = await open();
  });

  it('dumps and loads round-trip through the core package', () => {
    for (const value of ['123', 42, [1, 2, 3], ['23', 25]]) assert.deepEqual(loads(dumps(value)), value);
  });

  it('exports the error classes, with brands that survive realms', () => {
    assert.ok(new RemoteError('x') instanceof ExecnetError);
    assert.ok(isExecnetError(new TimeoutError('x')));
    assert.ok(new DumpError('x') instanceof DataFormatError);
    assert.ok(new LoadError('x') instanceof DataFormatError);
    assert.equal(isExecnetError(new Error('x')), false);
  });

  it('new channels get odd ids, counting up by 2 from 1', async () => {
    const fresh = await open();
    const a = fresh.newChannel();
    const b = fresh.newChannel();
    assert.deepEqual([a.id, b.id], [1, 3]);
    a.close();
    b.close();
  });

  it('waitClose on a channel nobody closes times out with TimeoutError', async () => {
    const ch = gw.newChannel();
    await assert.rejects(ch.waitClose({ timeout: 10 }), (e: unknown) => e instanceof TimeoutError && e.code === 'ERR_EXECNET_TIMEOUT');
    ch.close();
  });

  it('runs a function with kwargs', async () => {
    const ch = gw.remoteExec(
      function multiply(channel: { send(v: unknown): void }, kwargs: { x: number; y: number }) {
        channel.send(kwargs.x * kwargs.y);
      },
      { x: 6, y: 7 },
    );
    assert.equal(await ch.receive(), 42);
  });

  it('runs arrow functions, async functions and method shorthand', async () => {
    const arrow = gw.remoteExec((channel: { send(v: unknown): void }) => channel.send('arrow'));
    const asyncFn = gw.remoteExec(async function (channel: { send(v: unknown): void; receive(): Promise<unknown> }) {
      channel.send(`async ${String(await channel.receive())}`);
    });
    const holder = {
      method(channel: { send(v: unknown): void }, kwargs: { n: number }) {
        channel.send(kwargs.n + 1);
      },
    };
    const method = gw.remoteExec(holder.method, { n: 1 });
    await asyncFn.send('ok');
    assert.deepEqual(await Promise.all([arrow.receive(), asyncFn.receive(), method.receive()]), ['arrow', 'async ok', 2]);
  });

  it('refuses native and bound functions and classes with TypeError', () => {
    assert.throws(() => gw.remoteExec(Math.max as never), TypeError);
    assert.throws(() => gw.remoteExec(function f() {}.bind(null) as never), TypeError);
    assert.throws(() => gw.remoteExec(class Remote {} as never), TypeError);
    assert.throws(() => gw.remoteExec(42 as never), TypeError);
  });

  it('puts kwargs in scope of a source string, and in `kwargs`', async () => {
    const ch = gw.remoteExec('channel.send([a + b, kwargs.a, typeof require])', { a: 1, b: 2 });
    assert.deepEqual(await ch.receive(), [3, 1, 'function']);
  });

  it('keeps kwargs that are not identifiers or are reserved in `kwargs` only', async () => {
    const ch = gw.remoteExec('channel.send([kwargs["not-an-identifier"], kwargs.class, typeof channel.send])', {
      'not-an-identifier': 1,
      class: 2,
      channel: 3,
    });
    assert.deepEqual(await ch.receive(), [1, 2, 'function']);
  });

  it('dedents indented source strings', async () => {
    const ch = gw.remoteExec(`
        const x = 1;
          const y = 2;
        channel.send(x + y);
    `);
    assert.equal(await ch.receive(), 3);
  });

  it('sends kwargs that are channels as usable channels (execnet fails there)', async () => {
    const out = gw.newChannel();
    const ch = gw.remoteExec('out.send("via kwarg"); out.close()', { out });
    assert.equal(await out.receive(), 'via kwarg');
    await ch.waitClose();
  });

  it('refuses kwargs outside the value model at once with DumpError', () => {
    assert.throws(() => gw.remoteExec('', { when: new Date() }), DumpError);
  });

  it('remote info is plain data', async () => {
    const info = await gw.remoteInfo();
    assert.deepEqual(Object.keys(info).sort(), ['cwd', 'executable', 'pid', 'platform', 'version']);
    assert.deepEqual(JSON.parse(JSON.stringify(info)), { ...info });
  });

  it('the remote error text has the error type and message', async () => {
    const ch = gw.remoteExec('throw new TypeError("custom message")');
    const error = await ch.receive().catch((e: unknown) => e);
    assert.ok(error instanceof RemoteError);
    assert.match(error.formatted, /TypeError/);
    assert.match(error.formatted, /custom message/);
  });

  it('a thrown non-Error value is reported as a RemoteError too', async () => {
    await assert.rejects(gw.remoteExec('throw "just a string"').receive(), RemoteError);
    await assert.rejects(gw.remoteExec('throw undefined').receive(), RemoteError);
  });
});
