/*
 * Every example in examples/ runs as its header says (`node --import tsx
 * --conditions=@execnet/source examples/NAME.ts`) and prints what it promises.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON, pythonMissing, runExample, skipOutsideCi, type RunResult } from './helpers.js';

/** Asserts a clean exit and returns stdout. */
function ok(result: RunResult): string {
  assert.equal(result.code, 0, `exit ${result.code} ${result.signal ?? ''}\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

describe('examples', () => {
  it('remote-exec: channels, kwargs, functions, values, channels in values, remote errors', async () => {
    const out = ok(await runExample('remote-exec'));
    assert.match(out, /^incremented: 2$/m);
    assert.match(out, /^greeting: hello, world!$/m);
    assert.match(out, /^4 squared: 16$/m);
    assert.match(out, /'version', 'string'/);
    assert.match(out, /point: Tuple\(2\) \[ 1, 2 \]/);
    assert.match(out, /big: 18446744073709551616n/);
    assert.match(out, /^reply: sent over a channel I received$/m);
    assert.match(out, /^remote error: RemoteError$/m);
    assert.match(out, /^done$/m);
  });

  it('callbacks: items then the end marker, many channels by readiness', async () => {
    const out = ok(await runExample('callbacks'));
    assert.equal(out.match(/^callback got \{ step: \d/gm)?.length, 5);
    assert.match(out, /callback got \{ step: 5.*\n^callback got the end marker$/m);
    assert.match(out, /^5 items by callback$/m);
    assert.match(out, /^arrived in order of readiness: 100 200 300$/m);
  });

  it('remote-output: a channel file both ways and the worker output handler', async () => {
    const out = ok(await runExample('remote-output'));
    assert.match(out, /^remote wrote: writes to a channel file$/m);
    assert.match(out, /^master read: read from a channel$/m);
    assert.match(out, /^captured: stderr: and a warning \| stdout: printed by the worker$/m);
  });

  it('group-map-reduce: three workers map, the master reduces', async () => {
    const out = ok(await runExample('group-map-reduce'));
    assert.match(out, /^group of 3: alpha, beta, gamma$/m);
    assert.match(out, /^3 distinct worker processes$/m);
    assert.equal(out.match(/^(alpha|beta|gamma) counted \d+ distinct words$/gm)?.length, 3);
    assert.match(out, /^\d+ files mapped; top words: \w+=\d+/m);
  });

  it('python-worker: Python types, a called function, a Python traceback', { skip: skipOutsideCi(pythonMissing()) }, async () => {
    const out = ok(await runExample('python-worker', [PYTHON]));
    assert.match(out, /^python worker: 3\.\d+/m);
    for (const type of ['int', 'float', 'str', 'bytes', 'list', 'tuple', 'dict', 'set', 'frozenset', 'complex', 'bool']) {
      assert.match(out, new RegExp(`^python sees ${type}:`, 'm'));
    }
    assert.match(out, /^fib\(90\) computed in Python: 2880067194370816120n$/m);
    assert.match(out, /^remote error: RemoteError ValueError: from Python$/m);
  });

  it('rsync: a first sync, then only the changes', async () => {
    const python = pythonMissing() ? undefined : PYTHON;
    const out = ok(await runExample('rsync', [], { env: { EXAMPLE_PYTHON: python } }));
    assert.match(out, /^js: first sync sent 2 files$/m);
    assert.match(out, /^js: second sync sent 1 file\(s\): update README\.md, .*delete docs\/guide\.md$/m);
    if (python) assert.match(out, /^py: second sync sent 1 file\(s\): update README\.md$/m);
    assert.match(out, /^progress events: yes$/m);
    assert.match(out, /^copy has: # hello again$/m);
  });

  it('socket-server: the right secret gets a worker, a wrong one is refused', async () => {
    const out = ok(await runExample('socket-server'));
    assert.match(out, /^worker is not this process; it answered 42$/m);
    assert.match(out, /^wrong secret refused: \w+ ERR_EXECNET_AUTHENTICATION$/m);
    assert.match(out, /^server closed$/m);
  });

  it('await-using: leaving the block ends the workers, also on errors', async () => {
    const out = ok(await runExample('await-using'));
    assert.match(out, /^worker runs: true$/m);
    assert.match(out, /^after the block, worker is gone: true$/m);
    assert.match(out, /^group workers gone: true$/m);
  });

  describe('xdist', () => {
    const files = ['values', 'golden', 'codecs', 'msgpack-codec'].map((name) => `packages/serializer/test/${name}.test.ts`);

    it("runs this repository's serializer tests on three workers and re-runs a lost worker's file", async () => {
      const out = ok(await runExample('xdist', ['-n', '3', '--crash', 'w1', ...files], { timeout: 120_000 }));
      assert.match(out, /^xdist: 4 files on 3 workers \(w0, w1, w2\)$/m);
      assert.match(out, /^\[w1\] worker lost while running packages\/serializer\/test\/\S+; re-running it on another worker$/m);
      for (const file of files) assert.match(out, new RegExp(`^\\[w[02]\\] PASS ${file.replace(/[.]/g, '\\.')} \\(\\d+ tests`, 'm'));
      const summary = /^xdist: 4 files, (\d+) passed, 0 failed, .*; re-ran 1 file\(s\) of lost workers$/m.exec(out);
      assert.ok(summary && Number(summary[1]) > 100, out);
    });

    it('reports failing tests with their names and exits 1', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'execnet-xdist-'));
      try {
        writeFileSync(join(dir, 'good.test.mjs'), "import { test } from 'node:test';\ntest('fine', () => {});\ntest('skipped', { skip: true }, () => {});\n");
        writeFileSync(
          join(dir, 'bad.test.mjs'),
          "import { test } from 'node:test';\nimport assert from 'node:assert';\ntest('adds up', () => assert.equal(1 + 1, 3));\ntest('fine too', () => {});\n",
        );
        const result = await runExample('xdist', ['-n', '2', dir]);
        assert.equal(result.code, 1, result.stdout + result.stderr);
        assert.match(result.stdout, /^\[w\d\] FAIL \S*bad\.test\.mjs \(2 tests/m);
        assert.match(result.stdout, /^ {2}✗ adds up: /m);
        assert.match(result.stdout, /^\[w\d\] PASS \S*good\.test\.mjs \(2 tests/m);
        assert.match(result.stdout, /^xdist: 2 files, 2 passed, 1 failed, 1 skipped, 0 todo/m);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
