#!/usr/bin/env node
/**
 * `execnet-socketserver`: parses the command line and runs {@link startSocketServer};
 * everything else is the library's.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { isExecnetError } from '@execnet/core';
import { parseHostPort } from './address.js';
import { startSocketServer, type SocketServerOptions } from './start-server.js';

const USAGE = `usage: execnet-socketserver [options] [HOST:PORT]

Serves execnet socket gateways: each client that proves it knows the shared secret
gets its own worker process.

  --listen HOST:PORT        address to listen on (default 127.0.0.1:8888; [::1]:PORT for IPv6)
  --secret-file FILE        file with the shared secret (else EXECNET_SOCKET_SECRET)
  --insecure-no-secret      accept clients without a secret (loopback only, unless --force)
  --force                   allow --insecure-no-secret on an address other machines can reach
  --tls-cert FILE           speak TLS with this certificate (PEM) ...
  --tls-key FILE            ... and this key (PEM)
  --once                    serve one gateway, then exit
  --max-pending N           connections waiting to authenticate at once (default 32)
  --handshake-timeout MS    time to authenticate, in milliseconds (default 10000)
  --node PATH               Node executable for workers (default: the one running this)
  --version                 print the version
  -h, --help                print this help

Prints "listening on HOST:PORT" on stdout, one line per connection on stderr.
Stops on SIGTERM or SIGINT, ending its workers.`;

function fail(message: string, code: number): never {
  process.stderr.write(`execnet-socketserver: ${message}\n`);
  process.exit(code);
}

function parseCommandLine(argv: string[]): SocketServerOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      listen: { type: 'string' },
      'secret-file': { type: 'string' },
      'insecure-no-secret': { type: 'boolean' },
      force: { type: 'boolean' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      once: { type: 'boolean' },
      'max-pending': { type: 'string' },
      'handshake-timeout': { type: 'string' },
      node: { type: 'string' },
      version: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (values.version) {
    const pkg = createRequire(import.meta.url)('../package.json') as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    process.exit(0);
  }
  if (positionals.length > 1 || (positionals.length === 1 && values.listen)) throw new Error('give one listen address');
  const { host, port } = parseHostPort(values.listen ?? positionals[0] ?? '127.0.0.1:8888', { defaultPort: 8888, allowZero: true });
  if (Boolean(values['tls-cert']) !== Boolean(values['tls-key'])) throw new Error('--tls-cert and --tls-key go together');
  return {
    host,
    port,
    secretFile: values['secret-file'],
    insecureNoSecret: values['insecure-no-secret'],
    force: values.force,
    tls: values['tls-cert'] ? { cert: readFileSync(values['tls-cert']), key: readFileSync(values['tls-key']!) } : undefined,
    once: values.once,
    maxPending: positiveInteger(values['max-pending'], '--max-pending'),
    handshakeTimeout: positiveInteger(values['handshake-timeout'], '--handshake-timeout'),
    workerExecutable: values.node,
  };
}

function positiveInteger(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new Error(`${flag} needs a positive integer, got '${text}'`);
  return Number(text);
}

async function main(): Promise<void> {
  let options: SocketServerOptions;
  try {
    options = parseCommandLine(process.argv.slice(2));
  } catch (error) {
    fail(`${(error as Error).message}\n\n${USAGE}`, 2);
  }
  const server = await startSocketServer({
    ...options,
    log: (line, event) => {
      if (event.kind === 'listening') process.stdout.write(`${line}\n`);
      else process.stderr.write(`${new Date().toISOString()} ${line}\n`);
    },
  }).catch((error: unknown) => fail(isExecnetError(error) ? error.message : String(error), 1));
  let signals = 0;
  const stop = (): void => {
    // A second signal does not wait for the workers any more.
    if (++signals > 1) process.exit(1);
    void server.close();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await server.closed;
  process.exit(0);
}

void main();
