/*
 * Interop with Python execnet workers, checked where it matters: values sent from TypeScript
 * are compared ON the Python side with what Python code builds (equality and exact types),
 * and values Python builds are compared here with what the TypeScript value model says they
 * are. Registered by python-interop.test.ts (the execnet the master finds: Debian's 1.9 in CI)
 * and python-interop-execnet2.test.ts (execnet 2.x, which adds the main_thread_only model).
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  Channel,
  Complex,
  EOFError,
  Float,
  FrozenSet,
  GatewayClosedError,
  RemoteError,
  TimeoutError,
  tuple,
  type Gateway,
} from '@execnet/core';
import { gatewayPool, processExists, sleep } from '../helpers.js';
import { IN_CI, runtime } from './runtimes.js';

/**
 * One value: what TypeScript sends, the Python expression that builds the same value, and what
 * arrives here when Python sends that value (when it differs from what was sent).
 * `pythonCannotSend`: Python execnet's dumps fails on it (ints below -2**31 need LONGINT, and
 * its int writer raises struct.error), so only the TS → Python direction is checked.
 */
interface Case {
  name: string;
  ts: unknown;
  python: string;
  back?: unknown;
  pythonCannotSend?: boolean;
}

const CASES: Case[] = [
  { name: 'None', ts: null, python: 'None' },
  { name: 'undefined is None', ts: undefined, python: 'None', back: null },
  { name: 'True', ts: true, python: 'True' },
  { name: 'False', ts: false, python: 'False' },
  { name: 'zero', ts: 0, python: '0' },
  { name: 'negative int', ts: -7, python: '-7' },
  { name: 'int32 max', ts: 2 ** 31 - 1, python: '2**31 - 1' },
  { name: 'int32 min', ts: -(2 ** 31), python: '-2**31' },
  { name: 'just beyond int32', ts: 2 ** 31, python: '2**31' },
  { name: 'largest safe integer', ts: Number.MAX_SAFE_INTEGER, python: '2**53 - 1' },
  { name: 'int 2**53 loads as bigint (not a safe integer)', ts: 2 ** 53, python: '2**53', back: 2n ** 53n },
  { name: 'bigint', ts: 12345678901234567890123n, python: '12345678901234567890123' },
  { name: 'bigint that fits a number', ts: 5n, python: '5', back: 5 },
  { name: 'negative long', ts: -(2 ** 40), python: '-2**40', pythonCannotSend: true },
  { name: 'negative bigint', ts: -(2n ** 100n), python: '-2**100', pythonCannotSend: true },
  { name: 'integral double beyond 2**53 is its exact int', ts: 1e300, python: 'int(1e300)', back: BigInt(1e300) },
  { name: 'float', ts: 0.1, python: '0.1' },
  { name: 'negative float', ts: -2.5, python: '-2.5' },
  { name: 'float -0.0', ts: -0, python: '-0.0' },
  { name: 'float nan', ts: NaN, python: "float('nan')" },
  { name: 'float inf', ts: Infinity, python: "float('inf')" },
  { name: 'float -inf', ts: -Infinity, python: "float('-inf')" },
  { name: 'Float(3) is a float', ts: new Float(3), python: '3.0', back: 3 },
  { name: 'complex', ts: new Complex(1.5, -2), python: 'complex(1.5, -2.0)' },
  { name: 'empty str', ts: '', python: "''" },
  { name: 'ASCII str', ts: 'hello world', python: "'hello world'" },
  { name: 'str beyond ASCII and the BMP', ts: 'héllo \u{1f600} ☃ \u0000 end', python: String.raw`'h\u00e9llo \U0001f600 \u2603 \x00 end'` },
  { name: 'long str', ts: 'ab'.repeat(50_000), python: "'ab' * 50000" },
  { name: 'bytes', ts: new Uint8Array([0, 1, 127, 128, 255]), python: String.raw`b'\x00\x01\x7f\x80\xff'`, back: Buffer.from([0, 1, 127, 128, 255]) },
  { name: 'Buffer is bytes', ts: Buffer.from('hi'), python: "b'hi'" },
  { name: 'empty bytes', ts: new Uint8Array(0), python: "b''", back: Buffer.alloc(0) },
  { name: 'list', ts: [1, 'two', [3, [4.5]]], python: "[1, 'two', [3, [4.5]]]" },
  { name: 'empty list', ts: [], python: '[]' },
  { name: 'tuple', ts: tuple<unknown>(1, 'a', null), python: "(1, 'a', None)" },
  { name: 'empty tuple', ts: tuple(), python: '()' },
  { name: 'tuple of tuples', ts: tuple(tuple(), tuple(1)), python: '((), (1,))' },
  { name: 'dict with str keys', ts: { a: 1, b: [2, { c: null }] }, python: "{'a': 1, 'b': [2, {'c': None}]}" },
  { name: 'empty dict', ts: {}, python: '{}' },
  { name: 'dict with a __proto__ key', ts: JSON.parse('{"__proto__": 1, "x": 2}'), python: "{'__proto__': 1, 'x': 2}" },
  {
    name: 'dict with other keys',
    ts: new Map<unknown, unknown>([[1, 'int'], [tuple(1, 2), 'tuple'], [null, 'None'], [1.5, 'float'], [Buffer.from('k'), 'bytes']]),
    python: "{1: 'int', (1, 2): 'tuple', None: 'None', 1.5: 'float', b'k': 'bytes'}",
  },
  { name: 'set', ts: new Set<unknown>([1, 'a', tuple(2, 3)]), python: "{1, 'a', (2, 3)}" },
  { name: 'empty set', ts: new Set(), python: 'set()' },
  { name: 'frozenset', ts: new FrozenSet([3, 4]), python: 'frozenset({3, 4})' },
  { name: 'frozenset in a set', ts: new Set([new FrozenSet(['x'])]), python: "{frozenset({'x'})}" },
  {
    name: 'nested mix',
    ts: { rows: [tuple<unknown>(1, new Float(2), 'x'), tuple<unknown>(new Uint8Array([9]), null, false)], meta: new Map([[tuple('k', 1), new Set([1])]]) },
    python: String.raw`{'rows': [(1, 2.0, 'x'), (b'\x09', None, False)], 'meta': {('k', 1): {1}}}`,
    back: { rows: [tuple<unknown>(1, 2, 'x'), tuple<unknown>(Buffer.from([9]), null, false)], meta: new Map([[tuple('k', 1), new Set([1])]]) },
  },
];

/**
 * Python: compares what arrived with what Python builds from the expression, by value and by
 * exact type all the way down (so 1 is not True, 1.0 is not 1, a tuple is not a list), with
 * NaN equal to itself and -0.0 apart from 0.0.
 */
const CHECK_SOURCE = `
import math

def same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    if isinstance(a, complex):
        return same(a.real, b.real) and same(a.imag, b.imag)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        keys_b = {(type(k), k): k for k in b}
        return len(a) == len(b) and all((type(k), k) in keys_b and same(v, b[keys_b[(type(k), k)]]) for k, v in a.items())
    if isinstance(a, (set, frozenset)):
        return {(type(x), x) for x in a} == {(type(x), x) for x in b}
    return a == b

def check(channel, expected):
    for name, item in channel:
        wanted = eval(expected[name])
        channel.send((name, same(item, wanted), repr(item)[:200], repr(wanted)[:200]))

def build(channel, expressions):
    for name, expression in expressions:
        channel.send((name, eval(expression)))
`;

/** Registers the interop suite; `label` names the Python execnet it runs with. */
export function pythonInteropSuite(label: string, options: { execnet2?: { skip?: string; missing?: string } } = {}): void {
  const python = runtime('python');
  const execnet2 = options.execnet2;
  const skip = python.skip ?? execnet2?.skip;

  describe(`Python execnet workers (${label})`, { skip }, () => {
    const open = gatewayPool();
    let gw: Gateway;
    const spec = (extra = '') => `popen//${python.specKey()}${extra}`;

    before(async () => {
      if (IN_CI && execnet2?.missing) throw new Error(execnet2.missing);
      gw = await open(spec());
    });

    describe('values', () => {
      it('arrive in Python equal to what Python builds, down to the types', async () => {
        const expected = Object.fromEntries(CASES.map((c) => [c.name, c.python]));
        const ch = gw.remoteExec({ source: CHECK_SOURCE, call: 'check', kwargs: { expected } });
        for (const c of CASES) await ch.send([c.name, c.ts]);
        for (const c of CASES) {
          const [name, ok, got, wanted] = (await ch.receive({ timeout: 10_000 })) as [string, boolean, string, string];
          assert.equal(name, c.name);
          assert.equal(ok, true, `${c.name}: Python got ${got}, expected ${wanted}`);
        }
        ch.close();
        await ch.waitClose({ timeout: 10_000 });
      });

      it('built by Python arrive as the value model says', async () => {
        const sendable = CASES.filter((c) => !c.pythonCannotSend);
        const ch = gw.remoteExec({ source: CHECK_SOURCE, call: 'build', kwargs: { expressions: sendable.map((c) => tuple(c.name, c.python)) } });
        for (const c of sendable) {
          const [name, value] = (await ch.receive({ timeout: 10_000 })) as [string, unknown];
          assert.equal(name, c.name);
          assert.deepEqual(value, 'back' in c ? c.back : c.ts, c.name);
        }
        await ch.waitClose({ timeout: 10_000 });
      });

      it('come back from a Python echo unchanged', async () => {
        const ch = gw.remoteExec('for item in channel:\n    channel.send(item)');
        const sendable = CASES.filter((c) => !c.pythonCannotSend);
        for (const c of sendable) await ch.send(c.ts);
        for (const c of sendable) assert.deepEqual(await ch.receive({ timeout: 10_000 }), 'back' in c ? c.back : c.ts, c.name);
        ch.close();
        await ch.waitClose({ timeout: 10_000 });
      });

      it('a value outside the value model fails in TypeScript before anything is sent', async () => {
        const ch = gw.remoteExec('channel.send(channel.receive())');
        assert.throws(() => ch.send(new Date()), (e: unknown) => (e as { code?: string }).code === 'ERR_EXECNET_DUMP');
        await ch.send('still usable');
        assert.equal(await ch.receive({ timeout: 10_000 }), 'still usable');
      });
    });

    describe('channels inside values', () => {
      it('a channel made by the Python worker (gateway.newchannel()) works from TypeScript', async () => {
        const ch = gw.remoteExec(`
          c = channel.gateway.newchannel()
          channel.send({'reply': (c,)})
          c.send('hello from python')
          channel.send(c.receive() + 1)
          c.close()
        `);
        const { reply } = (await ch.receive({ timeout: 10_000 })) as { reply: Channel[] };
        const c = reply[0]!;
        assert.ok(c instanceof Channel);
        assert.equal(c.id % 2, 0, 'worker-made channel ids are even');
        assert.equal(await c.receive({ timeout: 10_000 }), 'hello from python');
        await c.send(41);
        assert.equal(await ch.receive({ timeout: 10_000 }), 42);
        await c.waitClose({ timeout: 10_000 });
        await ch.waitClose({ timeout: 10_000 });
      });

      it('a channel made here (gateway.newChannel()) works from Python', async () => {
        const ch = gw.remoteExec(`
          [c] = channel.receive()
          channel.send(type(c).__name__)
          c.send('hello from python')
          channel.send(c.receive() * 2)
          c.close('done with it')
        `);
        const c = gw.newChannel();
        await ch.send([c]);
        assert.equal(await ch.receive({ timeout: 10_000 }), 'Channel');
        assert.equal(await c.receive({ timeout: 10_000 }), 'hello from python');
        await c.send(21);
        assert.equal(await ch.receive({ timeout: 10_000 }), 42);
        // Python closed it with an error text: that is a RemoteError here.
        await assert.rejects(c.waitClose({ timeout: 10_000 }), RemoteError);
        await ch.waitClose({ timeout: 10_000 });
      });

      it('a Python callback receives items on a channel sent from here', async () => {
        const ch = gw.remoteExec(`
          import threading
          c = channel.receive()
          done = threading.Event()
          def on_item(item):
              if item is None:
                  done.set()
              else:
                  channel.send(item * 10)
          c.setcallback(on_item, endmarker=None)
          done.wait(10)
          channel.send('ended')
        `);
        const c = gw.newChannel();
        await ch.send(c);
        for (const n of [1, 2, 3]) await c.send(n);
        c.close();
        assert.deepEqual([await ch.receive({ timeout: 10_000 }), await ch.receive(), await ch.receive(), await ch.receive()], [10, 20, 30, 'ended']);
        await ch.waitClose({ timeout: 10_000 });
      });
    });

    describe('errors', () => {
      it('RemoteError carries the Python traceback, with file name and function', async () => {
        const ch = gw.remoteExec({
          source: 'def divide(channel, a, b):\n    def inner():\n        return a / b\n    channel.send(inner())\n',
          call: 'divide',
          kwargs: { a: 1, b: 0 },
          fileName: 'job.py',
        });
        const error = await ch.waitClose({ timeout: 10_000 }).then(
          () => assert.fail('expected a RemoteError'),
          (e: unknown) => e,
        );
        assert.ok(error instanceof RemoteError);
        assert.equal(error.code, 'ERR_EXECNET_REMOTE');
        assert.match(error.formatted, /^Traceback \(most recent call last\):\n/);
        assert.match(error.formatted, /File "job\.py", line 3, in inner/);
        assert.match(error.formatted, /ZeroDivisionError: division by zero\n$/);
      });

      it('a failing Python callback closes the channel with its traceback', async () => {
        const ch = gw.remoteExec(`
          import threading
          channel.setcallback(lambda item: 1 / item)
          threading.Event().wait(2)
        `);
        await ch.send(0);
        const error = await ch.waitClose({ timeout: 10_000 }).then(
          () => assert.fail('expected a RemoteError'),
          (e: unknown) => e,
        );
        assert.ok(error instanceof RemoteError);
        assert.match(error.formatted, /ZeroDivisionError/);
      });

      it('a syntax error in the source is a RemoteError too', async () => {
        await assert.rejects(gw.remoteExec('def broken(:\n    pass').receive({ timeout: 10_000 }), RemoteError);
      });
    });

    describe('string options (reconfigure)', () => {
      it('gateway.reconfigure() sets the worker gateway and its new channels', async () => {
        const fresh = await open(spec());
        fresh.reconfigure({ py2strAsPy3str: false, py3strAsPy2str: true });
        const ch = fresh.remoteExec('channel.send((channel.gateway._strconfig, channel._strconfig))');
        assert.deepEqual(await ch.receive({ timeout: 10_000 }), tuple(tuple(false, true), tuple(false, true)));
        fresh.reconfigure();
        const again = fresh.remoteExec('channel.send(channel.gateway._strconfig)');
        assert.deepEqual(await again.receive({ timeout: 10_000 }), tuple(true, false));
      });

      it('channel.reconfigure() sets that channel on both sides', async () => {
        const ch = gw.remoteExec(`
          channel.receive()
          channel.send(channel._strconfig)
          channel.send('text')
        `);
        ch.reconfigure({ py3strAsPy2str: true });
        await ch.send('go');
        assert.deepEqual(await ch.receive({ timeout: 10_000 }), tuple(true, true));
        // Here, too: a Python str on this channel now loads as its UTF-8 bytes.
        assert.deepEqual(await ch.receive({ timeout: 10_000 }), Buffer.from('text'));
        await ch.waitClose({ timeout: 10_000 });
        assert.throws(() => ch.reconfigure(), (e: unknown) => (e as { code?: string }).code === 'ERR_EXECNET_CHANNEL_CLOSED');
      });
    });

    describe('termination', () => {
      it('a worker busy in a CPU loop is killed after the timeout', async () => {
        const busy = await open(spec());
        const pid = busy.pid!;
        const ch = busy.remoteExec('channel.send("spinning")\nwhile True:\n    pass');
        assert.equal(await ch.receive({ timeout: 10_000 }), 'spinning');
        // The receiver thread still answers while the exec spins.
        assert.equal((await busy.remoteStatus({ timeout: 10_000 })).numExecuting, 1);
        const started = Date.now();
        const { killed } = await busy.terminate({ timeout: 500 });
        assert.equal(killed, true);
        assert.ok(Date.now() - started < 5000);
        assert.equal(processExists(pid), false);
        await assert.rejects(ch.receive({ timeout: 5000 }), (e: unknown) => e instanceof GatewayClosedError || e instanceof EOFError);
      });

      it('an idle worker ends cleanly on terminate', async () => {
        const idle = await open(spec());
        const pid = idle.pid!;
        const { killed, status } = await idle.terminate({ timeout: 5000 });
        assert.equal(killed, false);
        assert.equal(status.code, 0);
        assert.equal(processExists(pid), false);
      });
    });

    if (execnet2) {
      describe('exec model main_thread_only', () => {
        let mto: Gateway;
        before(async () => {
          mto = await open(spec('//execmodel=main_thread_only'));
        });

        it('runs each remoteExec in the main thread, one after the other', async () => {
          for (let i = 0; i < 3; i++) {
            const ch = mto.remoteExec('import threading\nchannel.send(threading.current_thread() is threading.main_thread())');
            assert.equal(await ch.receive({ timeout: 10_000 }), true);
            await ch.waitClose({ timeout: 10_000 });
          }
          assert.equal((await mto.remoteStatus()).execModel, 'main_thread_only');
        });

        it('refuses a second remoteExec while one runs, then takes the next', async () => {
          const first = mto.remoteExec('channel.send(channel.receive())');
          const second = mto.remoteExec('channel.send("never")');
          await assert.rejects(second.receive({ timeout: 10_000 }), RemoteError);
          await first.send('first');
          assert.equal(await first.receive({ timeout: 10_000 }), 'first');
          await first.waitClose({ timeout: 10_000 });
          const third = mto.remoteExec('channel.send("third")');
          assert.equal(await third.receive({ timeout: 10_000 }), 'third');
        });

        it('the thread model runs remoteExecs side by side instead', async () => {
          const threaded = await open(spec('//execmodel=thread'));
          const a = threaded.remoteExec('channel.send(channel.receive())');
          const b = threaded.remoteExec('channel.send(channel.receive())');
          let status = await threaded.remoteStatus();
          for (let i = 0; status.numExecuting < 2 && i < 100; i++, status = await threaded.remoteStatus()) await sleep(20);
          assert.equal(status.numExecuting, 2);
          await b.send('b');
          await a.send('a');
          assert.deepEqual([await a.receive(), await b.receive()], ['a', 'b']);
        });
      });
    }

    it('a receive that gets nothing times out with TimeoutError, the worker unharmed', async () => {
      const ch = gw.remoteExec('channel.receive()');
      await assert.rejects(ch.receive({ timeout: 50 }), TimeoutError);
      await ch.send(1);
      await ch.waitClose({ timeout: 10_000 });
    });
  });
}
