/*
 * One channel suite, run against a worker of every kind the master can drive: Python execnet
 * (exec models thread and main_thread_only), Node 18, 20, 22 and 24, Bun and Deno. Each case
 * has its remote code written once per language; everything the master asserts is shared.
 *
 * Runtimes come from tools/runtimes/install.sh (see helpers/runtimes.ts): outside CI a missing
 * one skips with a reason, in CI it fails. Python workers here run execnet 2.x's gateway_base
 * (the one with main_thread_only); python-interop.test.ts covers Debian's execnet 1.9.
 * Not in the echo: ints below -2**31 that need LONGINT, which Python execnet 1.9 and 2.1 load
 * but cannot send back (their dumps raises struct.error); python-interop.test.ts checks
 * that Python receives them.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  Channel,
  Complex,
  EOFError,
  Float,
  FrozenSet,
  GatewayClosedError,
  RemoteError,
  tuple,
  type Gateway,
  type RemoteStatus,
} from '@execnet/core';
import { gatewayPool, processExists, sleep } from './helpers.js';
import { IN_CI, runtime, useExecnet2, type RuntimeName } from './helpers/runtimes.js';

const execnet2 = useExecnet2();

type Language = 'python' | 'js';

interface WorkerKind {
  label: string;
  runtime: RuntimeName;
  /** The exec model the spec asks for (none: the default of the runtime). */
  execModel?: string;
  /** The exec model remoteStatus reports. */
  reports: string;
  /** Needs Python execnet 2.x on the master's side. */
  needsExecnet2?: boolean;
}

const WORKERS: WorkerKind[] = [
  { label: 'Python, thread', runtime: 'python', execModel: 'thread', reports: 'thread' },
  { label: 'Python, main_thread_only', runtime: 'python', execModel: 'main_thread_only', reports: 'main_thread_only', needsExecnet2: true },
  { label: 'Node 18', runtime: 'node18', reports: 'eventloop' },
  { label: 'Node 20', runtime: 'node20', reports: 'eventloop' },
  { label: 'Node 22', runtime: 'node22', reports: 'eventloop' },
  { label: 'Node 24', runtime: 'node24', reports: 'eventloop' },
  { label: 'Bun', runtime: 'bun', reports: 'eventloop' },
  { label: 'Deno', runtime: 'deno', reports: 'eventloop' },
];

/** The remote side of each case, once per language. */
const CODE: Record<Language, Record<'echo' | 'channels' | 'fail' | 'park' | 'whoami', string>> = {
  python: {
    echo: `
      for item in channel:
          channel.send(item)
    `,
    channels: `
      [theirs] = channel.receive()
      theirs.send('sent on the master channel')
      mine = channel.gateway.newchannel()
      channel.send(mine)
      channel.send(mine.receive() * 2)
    `,
    fail: `
      def fail():
          raise ValueError('boom')
      fail()
    `,
    park: 'channel.receive()',
    whoami: `
      import os, sys
      channel.send(['python', sys.version_info[0], os.getpid()])
    `,
  },
  js: {
    echo: 'for await (const item of channel) await channel.send(item)',
    channels: `
      const [theirs] = await channel.receive()
      await theirs.send('sent on the master channel')
      const mine = channel.gateway.newChannel()
      await channel.send(mine)
      await channel.send((await mine.receive()) * 2)
    `,
    fail: `
      function fail() { throw new RangeError('boom') }
      fail()
    `,
    park: 'await channel.receive()',
    whoami: `
      const runtime = typeof Bun !== 'undefined' ? 'bun' : typeof Deno !== 'undefined' ? 'deno' : 'node'
      await channel.send([runtime, Number(process.versions.node.split('.')[0]), process.pid])
    `,
  },
};

/** Each value of the value model, and what comes back (when it differs from what was sent). */
const VALUES: Array<[name: string, sent: unknown, back?: unknown]> = [
  ['None', null],
  ['undefined, sent as None', undefined, null],
  ['True', true],
  ['False', false],
  ['int 0', 0],
  ['int -1', -1],
  ['int32 max', 2 ** 31 - 1],
  ['int32 min', -(2 ** 31)],
  ['long', 2 ** 40],
  ['long beyond 2**53', 12345678901234567890n],
  ['float', 1.5],
  ['float -0.0', -0],
  ['float nan', NaN],
  ['float -inf', -Infinity],
  ['Float(3)', new Float(3), 3],
  ['complex', new Complex(1.5, -2)],
  ['empty str', ''],
  ['str beyond ASCII and the BMP, with NUL', 'héllo wörld \u{1f600} \u0000 ☃'],
  ['bytes', new Uint8Array([0, 1, 127, 128, 255]), Buffer.from([0, 1, 127, 128, 255])],
  ['empty bytes', new Uint8Array(0), Buffer.alloc(0)],
  ['list', [1, 'two', [3, [4.5]]]],
  ['empty list', []],
  ['tuple', tuple<unknown>(1, 'a', tuple())],
  ['dict with str keys', { a: 1, b: [2, { c: null }], 'with space': true }],
  ['dict with other keys', new Map<unknown, unknown>([[1, 'int'], [tuple(1, 2), 'tuple'], [null, 'None'], ['s', 'str']])],
  ['set', new Set<unknown>([1, 'a', tuple(2, 3)])],
  ['empty set', new Set()],
  ['frozenset', new FrozenSet([3, 4])],
  ['nested mix', { rows: [tuple(1, new Float(2), 'x'), tuple(new Uint8Array([9]), null, false)] }, { rows: [tuple(1, 2, 'x'), tuple(Buffer.from([9]), null, false)] }],
];

/** Polls remoteStatus until `check` holds (a worker counts an exec as ended a moment after its channel closed). */
async function statusWhere(gw: Gateway, check: (status: RemoteStatus) => boolean): Promise<RemoteStatus> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const status = await gw.remoteStatus({ timeout: 10_000 });
    if (check(status) || Date.now() > deadline) return status;
    await sleep(20);
  }
}

for (const worker of WORKERS) {
  const rt = runtime(worker.runtime);
  const skip = rt.skip ?? (worker.needsExecnet2 ? execnet2.skip : undefined);
  const language: Language = rt.kind === 'python' ? 'python' : 'js';
  const code = CODE[language];

  describe(`${worker.label} worker`, { skip }, () => {
    const open = gatewayPool();
    const spec = () => `popen//${rt.specKey()}${worker.execModel ? `//execmodel=${worker.execModel}` : ''}`;
    let gw: Gateway;

    before(async () => {
      if (IN_CI && worker.needsExecnet2 && execnet2.missing) throw new Error(execnet2.missing);
      gw = await open(spec());
    });

    it('runs on the runtime it was asked for', async () => {
      const [kind, major, pid] = (await gw.remoteExec(code.whoami).receive()) as [string, number, number];
      assert.equal(kind, rt.kind);
      if (rt.name.startsWith('node')) assert.equal(`node${major}`, rt.name);
      assert.equal(pid, gw.pid);
    });

    it('echoes every value type of the value model', async () => {
      const ch = gw.remoteExec(code.echo);
      for (const [, sent] of VALUES) await ch.send(sent);
      for (const [name, sent, back = sent] of VALUES) assert.deepEqual(await ch.receive({ timeout: 10_000 }), back, name);
      ch.close();
      await ch.waitClose({ timeout: 10_000 });
    });

    it('echoes 1 MiB of bytes', async () => {
      const data = randomBytes(1 << 20);
      const ch = gw.remoteExec(code.echo);
      await ch.send(data);
      const back = (await ch.receive({ timeout: 20_000 })) as Uint8Array;
      assert.equal(back.byteLength, data.byteLength);
      assert.ok(Buffer.from(back.buffer, back.byteOffset, back.byteLength).equals(data));
      ch.close();
      await ch.waitClose({ timeout: 10_000 });
    });

    it('passes channels inside values both ways', async () => {
      const ch = gw.remoteExec(code.channels);
      const theirs = gw.newChannel();
      await ch.send([theirs]);
      assert.equal(await theirs.receive({ timeout: 10_000 }), 'sent on the master channel');
      const mine = await ch.receive({ timeout: 10_000 });
      assert.ok(mine instanceof Channel);
      assert.equal(mine.id % 2, 0, 'a channel the worker made has an even id');
      await mine.send(21);
      assert.equal(await ch.receive({ timeout: 10_000 }), 42);
      await ch.waitClose({ timeout: 10_000 });
      theirs.close();
      mine.close();
    });

    it('reports a remote exception as RemoteError with the remote traceback', async () => {
      // Python execnet 2.1's main_thread_only worker never marks a failed exec as done
      // (executetask returns before setting _executetask_complete), so it refuses every later
      // remoteExec as "concurrent": there the case gets a gateway of its own.
      const failedExecJamsWorker = worker.execModel === 'main_thread_only' && language === 'python';
      const target = failedExecJamsWorker ? await open(spec()) : gw;
      const ch = target.remoteExec(code.fail);
      const error = await ch.receive({ timeout: 10_000 }).then(
        () => assert.fail('expected a RemoteError'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof RemoteError);
      assert.equal(error.code, 'ERR_EXECNET_REMOTE');
      // The remote text, kept intact: exception type, message and the failing function.
      assert.match(error.formatted, language === 'python' ? /ValueError: boom/ : /RangeError: boom/);
      assert.match(error.formatted, /fail/);
      if (language === 'python') assert.match(error.formatted, /^Traceback \(most recent call last\):/);
      // The channel is closed after the error, and the worker serves on.
      await assert.rejects(ch.receive(), EOFError);
      if (failedExecJamsWorker) return void (await target.terminate());
      const next = gw.remoteExec(code.echo);
      await next.send(1);
      assert.equal(await next.receive({ timeout: 10_000 }), 1);
      next.close();
      await next.waitClose({ timeout: 10_000 });
    });

    it('remoteStatus counts running execs and names the exec model', async () => {
      const idle = await statusWhere(gw, (s) => s.numExecuting === 0);
      assert.equal(idle.execModel, worker.reports);
      assert.equal(idle.numExecuting, 0);
      const ch = gw.remoteExec(code.park);
      const busy = await statusWhere(gw, (s) => s.numExecuting === 1);
      assert.equal(busy.numExecuting, 1);
      assert.ok(busy.numChannels >= 1);
      await ch.send('go');
      await ch.waitClose({ timeout: 10_000 });
      const after = await statusWhere(gw, (s) => s.numExecuting === 0);
      assert.equal(after.numExecuting, 0);
    });

    it('terminates, with an exec still waiting for input, without a kill', async () => {
      const own = await open(spec());
      const pid = own.pid!;
      const ch = own.remoteExec(code.park);
      await statusWhere(own, (s) => s.numExecuting === 1);
      const started = Date.now();
      const { killed } = await own.terminate({ timeout: 8000 });
      assert.equal(killed, false);
      assert.ok(Date.now() - started < 8000);
      assert.equal(processExists(pid), false);
      await assert.rejects(ch.receive({ timeout: 5000 }), (e: unknown) => e instanceof EOFError || e instanceof GatewayClosedError);
      assert.throws(() => own.remoteExec(code.echo), GatewayClosedError);
    });
  });
}
