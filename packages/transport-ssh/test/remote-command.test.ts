import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { execFileSync } from 'node:child_process';
import type { WorkerCommand } from '@execnet/core';
import { MarkerFilter, remoteWorkerCommand, shellQuote } from '../src/remote-command.js';

const worker = (executable?: string): WorkerCommand => ({
  runtime: 'node',
  executable,
  args: ['-e', 'LOADER'],
  protocol: 'fds',
  argv: (fallback) => [executable ?? fallback, '-e', 'LOADER'],
  shellCommand: (fallback) => `${shellQuote(executable ?? fallback)} -e LOADER 3>&1 4<&0 </dev/null 1>&2`,
});

/** Runs the filter over `chunks`; returns what passed, the noise and the pid. */
async function filter(chunks: string[], marker = 'execnet-ready-abc') {
  const noise: Buffer[] = [];
  const stream = new MarkerFilter(marker, (bytes) => noise.push(Buffer.from(bytes)));
  let pid: number | undefined;
  stream.on('marker', (value: number) => (pid = value));
  const out = buffer(Readable.from(chunks.map((chunk) => Buffer.from(chunk, 'latin1'))).pipe(stream));
  return { out: (await out).toString('latin1'), noise: Buffer.concat(noise).toString('latin1'), pid };
}

describe('remoteWorkerCommand', () => {
  it('checks the runtime, prints the marker with the pid, then execs the worker', () => {
    const command = remoteWorkerCommand(worker(), 'n0nce');
    assert.equal(command.marker, 'execnet-ready-n0nce');
    assert.equal(
      command.line,
      `command -v node >/dev/null 2>&1 || exit 127; printf '%s %s\\n' execnet-ready-n0nce "$$"; exec node -e LOADER 3>&1 4<&0 </dev/null 1>&2`,
    );
    assert.equal(command.display, 'node -e <execnet loader>');
    assert.equal(remoteWorkerCommand(worker('/opt/my node/bin/node')).executable, '/opt/my node/bin/node');
    assert.match(remoteWorkerCommand(worker('/opt/my node/bin/node')).line, /^command -v '\/opt\/my node\/bin\/node'/);
  });

  it('is valid for a POSIX shell: the marker line carries the pid of the exec’d process', () => {
    const line = remoteWorkerCommand({ ...worker(), shellCommand: () => 'sh -c \'echo "$$"\'' }, 'x').line;
    const out = execFileSync('/bin/sh', ['-c', line], { encoding: 'utf8' }).trim().split('\n');
    const [marker, pid] = out[0]!.split(' ');
    assert.equal(marker, 'execnet-ready-x');
    assert.equal(out[1], pid, 'exec kept the pid');
    assert.throws(() => execFileSync('/bin/sh', ['-c', remoteWorkerCommand(worker('/no/such/runtime')).line], { stdio: 'ignore' }), (error) => (error as { status?: number }).status === 127);
  });
});

describe('MarkerFilter', () => {
  it('drops the marker line and passes what follows untouched', async () => {
    const result = await filter(['execnet-ready-abc 4242\n1\x00\x01frames']);
    assert.deepEqual(result, { out: '1\x00\x01frames', noise: '', pid: 4242 });
  });

  it('turns output before the marker (noisy rc files) into noise, across chunk borders', async () => {
    const result = await filter(['Welcome!\nexecnet-re', 'ady-abc 7', '\n', '1', 'rest']);
    assert.deepEqual(result, { out: '1rest', noise: 'Welcome!\n', pid: 7 });
  });

  it('ignores a marker with another nonce', async () => {
    const result = await filter(['execnet-ready-zzz 1\nexecnet-ready-abc 2\n1']);
    assert.equal(result.pid, 2);
    assert.equal(result.noise, 'execnet-ready-zzz 1\n');
  });

  it('gives everything as noise when the marker never comes', async () => {
    const big = 'x'.repeat(100_000);
    const result = await filter([big, 'tail']);
    assert.equal(result.pid, undefined);
    assert.equal(result.out, '');
    assert.equal(result.noise, `${big}tail`);
  });
});
