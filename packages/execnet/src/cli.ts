#!/usr/bin/env node
/**
 * The `execnet` command: parses the command line (commander) and dispatches to
 * `commands/<name>.ts`. Command modules are imported only after the flags are read, because
 * core reads EXECNET_DEBUG when it is first imported; they use the library's public API only.
 */
import { createRequire } from 'node:module';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ExitCode } from './support/exit-codes.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** One flag of every command: `--debug`. */
interface GlobalOptions {
  debug?: boolean;
}

const program = new Command('execnet')
  .description('execnet for TypeScript: run code in worker processes on this machine or others (ssh, sockets), talk to it over channels, mirror directories to them')
  .version(version, '-V, --version', 'print the version')
  .helpOption('-h, --help', 'print help (`execnet help COMMAND` for a command)')
  .option('--debug', 'trace the protocol to stderr (EXECNET_DEBUG=2) and print stacks of errors')
  .showSuggestionAfterError()
  .showHelpAfterError('(see --help)')
  .exitOverride()
  .configureOutput({
    // A usage error is one line, `execnet: …`, then a pointer to --help (showHelpAfterError).
    outputError: (text, write) => write(text.replace(/^error: /, 'execnet: ')),
  });

/** The `--timeout MS` option of commands that start gateways. */
function timeoutOption(): Option {
  return new Option('--timeout <ms>', 'milliseconds a worker may take to start').argParser(parsePositiveInteger).default(30_000);
}

program
  .command('exec')
  .summary('run code on a gateway and print what it sends')
  .description(
    'Starts a gateway from SPEC, runs the code there and prints every item the code sends on its ' +
      'channel, one line each: strings as they are, other values JSON-like. The code is the body of ' +
      'an async function with `channel` and each --kw name in scope (a .mjs file: its default ' +
      'export, called as fn(channel, kwargs)); for a python= worker it is Python source. ' +
      "The worker's own stdout/stderr go to this stdout/stderr.\n\n" +
      'Exit codes: 0 done, 1 the remote code raised (its traceback is printed), 2 usage, ' +
      '3 the gateway could not be started or was lost.',
  )
  .argument('<spec>', 'gateway spec, e.g. popen, popen//python=python3, ssh=user@host, socket=HOST:PORT')
  .argument('[file]', 'file with the code (- for stdin)')
  .option('-e, --eval <code>', 'the code, instead of a file')
  .option('--kw <name=value>', 'a keyword argument for the code; JSON values are parsed (n=3, l=[1,2]), others are strings (repeatable)', collect)
  .option('--call <name>', 'python= workers: call this function of the source as name(channel, **kwargs)')
  .addOption(timeoutOption())
  .addHelpText('after', '\nExamples:\n  execnet exec popen -e "channel.send(process.version)"\n  execnet exec popen --kw n=5 -e "for (let i = 0; i < n; i++) await channel.send(i * i)"\n  execnet exec popen//python=python3 -e "import sys; channel.send(sys.version)"')
  .action(async (spec: string, file: string | undefined, options) => {
    const { execCommand } = await import('./commands/exec.js');
    return finish(() => execCommand(spec, file, options), 'execnet exec');
  });

program
  .command('info')
  .summary('print what each gateway reports about its worker (remoteInfo, remoteStatus)')
  .description(
    'Starts a gateway for each SPEC (in parallel) and prints a table of what each worker reports: ' +
      'process id, executable, version, platform, exec model, open channels, working directory. ' +
      'A spec that fails gets a row with its error, and the exit code is 3.',
  )
  .argument('<spec...>', 'gateway specs')
  .option('--json', 'print one JSON object per spec and line instead of the table')
  .addOption(timeoutOption())
  .action(async (specs: string[], options) => {
    const { infoCommand } = await import('./commands/info.js');
    return finish(() => infoCommand(specs, options), 'execnet info');
  });

program
  .command('rsync')
  .summary('mirror a directory to one or more gateways (progress bar on a terminal)')
  .description(
    'Mirrors the directory SRC to DEST on the worker of each SPEC:DEST target (Python execnet\'s ' +
      'RSync: only missing or changed files are sent; large changed files as a delta). The last ' +
      'colon separates spec and destination, so `socket=HOST:PORT:/dest` works. Progress goes to ' +
      'stderr: a live bar (bytes, files, rate, ETA) on a terminal, a line a second otherwise; one ' +
      'result line per target goes to stdout.\n\n' +
      'Exit codes: 0 done, 1 a target failed, 2 usage, 3 a gateway could not be started.',
  )
  .argument('<src>', 'local source directory')
  .argument('<targets...>', 'SPEC:DEST, e.g. popen:/tmp/copy or ssh=me@host:build')
  .option('--delete', 'remove files and directories of DEST that SRC does not have')
  .option('--dry-run', 'compare only and print what would change (JavaScript workers)')
  .option('--exclude <pattern>', 'leave out matching entries, e.g. node_modules/ or *.log (repeatable)', collect)
  .option('--include <pattern>', 'keep matching entries an --exclude pattern would leave out (repeatable)', collect)
  .addOption(
    new Option('--progress <mode>', 'progress display: auto (a bar on a terminal), tty (always the bar), plain (lines), none')
      .choices(['auto', 'tty', 'plain', 'none'])
      .default('auto'),
  )
  .option('-v, --verbose', 'print a line per file sent')
  .addOption(timeoutOption())
  .addHelpText('after', '\nExamples:\n  execnet rsync ./src popen:/tmp/copy --delete\n  execnet rsync ./site "ssh=-p 2222 me@host:www" "ssh=me@other:www" --exclude "*.tmp"')
  .action(async (source: string, targets: string[], options) => {
    const { rsyncCommand } = await import('./commands/rsync.js');
    return finish(() => rsyncCommand(source, targets, options), 'execnet rsync');
  });

program
  .command('socketserver')
  .summary('serve socket gateways to clients that know a shared secret')
  .description(
    'Runs the socket server of @execnet/transport-socket: each client that proves it knows the ' +
      'shared secret (challenge-response; the secret never crosses the wire) gets its own worker. ' +
      'Clients connect with `socket=HOST:PORT` and the same secret (EXECNET_SOCKET_SECRET). ' +
      'Prints "listening on HOST:PORT" on stdout and one line per connection on stderr; stops on ' +
      'SIGINT/SIGTERM, ending its workers.',
  )
  .argument('[address]', 'HOST:PORT to listen on (default 127.0.0.1:8888; port 0 picks a free one)')
  .option('--listen <address>', 'same as the address argument')
  .option('--secret-file <file>', 'file with the shared secret (else EXECNET_SOCKET_SECRET)')
  .option('--insecure-no-secret', 'accept clients without a secret (loopback only, unless --force)')
  .option('--force', 'allow --insecure-no-secret on an address other machines can reach')
  .option('--tls-cert <file>', 'speak TLS with this certificate (PEM) ...')
  .option('--tls-key <file>', '... and this key (PEM)')
  .option('--once', 'serve one gateway, then exit')
  .addOption(new Option('--max-pending <n>', 'connections waiting to authenticate at once (default 32)').argParser(parsePositiveInteger))
  .addOption(new Option('--handshake-timeout <ms>', 'time to authenticate, in milliseconds (default 10000)').argParser(parsePositiveInteger))
  .option('--node <path>', 'Node executable for workers (default: the one running this)')
  .action(async (address: string | undefined, options) => {
    const { socketServerCommand } = await import('./commands/socketserver.js');
    return finish(() => socketServerCommand(address, options), 'execnet socketserver');
  });

// Flags must be read before a command module loads the library (see the top of this file).
program.hook('preAction', () => {
  if ((program.opts() as GlobalOptions).debug) process.env['EXECNET_DEBUG'] = '2';
});

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function parsePositiveInteger(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new InvalidArgumentError('expected a positive integer');
  return Number(text);
}

/** Runs a command; reports a thrown error as one line (stack with --debug) and sets the exit code. */
async function finish(run: () => Promise<number>, command: string): Promise<void> {
  let code: number;
  try {
    code = await run();
  } catch (error) {
    const { reportError } = await import('./support/report-error.js');
    code = reportError(error, { command, debug: Boolean((program.opts() as GlobalOptions).debug) });
  }
  process.exitCode = code;
  // Done: nothing should hold the process now. If something does (a stuck handle), do not hang.
  setTimeout(() => process.exit(), 5000).unref();
}

// `execnet exec … | head` closes stdout early: that is no error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? ExitCode.OK);
  throw error;
});

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  // --help and --version end with code 0; every other commander error is a usage error.
  process.exitCode = error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
}
