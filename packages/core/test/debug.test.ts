import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLog, debugEnabled, debugFilePath } from '../src/debug.js';

const debugModule = fileURLToPath(new URL('../src/debug.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

interface ChildResult {
  stderr: string;
  report: { pid: number; enabled: boolean; path: string | null };
}

/** Runs createLog in a fresh process, since EXECNET_DEBUG is read at import time. */
function runChild(debug: string | undefined, tmp: string): ChildResult {
  const code = `
    const { createLog, debugEnabled, debugFilePath } = await import(${JSON.stringify(debugModule)});
    const log = createLog('core:test');
    log('hello', 42, { a: 1 });
    log({ toString() { return 'x'; }, [Symbol.for('nodejs.util.inspect.custom')]() { return '<Message STATUS channel=3 lendata=0>'; } });
    process.stdout.write(JSON.stringify({ pid: process.pid, enabled: debugEnabled, path: debugFilePath() ?? null }));
  `;
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, TMP: tmp, TEMP: tmp };
  delete env['EXECNET_DEBUG'];
  if (debug !== undefined) env['EXECNET_DEBUG'] = debug;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: repoRoot,
    env,
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  return { stderr: result.stderr, report: JSON.parse(result.stdout) as ChildResult['report'] };
}

function withTmp(fn: (tmp: string) => void): void {
  const tmp = mkdtempSync(join(tmpdir(), 'execnet-debug-test-'));
  try {
    fn(tmp);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

describe('debug', () => {
  it('is off by default: no output, no file', () => {
    withTmp((tmp) => {
      const { stderr, report } = runChild(undefined, tmp);
      assert.equal(report.enabled, false);
      assert.equal(report.path, null);
      assert.equal(stderr, '');
      assert.equal(existsSync(join(tmp, `execnet-debug-${report.pid}`)), false);
    });
  });

  it('treats an empty EXECNET_DEBUG as off', () => {
    withTmp((tmp) => {
      const { stderr, report } = runChild('', tmp);
      assert.equal(report.enabled, false);
      assert.equal(stderr, '');
    });
  });

  it('EXECNET_DEBUG=2 writes [pid] namespace message lines to stderr', () => {
    withTmp((tmp) => {
      const { stderr, report } = runChild('2', tmp);
      assert.equal(report.enabled, true);
      assert.equal(report.path, null);
      const lines = stderr.trimEnd().split('\n');
      assert.deepEqual(lines, [
        `[${report.pid}] core:test hello 42 { a: 1 }`,
        `[${report.pid}] core:test <Message STATUS channel=3 lendata=0>`,
      ]);
      assert.equal(existsSync(join(tmp, `execnet-debug-${report.pid}`)), false);
    });
  });

  it('any other value appends to <tmpdir>/execnet-debug-<pid>', () => {
    withTmp((tmp) => {
      const { stderr, report } = runChild('1', tmp);
      const path = join(tmp, `execnet-debug-${report.pid}`);
      assert.equal(report.enabled, true);
      assert.equal(report.path, path);
      assert.equal(stderr, '');
      const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
      assert.equal(lines.length, 2);
      assert.equal(lines[0], `[${report.pid}] core:test hello 42 { a: 1 }`);
    });
  });

  it('in this process follows the environment of the test run', () => {
    const expected = (process.env['EXECNET_DEBUG'] ?? '') !== '';
    assert.equal(debugEnabled, expected);
    assert.equal(typeof createLog('core:test'), 'function');
    if (!expected) assert.equal(debugFilePath(), undefined);
  });
});
