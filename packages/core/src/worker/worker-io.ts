import { fstatSync, createReadStream, createWriteStream } from 'node:fs';
import { Socket, type SocketConstructorOpts } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { frameReadingSocket } from '../frame-parser.js';

/**
 * Opens an inherited file descriptor as a stream. Pipes and sockets become `net.Socket`s
 * (libuv streams, non-blocking, with writev); anything else (a file, a tty) falls back to fs streams.
 *
 * A pipe or socket opened for reading carries frames: it reads with a {@link FrameReader}
 * (`onread`), so a big payload is read straight into a buffer of its own and small frames
 * share one reused read buffer. It emits 'data' as usual, with chunks that end at frame
 * boundaries; each is only valid during its 'data' event, which a frame parser honours.
 */
export function openFd(fd: number, mode: 'read' | 'write'): Readable | Writable {
  const stat = fstatSync(fd);
  if (stat.isFIFO() || stat.isSocket()) {
    if (mode === 'write') return new Socket({ fd, readable: false, writable: true });
    // `onread` is a constructor option since Node 12 (documented there since 22); older typings lack it.
    return frameReadingSocket((onread) => new Socket({ fd, readable: true, writable: false, onread } as SocketConstructorOpts));
  }
  return mode === 'read' ? createReadStream('', { fd, autoClose: false }) : createWriteStream('', { fd, autoClose: false });
}
