/*
 * The master itself on Node 18 and 22 (this file runs on the Node of the test command, 20 in
 * CI): each runs basics.test.ts and master-smoke/smoke.ts as a child test run, with its own
 * JavaScript workers on the same version. Runtimes come from tools/runtimes/install.sh.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT, runtime } from './helpers/runtimes.js';

const FILES = ['basics.test.ts', 'master-smoke/smoke.ts'].map((name) => fileURLToPath(new URL(name, import.meta.url)));

/** Runs `node --test` on `FILES` with another Node; resolves with its exit code and output. */
function runTests(node: string): Promise<{ code: number | null; output: string }> {
  const env = { ...process.env };
  // Set for the test runner's own children; a nested `--test` must not think it is one.
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(node, ['--import', 'tsx', '--conditions=@execnet/source', '--test', '--test-reporter=tap', ...FILES], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr.on('data', (data: Buffer) => (output += data.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

describe('the master on other Node versions', () => {
  for (const name of ['node18', 'node22'] as const) {
    const rt = runtime(name);
    it(`runs on ${name}`, { skip: rt.skip, timeout: 120_000 }, async () => {
      const node = rt.specKey().slice('node='.length);
      const { code, output } = await runTests(node);
      const summary = output.split('\n').filter((line) => /^# (pass|fail) /.test(line));
      assert.equal(code, 0, `${name} master failed:\n${output.split('\n').filter((l) => /not ok|Error|error:/.test(l)).slice(0, 40).join('\n')}`);
      assert.ok(summary.includes('# fail 0'));
      assert.ok(!summary.includes('# pass 0'));
    });
  }
});
