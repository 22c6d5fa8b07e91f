import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const fixture = fileURLToPath(new URL('./fixtures/faulty-memory.ts', import.meta.url));

/** Runs the suite against a faulty transport in a child test run; returns the names of the failed cases. */
function failedCases(fault: string): Promise<{ failed: string[]; passed: number; code: number | null }> {
  const args = ['--import', 'tsx', '--conditions=@execnet/source', '--test', '--test-reporter=tap', fixture];
  // Without NODE_TEST_CONTEXT: the child must report as a test run of its own, not to our runner.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env: { ...env, FAULT: fault }, timeout: 120_000 }, (error, stdout) => {
      if (error && typeof error.code !== 'number') return reject(error);
      const failed = [...stdout.matchAll(/^ {4}not ok \d+ - (.*)$/gm)].map((m) => m[1]!.trim());
      const passed = [...stdout.matchAll(/^ {4}ok \d+ - /gm)].length;
      resolve({ failed, passed, code: error ? (error.code as number) : 0 });
    });
  });
}

describe('the compliance suite detects faulty transports', () => {
  it('a transport that corrupts large writes fails the big-item cases only', { timeout: 150_000 }, async () => {
    const run = await failedCases('corrupt-large-writes');
    assert.deepEqual(run.failed, ['1 MiB items both ways, byte-exact', 'big items are snapshots: one buffer changed right after each send, both ways']);
    assert.notEqual(run.code, 0);
    assert.ok(run.passed > 10);
  });

  it('a transport that misreports the exit code fails the exit + join case only', { timeout: 150_000 }, async () => {
    const run = await failedCases('wrong-exit-code');
    assert.deepEqual(run.failed, ['exit + join: the worker ends by itself']);
    assert.notEqual(run.code, 0);
  });
});
