/*
 * Python workers beyond execnet's own tests: links and times, bad input, mixed targets,
 * progress; and (white-box, with a stand-in gateway) the exact reference messages.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Float, Tuple, type Gateway } from '@execnet/core';
import { DestinationError, RSync, SyncError, UnsupportedError, type ProgressEvent } from '@execnet/rsync';
import { gatewayPool, skipPython, specFor, tempDir } from './helpers.js';

describe('RSync to Python workers', { skip: skipPython() }, () => {
  const open = gatewayPool();
  let py: Gateway;
  before(async () => {
    py = await open(specFor('python'));
  });

  it('keeps links and float mtimes as execnet does', async () => {
    const t = tempDir();
    const src = join(t, 'src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'sub', 'f'), 'data');
    utimesSync(join(src, 'sub', 'f'), 1_600_000_000.25, 1_600_000_000.25);
    symlinkSync(join(src, 'sub', 'f'), join(src, 'inside'));
    symlinkSync('/elsewhere', join(src, 'outside'));
    const report = await new RSync(src, { verbose: false }).addTarget(py, join(t, 'dst')).send();
    assert.equal(report.targets[0]?.protocol, 'python');
    assert.equal(readFileSync(join(t, 'dst', 'sub', 'f'), 'utf8'), 'data');
    const check = py.remoteExec(`
      import os
      d = channel.receive()
      channel.send((os.readlink(os.path.join(d, 'inside')), os.readlink(os.path.join(d, 'outside')), os.stat(os.path.join(d, 'sub', 'f')).st_mtime))
    `);
    await check.send(join(t, 'dst'));
    assert.deepEqual([...((await check.receive()) as unknown[])], [join(t, 'dst', 'sub', 'f'), '/elsewhere', 1_600_000_000.25]);
  });

  it('answers requests only after the whole tree, even when they come early (large trees)', async () => {
    const t = tempDir();
    const src = join(t, 'src');
    for (let d = 0; d < 30; d++) {
      mkdirSync(join(src, `d${d}`), { recursive: true });
      for (let f = 0; f < 50; f++) writeFileSync(join(src, `d${d}`, `f${f}`), `${d}/${f}`);
    }
    await new RSync(src, { verbose: false }).addTarget(py, join(t, 'dst')).send({ timeout: 60_000 });
    // Touched files early in the walk: the worker asks for them while the master still walks.
    for (let f = 0; f < 10; f++) utimesSync(join(src, 'd0', `f${f}`), 2_000_000_000 + f, 2_000_000_000 + f);
    writeFileSync(join(src, 'd0', 'f20'), 'changed');
    const report = await new RSync(src, { verbose: false }).addTarget(py, join(t, 'dst')).send({ timeout: 60_000 });
    assert.equal(report.targets[0]!.filesRequested, 11);
    assert.equal(readFileSync(join(t, 'dst', 'd0', 'f20'), 'utf8'), 'changed');
    assert.equal(readFileSync(join(t, 'dst', 'd29', 'f49'), 'utf8'), '29/49');
  });

  it('an aborted send settles, its Python target stopped', async () => {
    const t = tempDir();
    const src = join(t, 'src');
    mkdirSync(src);
    for (let f = 0; f < 40; f++) writeFileSync(join(src, `f${f}`), Buffer.alloc(256 * 1024, f));
    const controller = new AbortController();
    const reason = new Error('enough');
    const sending = new RSync(src, { verbose: false, callback: (event) => event === 'ack' && controller.abort(reason) })
      .addTarget(py, join(t, 'dst'))
      .send({ signal: controller.signal });
    await assert.rejects(sending, (e) => e === reason);
    // The gateway still works afterwards.
    const ch = py.remoteExec('channel.send(1 + 1)');
    assert.equal(await ch.receive(), 2);
  });

  it('a destination that is a file fails that target with a DestinationError, and leaves the file', async () => {
    const t = tempDir();
    const src = join(t, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'a'), 'a');
    writeFileSync(join(t, 'dst-file'), 'not a directory');
    const error = await new RSync(src, { verbose: false })
      .addTarget(py, join(t, 'dst-file'))
      .send()
      .then(() => assert.fail('send should fail'), (e: unknown) => e);
    assert.ok(error instanceof SyncError);
    assert.ok(error.failures[0]?.cause instanceof DestinationError);
    assert.equal(readFileSync(join(t, 'dst-file'), 'utf8'), 'not a directory');
  });

  it('a dry-run is refused for Python workers, before anything is sent', async () => {
    const t = tempDir();
    mkdirSync(join(t, 'src'));
    await assert.rejects(new RSync(join(t, 'src')).addTarget(py, join(t, 'dst')).send({ dryRun: true }), UnsupportedError);
  });

  it('syncs Python and JavaScript targets in one send, with progress for both', async () => {
    const t = tempDir();
    const src = join(t, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'f'), Buffer.alloc(2 * 1024 * 1024, 5));
    const js = await open(specFor('js'));
    const events: ProgressEvent[] = [];
    const report = await new RSync(src, { verbose: false, onProgress: (e) => events.push(e) })
      .addTarget(py, join(t, 'py'))
      .addTarget(js, join(t, 'js'))
      .send();
    assert.deepEqual(report.targets.map((r) => r.protocol), ['python', 'js']);
    for (const dir of ['py', 'js']) assert.equal(readFileSync(join(t, dir, 'f')).length, 2 * 1024 * 1024);
    for (const id of [py.id, js.id]) {
      const last = events.filter((e) => e.gatewayId === id).at(-1)!;
      assert.equal(last.bytesDone, 2 * 1024 * 1024);
      assert.equal(last.bytesTotal, 2 * 1024 * 1024);
    }
  });
});

const isTuple = (value: unknown): boolean => value instanceof Tuple;
const isFloat = (value: unknown): boolean => value instanceof Float;

/** A stand-in for a Python worker's gateway that records what the master sends and answers as rsync_remote. */
function fakePythonGateway() {
  const sent: unknown[] = [];
  let deliver: ((item: unknown) => void) | undefined;
  let closed: () => void = () => undefined;
  const closing = new Promise<void>((resolve) => (closed = resolve));
  const gateway = {
    id: 'fake',
    remoteKind: 'python' as const,
    toString: () => '<fake gateway>',
    remoteExec(code: unknown) {
      if (typeof code === 'string' && code.includes('lexists')) {
        // The destination check: the destination is usable.
        return { send: async () => undefined, receive: async () => false, waitClose: async () => undefined };
      }
      return {
        isClosed: false,
        send: async (item: unknown) => void sent.push(item),
        setCallback: (callback: (item: unknown) => void) => (deliver = callback),
        waitClose: () => closing,
        close: () => closed(),
      };
    },
  };
  return { gateway: gateway as unknown as Gateway, sent, reply: (item: unknown) => deliver?.(item), end: () => (closed(), deliver?.(null)) };
}

describe('the reference protocol, message by message', () => {
  it('sends exactly what execnet rsync.py sends', async () => {
    const t = tempDir();
    const src = join(t, 'src');
    mkdirSync(join(src, 'd'), { recursive: true });
    writeFileSync(join(src, 'd', 'f'), 'hello');
    utimesSync(join(src, 'd', 'f'), 1_600_000_000.5, 1_600_000_000.5);
    symlinkSync(join(src, 'd', 'f'), join(src, 'abs'));
    symlinkSync('d/f', join(src, 'rel'));
    const fake = fakePythonGateway();
    const calls: string[] = [];
    const sending = new RSync(src, { verbose: false, callback: (e, n) => calls.push(`${e}:${n}`) })
      .addTarget(fake.gateway, '/remote/dest/', { delete: true, finishedCallback: () => calls.push('finished') })
      .send();
    while (fake.sent.length < 6) await new Promise((resolve) => setImmediate(resolve));
    const [start, root, abs, dir, file, rel] = fake.sent as unknown[][];
    assert.ok(isTuple(start));
    assert.deepEqual([...start!], ['/remote/dest', { delete: true }]);
    assert.ok(Array.isArray(root) && !isTuple(root));
    assert.deepEqual(root!.slice(1), ['abs', 'd', 'rel']);
    assert.equal(abs, null);
    assert.ok(!isTuple(dir));
    assert.deepEqual(dir!.slice(1), ['f']);
    assert.ok(isTuple(file));
    assert.deepEqual([file![1], file![2]].map(Number), [1_600_000_000.5, 5]);
    assert.ok(isFloat(file![1]));
    assert.equal(rel, null);

    fake.reply(['send', [['d', 'f'], null]]);
    fake.reply(['list_done', null]);
    fake.reply(['ack', 'd/f']);
    fake.reply(['links', null]);
    fake.reply(['done', null]);
    while (fake.sent.length < 10) await new Promise((resolve) => setImmediate(resolve));
    const [data, link1, link2, end] = fake.sent.slice(6) as unknown[];
    assert.equal(Buffer.from(data as Uint8Array).toString(), 'hello');
    assert.ok(isTuple(link1) && isTuple(link2));
    assert.deepEqual([...(link1 as unknown[])], ['linkbase', 'abs', 'd/f']);
    assert.deepEqual([...(link2 as unknown[])], ['link', 'rel', 'd/f']);
    assert.equal(end, 42);
    fake.end();
    await sending;
    assert.deepEqual(calls, ['list:5', 'ack:5', 'finished']);
  });
});
