import { PassThrough, type Readable, type Writable } from 'node:stream';
import { BootstrapError, type Connection, type ExitStatus } from '@execnet/core';
import { RemoteCommandNotFound } from './errors.js';
import { MarkerFilter, type RemoteCommand } from './remote-command.js';

/** A started remote command, as an ssh channel or a local `vagrant ssh` process provides it. */
export interface WorkerProcess {
  readonly stdout: Readable;
  readonly stdin: Writable;
  readonly stderr: Readable;
  /** Resolves when the command ended (or its channel closed, or the connection was lost). */
  readonly exited: Promise<ExitStatus>;
  /** Forces the worker down; `remotePid` is known once the marker was seen. */
  kill(remotePid: number | undefined): void;
  ref(): void;
  unref(): void;
}

/** What {@link connectWorker} needs. */
export interface ConnectWorkerOptions {
  process: WorkerProcess;
  command: RemoteCommand;
  /** The command for messages (`ssh -p 2222 me@host node -e <execnet loader>`). */
  display: string;
  /** Where the worker runs, for messages and `Connection.remoteAddress`. */
  where: string;
  signal: AbortSignal;
  /** Turns an exit before the worker started into a specific error (e.g. ssh's 255). */
  earlyExit?: (status: ExitStatus, stderrTail: string[]) => Error | undefined;
}

/** A worker connection, and a way to fail it with the reason the connection went down. */
export interface WorkerConnection {
  readonly connection: Connection;
  /** Ends the frame stream with `error` (core reports it as the cause) and tells the stderr reader. */
  fail(error: Error): void;
}

const TAIL_LINES = 20;

/**
 * Waits until the remote shell printed the marker (the worker is starting) and wraps the
 * process as a core `Connection`. An exit before that becomes a clear error: 127 is
 * {@link RemoteCommandNotFound}, anything else a `BootstrapError` with the stderr lines.
 * @throws {RemoteCommandNotFound} | {BootstrapError}, or the signal's reason when aborted
 */
export async function connectWorker(options: ConnectWorkerOptions): Promise<WorkerConnection> {
  const { process: proc, command, signal } = options;
  const stderr = new PassThrough();
  const tail: string[] = [];
  const collect = (chunk: Buffer) => {
    tail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - TAIL_LINES));
  };
  proc.stderr.on('data', collect);
  proc.stderr.pipe(stderr);
  // Output of remote rc files before the marker is the remote's stdout: shown like stderr.
  const frames = new MarkerFilter(command.marker, (noise) => stderr.write(noise));
  proc.stdout.pipe(frames);
  frames.on('error', () => undefined); // reported through the consumer (core) once attached
  let remotePid: number | undefined;
  try {
    remotePid = await new Promise<number>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      frames.once('marker', (pid: number) => {
        signal.removeEventListener('abort', onAbort);
        resolve(pid);
      });
      void proc.exited.then((status) => {
        if (frames.started) return;
        signal.removeEventListener('abort', onAbort);
        // Let the last stderr bytes arrive before they go into the message.
        setImmediate(() => reject(earlyExitError(status, options, tail)));
      });
    });
  } catch (error) {
    proc.kill(undefined);
    throw error;
  } finally {
    proc.stderr.removeListener('data', collect);
  }
  const pid = remotePid;
  return {
    connection: {
      readable: frames,
      writable: proc.stdin,
      stderr,
      command: options.display,
      remoteAddress: options.where,
      kill: () => proc.kill(pid),
      wait: () => proc.exited,
      ref: () => proc.ref(),
      unref: () => proc.unref(),
    },
    fail: (error) => {
      stderr.write(`${error.message}\n`);
      frames.destroy(error);
    },
  };
}

function earlyExitError(status: ExitStatus, options: ConnectWorkerOptions, tail: string[]): Error {
  const { command } = options;
  if (status.code === 127) {
    return new RemoteCommandNotFound({ command: options.display, executable: command.executable, runtimeKey: command.runtimeKey, where: options.where, stderrTail: tail });
  }
  const special = options.earlyExit?.(status, tail);
  if (special) return special;
  return new BootstrapError({ command: options.display, exitCode: status.code, signal: status.signal, stderrTail: tail });
}
