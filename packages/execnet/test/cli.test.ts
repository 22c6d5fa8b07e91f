/*
 * The execnet command line, driven as a user does: a child process per command against real
 * gateways (popen, Python workers, the test sshd, a socket server), checking exit codes,
 * stdout/stderr and the progress display (forced tty mode and a real pseudo-terminal).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CLI_SOURCE, PACKAGE_DIR, PYTHON, REPO_ROOT, SOURCE_FLAGS, pythonMissing, runCli, skipOutsideCi, sshSpec } from './helpers.js';

const USAGE = 2;
const GATEWAY = 3;
const pkg = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as { version: string };
const sshMissing = sshSpec() ? undefined : 'the test sshd is not running (eval "$(bash .ci/sshd-start.sh)")';
const scriptMissing = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0 ? undefined : 'script (util-linux) is not installed';

let scratch: string;
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'execnet-cli-'));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('execnet (no command)', { concurrency: 4 }, () => {
  it('--help lists the commands and exits 0', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0);
    for (const command of ['exec', 'info', 'rsync', 'socketserver']) assert.match(r.stdout, new RegExp(`^  ${command} `, 'm'));
  });

  it('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), pkg.version);
  });

  it('each command has its own --help', async () => {
    const commands = ['exec', 'info', 'rsync', 'socketserver'];
    const results = await Promise.all(commands.map((command) => runCli([command, '--help'])));
    results.forEach((r, i) => {
      assert.equal(r.code, 0, commands[i]);
      assert.match(r.stdout, new RegExp(`^Usage: execnet ${commands[i]} `, 'm'));
    });
  });

  it('no command, an unknown command or option: usage error (2) on one line plus a pointer to --help', async () => {
    const cases = [[], ['nope'], ['exec', '--nope', 'popen'], ['info']];
    const results = await Promise.all(cases.map((args) => runCli(args)));
    results.forEach((r, i) => {
      assert.equal(r.code, USAGE, cases[i]!.join(' '));
      assert.equal(r.stdout, '');
    });
    assert.match(results[2]!.stderr, /^execnet: .*\n\(see --help\)\n$/);
  });
});

describe('execnet exec', { concurrency: 4 }, () => {
  it('prints each item on a line: strings as they are, other values JSON-like', async () => {
    const r = await runCli([
      'exec',
      'popen',
      '-e',
      `await channel.send('plain text');
       await channel.send({ n: 1, big: 2n ** 64n, list: [true, null, 1.5, NaN], bytes: new Uint8Array([104, 105, 0]) });
       await channel.send(new Set([1]));
       await channel.send(new Map([[1, 'one']]));`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\n'), [
      'plain text',
      '{"n": 1, "big": 18446744073709551616, "list": [true, null, 1.5, NaN], "bytes": b"hi\\x00"}',
      '{1}',
      '{1: "one"}',
      '',
    ]);
  });

  it('gives --kw values to the code (JSON when they parse, else strings)', async () => {
    const r = await runCli(['exec', 'popen', '--kw', 'n=3', '--kw', 'name=world', '--kw', 'flags=[1,2]', '-e', 'channel.send([n + 1, name, flags.length])']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '[4, "world", 2]\n');
  });

  it('runs a FILE, code from stdin (-), and the default export of a .mjs module', async () => {
    const body = join(scratch, 'body.js');
    writeFileSync(body, 'for (let i = 0; i < count; i++) await channel.send(i)\n');
    const fromFile = await runCli(['exec', 'popen', '--kw', 'count=3', body]);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.equal(fromFile.stdout, '0\n1\n2\n');

    const fromStdin = await runCli(['exec', 'popen', '-'], { input: 'channel.send("from stdin")' });
    assert.equal(fromStdin.stdout, 'from stdin\n');

    const module = join(scratch, 'job.mjs');
    writeFileSync(module, 'export default async function (channel, kwargs) { await channel.send(`module ${kwargs.x}`) }\n');
    const fromModule = await runCli(['exec', 'popen', '--kw', 'x=7', module]);
    assert.equal(fromModule.code, 0, fromModule.stderr);
    assert.equal(fromModule.stdout, 'module 7\n');
  });

  it("passes the worker's own output through (stdout to stdout, stderr to stderr)", async () => {
    const r = await runCli(['exec', 'popen', '-e', 'console.log("worker says hi"); console.error("worker warns")']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^worker says hi$/m);
    assert.match(r.stderr, /^worker warns$/m);
  });

  it('exits 1 on a remote error and prints the remote traceback', async () => {
    const r = await runCli(['exec', 'popen', '-e', 'await channel.send("before"); throw new RangeError("remote trouble 1234")']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, 'before\n');
    assert.match(r.stderr, /^execnet exec: .*\n/);
    assert.match(r.stderr, /RangeError: remote trouble 1234\n\s+at /);
  });

  it('exits 3 when the gateway cannot be made: worker that does not start, unknown transport, bad spec', async () => {
    const specs = ['popen//node=/nonexistent/node', 'nosuchtransport', 'popen//execmodel=nope'];
    const results = await Promise.all(specs.map((spec) => runCli(['exec', spec, '-e', 'channel.send(1)'])));
    results.forEach((r, i) => {
      assert.equal(r.code, GATEWAY, `${specs[i]}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^execnet exec: /);
    });
  });

  it('exits 3 when the worker dies while the code runs', async () => {
    const r = await runCli(['exec', 'popen', '-e', 'await channel.send(1); process.exit(9)']);
    assert.equal(r.code, GATEWAY, r.stderr);
    assert.equal(r.stdout, '1\n');
  });

  it('usage errors exit 2: no code, FILE and -e, a missing file, a bad --kw, --call for JS', async () => {
    const cases = [
      ['exec', 'popen'],
      ['exec', 'popen', 'file.js', '-e', '1'],
      ['exec', 'popen', join(scratch, 'missing.js')],
      ['exec', 'popen', '--kw', 'novalue', '-e', '1'],
      ['exec', 'popen', '--call', 'f', '-e', '1'],
      ['exec', 'popen', '--timeout', 'soon', '-e', '1'],
    ];
    const results = await Promise.all(cases.map((args) => runCli(args)));
    results.forEach((r, i) => {
      assert.equal(r.code, USAGE, `${cases[i]!.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length <= 2, true, r.stderr);
    });
  });

  it('--debug traces the protocol to stderr and prints the stack of an error', async () => {
    const traced = await runCli(['--debug', 'exec', 'popen', '-e', 'channel.send(1)']);
    assert.equal(traced.code, 0);
    assert.equal(traced.stdout, '1\n');
    assert.match(traced.stderr, /^\[\d+\] \S+ .*<Message CHANNEL_DATA channel=1/m);

    const failed = await runCli(['exec', 'popen//node=/nonexistent/node', '--debug', '-e', '1']);
    assert.equal(failed.code, GATEWAY);
    assert.match(failed.stderr, /^BootstrapError: .*\n\s+at /m);
    const quiet = await runCli(['exec', 'popen//node=/nonexistent/node', '-e', '1']);
    assert.doesNotMatch(quiet.stderr, /\n\s+at /);
  });

  it('runs Python source on a python= worker, with --call for a function and kwargs', { skip: skipOutsideCi(pythonMissing()) }, async () => {
    const spec = `popen//python=${PYTHON}`;
    const plain = await runCli(['exec', spec, '-e', 'import sys\nchannel.send((sys.version_info[0], b"py", {"k": [1, 2.5]}))']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout, '(3, b"py", {"k": [1, 2.5]})\n');

    const called = await runCli(['exec', spec, '--call', 'scale', '--kw', 'factor=10', '-e', 'def scale(channel, factor):\n    channel.send(factor * 4)']);
    assert.equal(called.code, 0, called.stderr);
    assert.equal(called.stdout, '40\n');

    const failed = await runCli(['exec', spec, '-e', 'raise KeyError("py-side")']);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /Traceback[\s\S]*KeyError: 'py-side'/);

    const kwWithoutCall = await runCli(['exec', spec, '--kw', 'a=1', '-e', 'channel.send(1)']);
    assert.equal(kwWithoutCall.code, USAGE);
  });

  it('runs code over ssh on the test sshd', { skip: skipOutsideCi(sshMissing) }, async () => {
    const r = await runCli(['exec', sshSpec()!, '-e', 'channel.send([process.pid !== Number(parent), typeof process.version])', '--kw', `parent=${process.pid}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '[true, "string"]\n');
    const refused = await runCli(['exec', sshSpec()!.replace(/-i \S+/, `-i ${join(scratch, 'no-such-key')}`).replace('root@', 'nobody-here@'), '-e', '1']);
    assert.equal(refused.code, GATEWAY, refused.stderr);
  });
});

describe('execnet info', { concurrency: 4 }, () => {
  it('prints a table row per spec with what the worker reports', async () => {
    const r = await runCli(['info', 'popen', 'popen//id=second//execmodel=main_thread_only']);
    assert.equal(r.code, 0, r.stderr);
    const [header, ...rows] = r.stdout.trimEnd().split('\n');
    assert.deepEqual(header!.split(/\s+/), ['SPEC', 'ID', 'PID', 'EXECUTABLE', 'VERSION', 'PLATFORM', 'EXECMODEL', 'CHANNELS', 'CWD']);
    assert.equal(rows.length, 2);
    const first = rows[0]!.split(/\s+/);
    assert.equal(first[0], 'popen');
    assert.match(first[2]!, /^\d+$/);
    assert.equal(first[3], process.execPath);
    assert.equal(first[4], process.version);
    assert.equal(first[6], 'eventloop');
    assert.equal(first[8], REPO_ROOT.replace(/\/$/, ''));
    assert.match(rows[1]!, /^popen\/\/id=second\/\/execmodel=main_thread_only\s+second\s+\d+\s+.*main_thread_only/);
  });

  it('--json prints one object per spec; a failing spec gets its error and the exit code 3', async () => {
    const r = await runCli(['info', '--json', 'popen', 'popen//node=/nonexistent/node']);
    assert.equal(r.code, GATEWAY);
    const [good, bad] = r.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, any>);
    assert.equal(good!.spec, 'popen');
    assert.equal(typeof good!.info.pid, 'number');
    assert.equal(good!.status.execModel, 'eventloop');
    assert.equal(bad!.error.code, 'ERR_EXECNET_BOOTSTRAP');
    assert.equal(bad!.error.exitCode, GATEWAY);
  });

  it('a failing spec in the table: its row says error, the others are complete', async () => {
    const r = await runCli(['info', 'popen//node=/nonexistent/node', 'popen']);
    assert.equal(r.code, GATEWAY);
    const rows = r.stdout.trimEnd().split('\n').slice(1);
    assert.match(rows[0]!, /^popen\/\/node=\/nonexistent\/node\s+-\s+error: /);
    assert.match(rows[1]!, /^popen\s+gw\d+\s+\d+\s/);
  });

  it('Python workers report their interpreter', { skip: skipOutsideCi(pythonMissing()) }, async () => {
    const r = await runCli(['info', '--json', `popen//python=${PYTHON}`]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { info: { executable: string; version: string }; status: { execModel: string } };
    assert.match(report.info.version, /^3\.\d+/);
    assert.equal(report.status.execModel, 'thread');
  });

  it('ssh workers on the test sshd', { skip: skipOutsideCi(sshMissing) }, async () => {
    const r = await runCli(['info', '--json', sshSpec()!, `${sshSpec()!}//python=${PYTHON}`]);
    assert.equal(r.code, 0, r.stderr);
    const [js, py] = r.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { info: { version: string } });
    assert.match(js!.info.version, /^v\d+/);
    assert.match(py!.info.version, /^3\.\d+/);
  });
});

describe('execnet rsync', { concurrency: 3 }, () => {
  let source: string;
  before(() => {
    source = join(scratch, 'tree');
    mkdirSync(join(source, 'sub', 'deeper'), { recursive: true });
    writeFileSync(join(source, 'big.bin'), randomBytes(6 * 1024 * 1024));
    for (let i = 0; i < 20; i++) writeFileSync(join(source, 'sub', `file${i}.txt`), `file ${i}\n`);
    writeFileSync(join(source, 'sub', 'deeper', 'note.md'), '# note\n');
    writeFileSync(join(source, 'skip.log'), 'log\n');
  });

  const sameTree = (dest: string) => {
    assert.deepEqual(readFileSync(join(dest, 'big.bin')), readFileSync(join(source, 'big.bin')));
    assert.equal(readdirSync(join(dest, 'sub')).length, 21);
    assert.equal(readFileSync(join(dest, 'sub', 'deeper', 'note.md'), 'utf8'), '# note\n');
  };

  it('mirrors to several targets, prints a result line per target, plain progress on stderr', async () => {
    const a = join(scratch, 'copy-a');
    const b = join(scratch, 'copy-b');
    const r = await runCli(['rsync', source, `popen:${a}`, `popen//id=second:${b}`, '--exclude', '*.log']);
    assert.equal(r.code, 0, r.stderr);
    sameTree(a);
    sameTree(b);
    assert.equal(existsSync(join(a, 'skip.log')), false);
    assert.match(r.stdout, new RegExp(`^gw0:${a}  \\d+ changes, 22 files sent \\(6\\.0 MiB\\)$`, 'm'));
    assert.match(r.stdout, new RegExp(`^second:${b}  \\d+ changes, 22 files sent`, 'm'));
    // Plain mode (stderr is no terminal): no escape sequences, lines only, and the summary.
    assert.doesNotMatch(r.stderr, /\x1b\[/);
    assert.match(r.stderr, /^\d+% [\d.]+ \w*B\/[\d.]+ \w*B, \d+\/\d+ files, .*\/s, ETA /m);
    assert.match(r.stderr, /^44 files, 12 MiB in [\d.]+s \([\d.]+ \w*B\/s\)$/m);

    // Nothing changed: nothing is sent.
    const again = await runCli(['rsync', source, `popen:${a}`, '--exclude', '*.log', '--progress', 'none']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^gw0:\S+  0 changes, 0 files sent \(0 B\)$/m);
  });

  it('--delete removes what the source does not have; --dry-run changes nothing', async () => {
    const dest = join(scratch, 'copy-delete');
    mkdirSync(dest, { recursive: true });
    writeFileSync(join(dest, 'stale.txt'), 'old\n');
    const dry = await runCli(['rsync', source, `popen:${dest}`, '--delete', '--dry-run', '--progress', 'none']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /would change/);
    assert.equal(existsSync(join(dest, 'big.bin')), false);
    assert.equal(existsSync(join(dest, 'stale.txt')), true);

    const real = await runCli(['rsync', source, `popen:${dest}`, '--delete', '--progress', 'none', '-v']);
    assert.equal(real.code, 0, real.stderr);
    sameTree(dest);
    assert.equal(existsSync(join(dest, 'stale.txt')), false);
    assert.match(real.stderr, /<= sub\/deeper\/note\.md$/m);
  });

  it('--progress=tty draws a live bar (bytes, files, rate, ETA) with terminal escapes even into a pipe', async () => {
    const dest = join(scratch, 'copy-tty');
    const r = await runCli(['rsync', source, `popen:${dest}`, '--progress=tty']);
    assert.equal(r.code, 0, r.stderr);
    sameTree(dest);
    assert.match(r.stderr, /\x1b\[\?25l/); // cursor hidden while drawing ...
    assert.match(r.stderr, /\x1b\[\?25h/); // ... and shown again
    assert.match(r.stderr, /\x1b\[1G█+ 100% \| 6\.0 MiB\/6\.0 MiB \| 23\/23 files \| [\d.]+ \w*B\/s \| ETA 0\.0s/);
    assert.match(r.stderr, /(^|\x1b\[0J)23 files, 6\.0 MiB in [\d.]+s/m);
  });

  it('draws the bar on a real terminal (a pseudo-terminal from script)', { skip: skipOutsideCi(scriptMissing) }, async () => {
    const dest = join(scratch, 'copy-pty');
    const command = [process.execPath, ...SOURCE_FLAGS, CLI_SOURCE, 'rsync', source, `popen:${dest}`].map(shellQuote).join(' ');
    const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      child.on('close', (code) => resolve({ code, output }));
      child.stdin.end();
    });
    assert.equal(result.code, 0, result.output);
    sameTree(dest);
    assert.match(result.output, /█+ 100% \| 6\.0 MiB\/6\.0 MiB \| 23\/23 files/);
    assert.match(result.output, /\x1b\[\?25h/);
    assert.match(result.output, new RegExp(`gw0:${dest}  \\d+ changes, 23 files sent`));
  });

  it('exit codes: 1 for a missing source, 2 for a target without a colon, 3 for a gateway that does not start', async () => {
    const missing = await runCli(['rsync', join(scratch, 'no-such-dir'), `popen:${join(scratch, 'x')}`]);
    assert.equal(missing.code, 1, missing.stderr);
    assert.match(missing.stderr, /^execnet rsync: /);
    const noColon = await runCli(['rsync', source, 'popen']);
    assert.equal(noColon.code, USAGE);
    const badMode = await runCli(['rsync', source, 'popen:/tmp/x', '--progress', 'fancy']);
    assert.equal(badMode.code, USAGE);
    const deadGateway = await runCli(['rsync', source, `popen//node=/nonexistent/node:${join(scratch, 'y')}`]);
    assert.equal(deadGateway.code, GATEWAY);
  });

  it('a target that cannot be written fails with exit 1 while the other target is synced', async () => {
    const good = join(scratch, 'copy-good');
    const blocked = join(scratch, 'blocked-file');
    writeFileSync(blocked, 'a file, not a directory\n');
    const r = await runCli(['rsync', source, `popen:${good}`, `popen:${blocked}`, '--progress', 'none']);
    assert.equal(r.code, 1, r.stderr);
    sameTree(good);
    assert.match(r.stdout, new RegExp(`^gw1:${blocked}  failed: `, 'm'));
  });

  it('mirrors over ssh to the test sshd', { skip: skipOutsideCi(sshMissing) }, async () => {
    const dest = join(scratch, 'copy-ssh');
    const r = await runCli(['rsync', source, `${sshSpec()!}:${dest}`, '--progress', 'plain']);
    assert.equal(r.code, 0, r.stderr);
    sameTree(dest);
  });
});

describe('execnet socketserver', () => {
  it('serves gateways to clients with the secret; exec and info connect with socket=HOST:PORT; SIGTERM stops it', async () => {
    const secret = randomBytes(24).toString('hex');
    const server = spawn(process.execPath, [...SOURCE_FLAGS, CLI_SOURCE, 'socketserver', '127.0.0.1:0'], {
      cwd: REPO_ROOT,
      env: { ...process.env, EXECNET_SOCKET_SECRET: secret },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let serverErr = '';
    server.stderr.setEncoding('utf8').on('data', (chunk: string) => (serverErr += chunk));
    const exited = new Promise<number | null>((resolve) => server.on('close', (code) => resolve(code)));
    try {
      const lines = createInterface({ input: server.stdout });
      let address: string | undefined;
      for await (const line of lines) {
        address = /listening on (\S+)/.exec(line)?.[1];
        if (address) break;
      }
      assert.ok(address, serverErr);

      const r = await runCli(['exec', `socket=${address}`, '-e', 'channel.send(process.pid)'], { env: { EXECNET_SOCKET_SECRET: secret } });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^\d+$/m);
      assert.notEqual(Number(r.stdout), server.pid);

      const info = await runCli(['info', '--json', `socket=${address}`], { env: { EXECNET_SOCKET_SECRET: secret } });
      assert.equal(info.code, 0, info.stderr);

      const wrong = await runCli(['exec', `socket=${address}`, '-e', '1'], { env: { EXECNET_SOCKET_SECRET: 'a wrong secret of enough length' } });
      assert.equal(wrong.code, GATEWAY);
      assert.equal(wrong.stdout, '');
    } finally {
      server.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
    assert.match(serverErr, /served/);
  });

  it('--once serves one gateway and exits', async () => {
    const secretFile = join(scratch, 'secret');
    writeFileSync(secretFile, randomBytes(24).toString('hex'), { mode: 0o600 });
    const server = spawn(process.execPath, [...SOURCE_FLAGS, CLI_SOURCE, 'socketserver', '--listen', '127.0.0.1:0', '--secret-file', secretFile, '--once'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const exited = new Promise<number | null>((resolve) => server.on('close', (code) => resolve(code)));
    let address: string | undefined;
    for await (const line of createInterface({ input: server.stdout })) {
      address = /listening on (\S+)/.exec(line)?.[1];
      if (address) break;
    }
    const r = await runCli(['exec', `socket=${address}`, '-e', 'channel.send("once")'], { env: { EXECNET_SOCKET_SECRET: readFileSync(secretFile, 'utf8') } });
    assert.equal(r.stdout, 'once\n');
    assert.equal(await exited, 0);
  });

  it('refuses to start without a secret (exit 3) and on a bad address (exit 2)', async () => {
    const noSecret = await runCli(['socketserver', '127.0.0.1:0'], { env: { EXECNET_SOCKET_SECRET: undefined } });
    assert.equal(noSecret.code, GATEWAY, noSecret.stderr);
    const badAddress = await runCli(['socketserver', 'not:an:address']);
    assert.equal(badAddress.code, USAGE);
    const halfTls = await runCli(['socketserver', '--tls-cert', 'cert.pem', '127.0.0.1:0']);
    assert.equal(halfTls.code, USAGE);
  });
});

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
