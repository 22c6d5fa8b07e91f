import { Writable } from 'node:stream';
import type { Socket } from 'node:net';
import { locatePythonExecnet, pythonStringLiteral, type Connection, type ExitStatus } from '@execnet/core';
import { ByteReader, StreamEndedError } from './byte-reader.js';
import { connectThen } from './connect.js';
import { log } from './debug.js';
import { SocketConnectError } from './errors.js';
import { GREETING_BYTES } from './protocol.js';

/** The byte a Python execnet worker answers its bootstrap with. */
const HANDSHAKE = 0x31; // '1'
/** Bytes read while waiting for the handshake; a Python worker sends exactly one. */
const BOOTSTRAP_READ_LIMIT = 4096;

/**
 * The worker's end of the connection, as a Python class: exact reads and whole writes on the
 * socket the server accepted (its `clientsock`), and the half-closes gateway_base asks for
 * when it ends. Defined by this package (execnet's own `SocketIO` has the same interface).
 */
const PYTHON_SOCKET_IO = `
class SocketStreamIO(object):
    """One execnet gateway over an accepted TCP socket (worker side)."""

    def __init__(self, sock, execmodel):
        self.sock = sock
        self.execmodel = execmodel
        try:
            import socket as socket_module
            sock.setsockopt(socket_module.IPPROTO_TCP, socket_module.TCP_NODELAY, 1)
        except Exception:
            pass

    def read(self, numbytes):
        parts = []
        missing = numbytes
        while missing > 0:
            part = self.sock.recv(min(missing, 1048576))
            if not part:
                raise EOFError("connection closed, %d of %d bytes missing" % (missing, numbytes))
            parts.append(part)
            missing -= len(part)
        return b"".join(parts)

    def write(self, data):
        self.sock.sendall(data)

    def _shutdown(self, how):
        try:
            self.sock.shutdown(how)
        except OSError:
            pass

    def close_read(self):
        self._shutdown(0)

    def close_write(self):
        self._shutdown(1)

    def wait(self):
        return None

    def kill(self):
        pass
`;

/**
 * The one line a Python execnet socketserver reads, `eval`s and runs with `clientsock` in
 * scope: like Python execnet's socket bootstrap, the `gateway_base` source of the master's
 * installed execnet, an IO class over `clientsock`, the handshake byte, then `serve`.
 * Unlike Python execnet, the spec's exec model is used (not the server's) and the worker id
 * is `<id>-worker` (not the whole spec string).
 */
export function pythonSocketBootstrap(gatewayBase: string, execModel: string, workerId: string): Uint8Array {
  const source = [
    gatewayBase,
    PYTHON_SOCKET_IO,
    `execmodel = get_execmodel(${pythonStringLiteral(execModel)})`,
    'io = SocketStreamIO(clientsock, execmodel)',
    "io.write(b'1')",
    `serve(io, id=${pythonStringLiteral(workerId)})`,
  ].join('\n');
  return Buffer.from(`${pythonStringLiteral(source)}\n`, 'ascii');
}

/** Where and how to reach one Python execnet socketserver. */
export interface PythonSocketRequest {
  host: string;
  port: number;
  /** `host:port` for messages and `gw.remoteAddress`. */
  address: string;
  execModel: string;
  workerId: string;
  /** Milliseconds to connect and get the worker's handshake. */
  timeout: number;
  signal: AbortSignal;
}

/**
 * Connects to a Python execnet socketserver, sends the bootstrap and waits for the worker's
 * handshake byte (bounded by `timeout`), then hands the connection to core. Core's own Python
 * bootstrap line (made for stdin/stdout workers) is not needed here: the connection's writable
 * drops it, and core finds the handshake byte it waits for at the start of the readable.
 * @throws {SocketConnectError} refused, unreachable, closed before the handshake, or the peer
 *   is not a Python execnet socketserver (`peer: 'execnet-socketserver'` for this package's server)
 * @throws {HostNotFound} the host name does not resolve
 * @throws {TimeoutError} no handshake within `timeout`
 */
export async function openPythonSocket(request: PythonSocketRequest): Promise<Connection> {
  const bootstrap = pythonSocketBootstrap((await locatePythonExecnet()).gatewayBase, request.execModel, request.workerId);
  log(`connecting to the Python execnet socketserver ${request.address}`);
  const socket = await connectThen(
    { ...request, secret: undefined, tls: undefined },
    async (connected) => {
      connected.write(bootstrap);
      await awaitHandshake(connected, request.address);
    },
    () =>
      'connected, but no handshake from a worker: the server did not start one. A Python execnet socketserver ' +
      'prints why on its output (e.g. an exec model its execnet lacks); it may also be busy with another ' +
      'gateway (it serves one at a time), or not be a Python execnet socketserver at all',
  );
  return pythonSocketConnection(socket, request.address);
}

/** Waits for the worker's `1`, then puts it back in front of the socket for core. */
async function awaitHandshake(socket: Socket, address: string): Promise<void> {
  const reader = new ByteReader(socket, BOOTSTRAP_READ_LIMIT);
  let handshaken = false;
  try {
    const [first] = await reader.read(1);
    if (first === HANDSHAKE) {
      handshaken = true;
      return;
    }
    if (first === GREETING_BYTES[0] && (await reader.readExpected(GREETING_BYTES.subarray(1)).catch(() => false))) {
      throw new SocketConnectError({
        address,
        peer: 'execnet-socketserver',
        reason:
          'this is an execnet-socketserver, which runs JavaScript workers for clients that know its secret; ' +
          `drop '//python' from the spec (and give the transport its secret)`,
      });
    }
    throw new SocketConnectError({
      address,
      reason: `not a Python execnet socketserver: it answered the bootstrap with byte 0x${first!.toString(16).padStart(2, '0')} instead of the worker's handshake`,
    });
  } catch (error) {
    if (error instanceof StreamEndedError) {
      const cause = error.cause as NodeJS.ErrnoException | undefined;
      const reason =
        error.reason === 'end'
          ? 'the server closed the connection without starting a worker (not a Python execnet socketserver, ' +
            'or it failed to run the bootstrap: its own output says why)'
          : error.message;
      throw new SocketConnectError({ address, reason, errno: cause?.code }, { cause: error.cause ?? error });
    }
    throw error;
  } finally {
    reader.release();
    if (handshaken) socket.unshift(Buffer.of(HANDSHAKE));
  }
}

/**
 * Core's `Connection` over the socket to a Python worker: the socket is the readable (frames
 * only: the worker's output stays on the server, as in Python execnet), writes go through a
 * writable that drops core's bootstrap line. The worker is part of the server process, so
 * `wait()` reports `{ code: null, signal: null }` once the connection has closed, and `kill()`
 * closes it (the worker then stops serving; the server goes on accepting).
 */
function pythonSocketConnection(socket: Socket, address: string): Connection {
  let resolveExit!: (status: ExitStatus) => void;
  const exited = new Promise<ExitStatus>((resolve) => (resolveExit = resolve));
  socket.once('close', () => resolveExit({ code: null, signal: null }));
  // The worker shuts down both directions when it ends: nothing more to send either.
  socket.once('end', () => socket.end());
  // The handshake left the socket paused; it flows once core listens (not before: no byte lost).
  const onListener = (event: string | symbol): void => {
    if (event !== 'data') return;
    socket.off('newListener', onListener);
    process.nextTick(() => socket.resume());
  };
  socket.on('newListener', onListener);
  return {
    readable: socket,
    writable: new WithoutBootstrapLine(socket),
    command: `python execnet socketserver at ${address}`,
    remoteAddress: address,
    kill: () => void socket.destroy(),
    wait: () => exited,
    ref: () => void socket.ref(),
    unref: () => void socket.unref(),
  };
}

/**
 * Writes to the socket, except for the first line: core's Python bootstrap (one Python string
 * literal ending in a newline, made for workers on stdin/stdout), which this transport has
 * replaced by its own. Backpressure follows the socket's.
 */
class WithoutBootstrapLine extends Writable {
  private state: 'start' | 'dropping' | 'passing' = 'start';

  constructor(private readonly socket: Socket) {
    super({ decodeStrings: true });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.state !== 'passing') {
      if (chunk.length === 0) return callback();
      if (this.state === 'start' && chunk[0] !== 0x27) {
        // Not a Python string literal: this is not the bootstrap line we expect from core.
        return callback(new Error(`python socket gateway: expected core's bootstrap line first, got byte 0x${chunk[0]!.toString(16)}`));
      }
      this.state = 'dropping';
      const newline = chunk.indexOf(0x0a);
      if (newline < 0) return callback();
      this.state = 'passing';
      chunk = chunk.subarray(newline + 1);
      if (chunk.length === 0) return callback();
    }
    if (this.socket.write(chunk)) return callback();
    const done = (): void => {
      this.socket.off('drain', done);
      this.socket.off('close', done);
      callback();
    };
    this.socket.on('drain', done);
    this.socket.on('close', done);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (error) this.socket.destroy();
    callback(error);
  }
}
