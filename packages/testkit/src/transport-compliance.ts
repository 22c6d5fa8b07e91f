/**
 * @packageDocumentation
 * The transport compliance suite: every transport package runs it on itself, in about ten
 * lines, so all transports behave the same way under the same cases.
 *
 * @example
 * ```ts
 * // packages/transport-popen/test/compliance.test.ts
 * import { popenTransport } from '@execnet/transport-popen'
 * import { runTransportCompliance } from '@execnet/testkit/transport-compliance'
 *
 * runTransportCompliance({
 *   name: 'popen',
 *   setup: async () => ({ transport: popenTransport(), spec: 'popen' }),
 *   teardown: async () => {},
 * })
 * ```
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ExecnetErrorCode,
  Group,
  XSpec,
  isExecnetError,
  isTransport,
  registerTransport,
  transportSymbol,
  type Gateway,
  type Transport,
} from '@execnet/core';
import {
  PROMPT_MS,
  STEP_MS,
  assertBytes,
  assertCode,
  assertThrowsCode,
  eventually,
  noWorkerLeft,
  pattern,
  recording,
  settle,
  within,
  type Recorder,
} from './compliance-helpers.js';

/** What a transport can do beyond moving bytes; each flag enables the cases that need it. */
export interface TransportCapabilities {
  /**
   * Each worker is a process of its own, so remote code may exit it, block it forever or
   * write to its stdout. Enables the cases "terminate kills a busy worker", "remote death is
   * detected" and "stdout noise". Set it to false for in-process transports (testkit's
   * memory transport), where those would end or block the test itself. @default true
   */
  process?: boolean;
  /**
   * `connection.wait()` reports the worker's real exit code (a socket transport may only
   * know that the connection ended). Enables the exit-code assertions. @default true
   */
  exitStatus?: boolean;
}

/**
 * How the suite gets a transport, after libp2p's `TestSetup`: `setup` runs once before the
 * cases (start a server, write a config) and `teardown` once after them.
 */
export interface TransportTestSetup {
  /** Shown in the suite's title: `transport compliance: NAME`. */
  name: string;
  /** Makes the transport and the spec that reaches a worker through it (`popen`, `ssh=…`). */
  setup(): Promise<{ transport: Transport; spec: string }>;
  /** Undoes `setup`. */
  teardown(): Promise<void>;
  /**
   * Why the suite cannot run here (no sshd, no credentials). Outside CI the suite is skipped
   * with this reason; in CI (`CI=true`) it fails with it, since CI must run every suite.
   */
  skip?: string;
  /** What the transport can do; see {@link TransportCapabilities}. */
  capabilities?: TransportCapabilities;
  /** More specs that must be rejected with a `SpecError` before anything is started. */
  badSpecs?: string[];
}

/** node:test's limit for one case; the waits inside are bounded well below it. */
const CASE_MS = 90_000;
/** The busy worker is killed after this grace period… */
const KILL_GRACE_MS = 300;
/** …and terminate() must be done within this bound. */
const KILL_BOUND_MS = 5_000;
const MIB = 1024 * 1024;

/**
 * Registers the shared transport cases with node:test (`describe`/`it`): bootstrap, echo,
 * 1 MiB items both ways, 1,000 channels, 10,000 small items in order, close/waitClose, remote
 * exceptions, exit + join, kill, a busy worker, remote death, stdout noise, bad specs and
 * abort during open. Call it at the top level of a test file.
 *
 * Each case starts its workers in a fresh `Group`, asserts on error classes and `code` (never
 * on message text), bounds every wait, and checks at the end that every worker it started has
 * ended, so a broken transport fails instead of hanging.
 * @example
 * runTransportCompliance({ name: 'popen', setup: async () => ({ transport: popenTransport(), spec: 'popen' }), teardown: async () => {} })
 */
export function runTransportCompliance(setup: TransportTestSetup): void {
  const title = `transport compliance: ${setup.name}`;
  if (setup.skip !== undefined) {
    const reason = setup.skip;
    if (process.env.CI === 'true') {
      describe(title, () => {
        it('runs in CI', () => {
          assert.fail(`${setup.name}: ${reason} (CI=true: this suite must run, not skip)`);
        });
      });
    } else {
      describe(title, { skip: reason }, () => {
        it('is skipped', () => undefined);
      });
    }
    return;
  }

  const capabilities = { process: true, exitStatus: true, ...setup.capabilities };
  const recorder: Recorder = { opened: [], onOpen: undefined };
  let transport: Transport | undefined;
  let spec = '';

  describe(title, { timeout: CASE_MS * 20 }, () => {
    before(async () => {
      const made = await setup.setup();
      transport = made.transport;
      spec = made.spec;
      registerTransport(recording(made.transport, recorder));
    });
    after(() => setup.teardown());

    /** Runs `body` with a gateway in a fresh group; then ends the group and checks no worker is left. */
    const withGateway = (
      body: (gw: Gateway, output: string[]) => Promise<void>,
    ): (() => Promise<void>) => {
      return async () => {
        const first = recorder.opened.length;
        const group = new Group();
        const output: string[] = [];
        try {
          const gw = await within(group.makeGateway(spec, { timeout: STEP_MS, onOutput: (text) => output.push(text) }), STEP_MS + 1000, 'makeGateway');
          await body(gw, output);
        } finally {
          await within(group.terminate({ timeout: 1000 }), PROMPT_MS + 1000, 'group.terminate');
        }
        await noWorkerLeft(recorder.opened.slice(first));
      };
    };

    it('is a transport made by a factory, serving the spec key', { timeout: CASE_MS }, () => {
      assert.ok(transport && isTransport(transport));
      assert.equal(transport[transportSymbol], true);
      assert.equal(typeof transport[Symbol.toStringTag], 'string');
      assert.equal(transport.name, new XSpec(spec).transportName);
    });

    it('bootstrap: makeGateway starts a worker that answers', { timeout: CASE_MS }, async () => {
      const first = recorder.opened.length;
      const group = new Group();
      try {
        const gw = await within(group.makeGateway(spec, { timeout: STEP_MS, onOutput: () => undefined }), STEP_MS + 1000, 'makeGateway');
        assert.equal(recorder.opened.length, first + 1, 'one connection per gateway');
        assert.equal(group.size, 1);
        assert.equal(group.get(0), gw);
        assert.equal(gw.id, 'gw0');
        const status = await gw.remoteStatus({ timeout: STEP_MS });
        assert.equal(status.numExecuting, 0);
        assert.equal(status.execModel, 'eventloop');
        const info = await gw.remoteInfo({ timeout: STEP_MS });
        assert.equal(typeof info.pid, 'number');
        if (capabilities.process && gw.pid !== undefined) assert.equal(info.pid, gw.pid, 'gw.pid is the worker');
        const ch = gw.remoteExec('channel.send(6 * 7)');
        assert.equal(await ch.receive({ timeout: STEP_MS }), 42);
      } finally {
        await within(group.terminate({ timeout: 1000 }), PROMPT_MS + 1000, 'group.terminate');
      }
      await noWorkerLeft(recorder.opened.slice(first));
    });

    it('echo: values make a round trip through remoteExec', { timeout: CASE_MS }, withGateway(async (gw) => {
      const ch = gw.remoteExec('for await (const item of channel) await channel.send(item)');
      const values: unknown[] = ['hello', '', 'ünïcødé ✓', 42, -7, 2 ** 40, 1.5, -0.25, 2n ** 70n, true, false, null,
        [1, 'two', [3]], { a: 1, b: [true, null] }];
      for (const value of values) {
        await ch.send(value);
        assert.deepEqual(await ch.receive({ timeout: STEP_MS }), value);
      }
      const bytes = Uint8Array.from([0, 1, 2, 253, 254, 255]);
      await ch.send(bytes);
      assertBytes(await ch.receive({ timeout: STEP_MS }), bytes);
      ch.close();
      await ch.waitClose({ timeout: STEP_MS });
    }));

    it('1 MiB items both ways, byte-exact', { timeout: CASE_MS }, withGateway(async (gw) => {
      const ch = gw.remoteExec(`
        const item = await channel.receive();
        await channel.send(item.length);
        await channel.send(item);
        const out = new Uint8Array(${MIB});
        for (let i = 0; i < out.length; i++) out[i] = (i * 7 + 3) & 255;
        await channel.send(out);
      `);
      const sent = pattern(MIB, (i) => (i * 31 + 11) & 255);
      await ch.send(sent);
      assert.equal(await ch.receive({ timeout: STEP_MS }), MIB);
      assertBytes(await ch.receive({ timeout: STEP_MS }), sent);
      assertBytes(await ch.receive({ timeout: STEP_MS }), pattern(MIB, (i) => (i * 7 + 3) & 255));
      await ch.waitClose({ timeout: STEP_MS });
    }));

    it('big items are snapshots: one buffer changed right after each send, both ways', { timeout: CASE_MS }, withGateway(async (gw) => {
      // 600,000 bytes spans several write buffers; the sends are not awaited before the change.
      const size = 600_000;
      const count = 16;
      const ch = gw.remoteExec(`
        const firsts = [];
        for (let k = 0; k < ${count}; k++) {
          const item = await channel.receive();
          firsts.push(item.every((b) => b === k) ? k : -1);
        }
        await channel.send(firsts);
        const buf = Buffer.alloc(${size});
        const sends = [];
        for (let k = 0; k < ${count}; k++) {
          buf.fill(k + 100);
          sends.push(channel.send(buf));
        }
        buf.fill(0);
        await Promise.all(sends);
      `);
      const buf = Buffer.alloc(size);
      const sends: Array<Promise<void>> = [];
      for (let k = 0; k < count; k++) {
        buf.fill(k);
        sends.push(ch.send(buf));
      }
      buf.fill(255);
      await Promise.all(sends);
      assert.deepEqual(await ch.receive({ timeout: STEP_MS }), Array.from({ length: count }, (_, k) => k), 'the worker received each item as it was when sent');
      for (let k = 0; k < count; k++) {
        const item = (await ch.receive({ timeout: STEP_MS })) as Uint8Array;
        assert.equal(item.byteLength, size);
        assert.ok(item.every((b) => b === k + 100), `item ${k} from the worker is as it was when sent`);
      }
      await ch.waitClose({ timeout: STEP_MS });
    }));

    it('1,000 channels concurrently on one gateway', { timeout: CASE_MS }, withGateway(async (gw) => {
      const channels = Array.from({ length: 1000 }, () => gw.remoteExec('channel.send(await channel.receive() * 2)'));
      assert.equal(new Set(channels.map((ch) => ch.id)).size, 1000, 'distinct channel ids');
      await Promise.all(channels.map((ch, i) => ch.send(i)));
      const results = await within(Promise.all(channels.map((ch) => ch.receive({ timeout: STEP_MS }))), STEP_MS + 1000, '1,000 receives');
      assert.deepEqual(results, channels.map((_, i) => i * 2));
      await within(Promise.all(channels.map((ch) => ch.waitClose({ timeout: STEP_MS }))), STEP_MS + 1000, '1,000 waitClose');
      const status = await gw.remoteStatus({ timeout: STEP_MS });
      assert.equal(status.numExecuting, 0);
    }));

    it('10,000 small items arrive in order, both ways', { timeout: CASE_MS }, withGateway(async (gw) => {
      const count = 10_000;
      const ch = gw.remoteExec(`
        let firstWrong = -1;
        for (let i = 0; i < count; i++) {
          const item = await channel.receive();
          if (item !== i && firstWrong < 0) firstWrong = i;
        }
        await channel.send(firstWrong);
        for (let i = 0; i < count; i++) channel.send(i);
      `, { count });
      for (let i = 0; i < count; i++) await ch.send(i);
      assert.equal(await ch.receive({ timeout: STEP_MS }), -1, 'the worker got every item in order');
      for (let i = 0; i < count; i++) {
        const item = await ch.receive({ timeout: STEP_MS });
        if (item !== i) assert.fail(`item ${i} arrived as ${String(item)}`);
      }
      await ch.waitClose({ timeout: STEP_MS });
    }));

    it('close and waitClose', { timeout: CASE_MS }, withGateway(async (gw) => {
      // The remote code ends: the channel closes and waitClose resolves.
      const done = gw.remoteExec('channel.send("last")');
      assert.equal(await done.receive({ timeout: STEP_MS }), 'last');
      await done.waitClose({ timeout: STEP_MS });
      assert.equal(done.isClosed, true);
      await assertCode(done.receive({ timeout: STEP_MS }), ExecnetErrorCode.EOF);
      assertThrowsCode(() => done.send(1), ExecnetErrorCode.CHANNEL_CLOSED);

      // The master closes: the remote receive ends with an EOFError, reported on a side channel.
      const side = gw.newChannel();
      const closed = gw.remoteExec(`
        const side = await channel.receive();
        await side.send('waiting');
        try { await channel.receive(); await side.send('got an item'); }
        catch (error) { await side.send(error.code ?? String(error)); }
      `);
      await closed.send(side);
      assert.equal(await side.receive({ timeout: STEP_MS }), 'waiting');
      closed.close();
      assert.equal(closed.isClosed, true);
      assert.equal(await side.receive({ timeout: STEP_MS }), ExecnetErrorCode.EOF);

      // A channel nobody closes: waitClose times out.
      const open = gw.remoteExec('await channel.receive()');
      await assertCode(open.waitClose({ timeout: 200 }), ExecnetErrorCode.TIMEOUT);
      await open.send('go');
      await open.waitClose({ timeout: STEP_MS });
    }));

    it('a remote exception rejects with RemoteError', { timeout: CASE_MS }, withGateway(async (gw) => {
      const thrown = gw.remoteExec('throw new RangeError("remote failure")');
      const error = await assertCode(thrown.receive({ timeout: STEP_MS }), ExecnetErrorCode.REMOTE);
      assert.equal(typeof (error as { formatted?: unknown }).formatted, 'string');
      assert.ok(((error as { formatted: string }).formatted).length > 0);

      const later = gw.remoteExec('await channel.receive(); throw new Error("after an item")');
      await later.send(1);
      await assertCode(later.waitClose({ timeout: STEP_MS }), ExecnetErrorCode.REMOTE);

      const syntax = gw.remoteExec('this is not ( javascript');
      await assertCode(syntax.receive({ timeout: STEP_MS }), ExecnetErrorCode.REMOTE);

      // The gateway is still usable.
      const ok = gw.remoteExec('channel.send("still here")');
      assert.equal(await ok.receive({ timeout: STEP_MS }), 'still here');
    }));

    it('exit + join: the worker ends by itself', { timeout: CASE_MS }, withGateway(async (gw) => {
      const ch = gw.remoteExec('channel.send("ready")');
      assert.equal(await ch.receive({ timeout: STEP_MS }), 'ready');
      gw.exit();
      await gw.join({ timeout: PROMPT_MS });
      assertThrowsCode(() => gw.remoteExec('channel.send(1)'), ExecnetErrorCode.GATEWAY_CLOSED);
      const result = await within(gw.terminate({ timeout: PROMPT_MS }), PROMPT_MS + 1000, 'terminate after join');
      assert.equal(result.killed, false, 'no kill was needed');
      if (capabilities.exitStatus) assert.deepEqual(result.status, { code: 0, signal: null });
    }));

    it('kill(): pending receives reject with GatewayClosedError', { timeout: CASE_MS }, withGateway(async (gw) => {
      const ch = gw.remoteExec('await channel.send("started"); await channel.receive()');
      assert.equal(await ch.receive({ timeout: STEP_MS }), 'started');
      const pending = ch.receive({ timeout: PROMPT_MS });
      gw.kill();
      await assertCode(pending, ExecnetErrorCode.GATEWAY_CLOSED);
      assertThrowsCode(() => gw.remoteExec('channel.send(1)'), ExecnetErrorCode.GATEWAY_CLOSED);
    }));

    it('terminate kills a busy worker within a bound', { timeout: CASE_MS, skip: !capabilities.process && 'needs a worker process (capabilities.process)' }, withGateway(async (gw) => {
      const ch = gw.remoteExec('await channel.send("spinning"); for (;;) {}');
      assert.equal(await ch.receive({ timeout: STEP_MS }), 'spinning');
      const pending = ch.receive({ timeout: STEP_MS });
      pending.catch(() => undefined);
      const started = performance.now();
      const result = await within(gw.terminate({ timeout: KILL_GRACE_MS }), KILL_BOUND_MS, 'terminate of a busy worker');
      const elapsed = performance.now() - started;
      assert.equal(result.killed, true, 'the worker had to be killed');
      assert.ok(elapsed >= KILL_GRACE_MS - 50, `killed after the grace period (${elapsed.toFixed(0)} ms)`);
      await assertCode(pending, ExecnetErrorCode.GATEWAY_CLOSED);
    }));

    it('remote death is detected: a pending receive rejects with GatewayClosedError', { timeout: CASE_MS, skip: !capabilities.process && 'needs a worker process (capabilities.process)' }, withGateway(async (gw) => {
      const waiting = gw.remoteExec('await channel.send("waiting"); await channel.receive()');
      assert.equal(await waiting.receive({ timeout: STEP_MS }), 'waiting');
      const pending = waiting.receive({ timeout: PROMPT_MS });
      gw.remoteExec('process.exit(7)');
      const error = await assertCode(pending, ExecnetErrorCode.GATEWAY_CLOSED);
      if (capabilities.exitStatus) assert.equal((error as { exitCode?: unknown }).exitCode, 7);
      assertThrowsCode(() => gw.remoteExec('channel.send(1)'), ExecnetErrorCode.GATEWAY_CLOSED);
    }));

    it('stdout noise of the worker and its children does not corrupt the stream', { timeout: CASE_MS, skip: !capabilities.process && 'needs a worker process (capabilities.process)' }, withGateway(async (gw, output) => {
      const marker = `noise-${process.pid}-${Date.now()}`;
      // Bytes that parse as a handshake, a CHANNEL_DATA frame and a CHANNEL_CLOSE frame for channel 1.
      const frameLike = '[0x31, 4, 0, 0, 0, 1, 0, 0, 0, 3, 97, 98, 99, 5, 0, 0, 0, 1, 0, 0, 0, 0]';
      const child = `process.stdout.write(process.argv[1] + '-child' + String.fromCharCode(10)); process.stdout.write(Buffer.from(${frameLike}))`;
      const ch = gw.remoteExec(`
        console.log(marker + '-log');
        process.stdout.write(Buffer.from(${frameLike}));
        process.stdout.write(String.fromCharCode(4, 0, 0, 0, 1));
        process.stderr.write(Buffer.from(${frameLike}));
        require('node:child_process').spawnSync(process.execPath, ['-e', child, marker], { stdio: 'inherit' });
        await channel.send('after noise');
        for await (const item of channel) await channel.send(item);
      `, { marker, child });
      assert.equal(await ch.receive({ timeout: STEP_MS }), 'after noise');
      const big = pattern(256 * 1024, (i) => (i * 13) & 255);
      for (const item of ['frame-like text \x04\x00\x00\x00\x01', big, 12345]) {
        await ch.send(item);
        const back = await ch.receive({ timeout: STEP_MS });
        if (item instanceof Uint8Array) assertBytes(back, item);
        else assert.equal(back, item);
      }
      ch.close();
      const other = gw.remoteExec('channel.send("another channel")');
      assert.equal(await other.receive({ timeout: STEP_MS }), 'another channel');
      // The noise is forwarded as output, not lost.
      await eventually(() => output.join('').includes(`${marker}-log`) && output.join('').includes(`${marker}-child`), PROMPT_MS, 'the worker output was forwarded');
    }));

    it('bad specs reject with SpecError and start nothing', { timeout: CASE_MS }, async () => {
      const first = recorder.opened.length;
      const group = new Group();
      const bad = [
        `${spec}//`, // empty item
        `${spec}//_private=1`, // key starting with '_'
        `${spec}//env`, // bare env
        `${spec}//env:NAME`, // env without a value
        `${spec}//nice=high`, // nice is an integer
        `${spec}//codec=no-such-codec`,
        `${spec}//execmodel=no-such-model`,
        `${spec}//id=x//id=y`, // duplicate key
        'id=only-general-keys', // no transport at all
        `no_such_transport_${process.pid}`,
        ...(setup.badSpecs ?? []),
      ];
      try {
        for (const item of bad) {
          const error = await settle(within(group.makeGateway(item, { timeout: STEP_MS, onOutput: () => undefined }), STEP_MS + 1000, `makeGateway('${item}')`));
          assert.ok(error.rejected, `'${item}' was accepted`);
          assert.ok(isExecnetError(error.value), `'${item}': ${String(error.value)}`);
          assert.equal(error.value.code, ExecnetErrorCode.SPEC, `'${item}'`);
        }
        assert.equal(group.size, 0);
        assert.equal(recorder.opened.length, first, 'no connection was opened');
      } finally {
        await within(group.terminate({ timeout: 1000 }), PROMPT_MS + 1000, 'group.terminate');
      }
    });

    it('abort: an already-aborted signal rejects with its reason and leaves no worker', { timeout: CASE_MS }, async () => {
      const first = recorder.opened.length;
      const group = new Group();
      const reason = new Error('aborted by the test');
      const controller = new AbortController();
      controller.abort(reason);
      try {
        const result = await settle(within(group.makeGateway(spec, { signal: controller.signal, timeout: STEP_MS, onOutput: () => undefined }), STEP_MS + 1000, 'makeGateway'));
        assert.ok(result.rejected, 'makeGateway resolved despite the aborted signal');
        assert.equal(result.value, reason);
        assert.equal(group.size, 0);
      } finally {
        await within(group.terminate({ timeout: 1000 }), PROMPT_MS + 1000, 'group.terminate');
      }
      await noWorkerLeft(recorder.opened.slice(first));
    });

    it('abort during the handshake rejects with its reason and leaves no worker', { timeout: CASE_MS }, async () => {
      const first = recorder.opened.length;
      const group = new Group();
      const reason = new Error('aborted by the test');
      const controller = new AbortController();
      recorder.onOpen = () => controller.abort(reason);
      try {
        const result = await settle(within(group.makeGateway(spec, { signal: controller.signal, timeout: STEP_MS, onOutput: () => undefined }), STEP_MS + 1000, 'makeGateway'));
        assert.equal(recorder.opened.length, first + 1, 'the transport opened a connection');
        assert.ok(result.rejected, 'makeGateway resolved despite the abort');
        assert.equal(result.value, reason);
        assert.equal(group.size, 0);
      } finally {
        recorder.onOpen = undefined;
        await within(group.terminate({ timeout: 1000 }), PROMPT_MS + 1000, 'group.terminate');
      }
      await noWorkerLeft(recorder.opened.slice(first));
    });
  });
}
