import { readFileSync } from 'node:fs';
import { startSocketServer } from 'execnet';
import { ExitCode, UsageError } from '../support/exit-codes.js';
import { parseListenAddress } from '../support/host-port.js';

/** Options of `execnet socketserver`, as the command line gives them. */
export interface SocketServerCommandOptions {
  listen?: string;
  secretFile?: string;
  insecureNoSecret?: boolean;
  force?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  once?: boolean;
  maxPending?: number;
  handshakeTimeout?: number;
  node?: string;
}

/**
 * `execnet socketserver [HOST:PORT]`: runs the socket server of `@execnet/transport-socket`
 * (`startSocketServer`) until SIGINT/SIGTERM, or after one gateway with `--once`. Prints
 * `listening on HOST:PORT` on stdout and one line per connection on stderr. The secret comes
 * from `--secret-file` or `EXECNET_SOCKET_SECRET`.
 * @throws {UsageError} two addresses, or --tls-cert without --tls-key
 */
export async function socketServerCommand(address: string | undefined, options: SocketServerCommandOptions): Promise<ExitCode> {
  if (address !== undefined && options.listen !== undefined) throw new UsageError('give the address once: HOST:PORT or --listen HOST:PORT');
  if (Boolean(options.tlsCert) !== Boolean(options.tlsKey)) throw new UsageError('--tls-cert and --tls-key go together');
  const { host, port } = parseListenAddress(address ?? options.listen ?? '', { host: '127.0.0.1', port: 8888 });
  const server = await startSocketServer({
    host,
    port,
    secretFile: options.secretFile,
    insecureNoSecret: options.insecureNoSecret,
    force: options.force,
    tls: options.tlsCert ? { cert: readTlsFile(options.tlsCert), key: readTlsFile(options.tlsKey!) } : undefined,
    once: options.once,
    maxPending: options.maxPending,
    handshakeTimeout: options.handshakeTimeout,
    workerExecutable: options.node,
    log: (line, event) => {
      if (event.kind === 'listening') process.stdout.write(`${line}\n`);
      else process.stderr.write(`${new Date().toISOString()} ${line}\n`);
    },
  });
  let signals = 0;
  const stop = (): void => {
    // A second signal does not wait for the workers any more.
    if (++signals > 1) process.exit(ExitCode.FAILED);
    void server.close();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    await server.closed;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return ExitCode.OK;
}

function readTlsFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
}
