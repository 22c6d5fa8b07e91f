import { PassThrough, Readable } from 'node:stream';
import type { Socket } from 'node:net';
import type { Connection, ExitStatus } from '@execnet/core';
import { RecordDecoder } from './record-decoder.js';

/** How frames are buffered for core before the socket is paused. */
const FRAMES_HIGH_WATER = 256 * 1024;

/** Extra behaviour of a connection (installvia: the install channel). */
export interface SocketConnectionHooks {
  /** Called once when the socket has closed, for any reason. */
  onClose?(): void;
  /** Called by `kill()` besides destroying the socket. */
  onKill?(): void;
}

/**
 * Wraps an authenticated socket as core's `Connection`: bytes core writes go straight to the
 * socket (the worker's fd 4 on the server); the server's records are split into the frames
 * `readable`, the worker's `stdout`/`stderr`, and the exit status `wait()` reports.
 */
export function socketConnection(socket: Socket, address: string, command: string, hooks: SocketConnectionHooks = {}): Connection {
  const frames = new Readable({ highWaterMark: FRAMES_HIGH_WATER, read: () => void socket.resume() });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let resolveExit!: (status: ExitStatus) => void;
  const exited = new Promise<ExitStatus>((resolve) => (resolveExit = resolve));
  let framesEnded = false;
  const endFrames = (error?: Error): void => {
    if (framesEnded) return;
    framesEnded = true;
    if (error) frames.destroy(error);
    else frames.push(null);
    stdout.end();
    stderr.end();
  };

  const decoder = new RecordDecoder({
    frames: (bytes) => frames.push(bytes),
    output: (bytes, stream) => void (stream === 'stdout' ? stdout : stderr).write(bytes),
    exit: (status) => resolveExit(status),
  });
  socket.on('data', (chunk: Buffer) => {
    if (framesEnded) return;
    let more: boolean;
    try {
      more = decoder.push(chunk);
    } catch (error) {
      endFrames(error as Error);
      socket.destroy();
      return;
    }
    if (!more) socket.pause();
  });
  socket.on('end', () => {
    endFrames();
    socket.end(); // the worker is gone: nothing more to send either
  });
  socket.on('error', (error) => endFrames(error));
  socket.once('close', () => {
    endFrames();
    // Without an exit record (killed, connection lost) the worker's fate is unknown here.
    resolveExit({ code: null, signal: null });
    hooks.onClose?.();
  });
  socket.resume();

  return {
    readable: frames,
    writable: socket,
    copiesWrites: true, // a net.Socket is done with a chunk once its write callback runs
    stdout,
    stderr,
    command,
    remoteAddress: address,
    kill: () => {
      socket.destroy();
      hooks.onKill?.();
    },
    wait: () => exited,
    ref: () => void socket.ref(),
    unref: () => void socket.unref(),
  };
}
