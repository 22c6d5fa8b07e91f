import { fstatSync, createReadStream, createWriteStream } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';

/**
 * Opens an inherited file descriptor as a stream. Pipes and sockets become `net.Socket`s
 * (libuv streams, non-blocking, with writev); anything else (a file, a tty) falls back to fs streams.
 */
export function openFd(fd: number, mode: 'read' | 'write'): Readable | Writable {
  const stat = fstatSync(fd);
  if (stat.isFIFO() || stat.isSocket()) {
    const socket = new Socket({ fd, readable: mode === 'read', writable: mode === 'write' });
    return socket;
  }
  return mode === 'read' ? createReadStream('', { fd, autoClose: false }) : createWriteStream('', { fd, autoClose: false });
}
