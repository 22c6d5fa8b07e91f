import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { frameReadingSocket } from '@execnet/core';

/** A connected pair of local sockets: one end for a child process, one read here in place. */
export interface FrameSocketPair {
  /** The descriptor to hand to the child (as one of its stdio entries). */
  readonly childFd: number;
  /** Closes this process's copy of the child's end; call once the child was started (or failed to). */
  releaseChildEnd(): void;
  /** This process's end: emits 'data' with chunks that end at frame boundaries. */
  readonly local: Socket;
}

/**
 * Makes the channel a worker writes its frames to, read here with `onread` and a
 * {@link FrameReader}: a big payload is read by the kernel straight into a buffer of its own,
 * with no 64 KiB read buffers in between and no second copy (what the worker does on its side).
 * Node cannot make a socketpair, so a one-shot listening socket is connected to itself.
 *
 * `leadingBytes` are passed on before the frames (the worker's handshake byte).
 * Resolves undefined when no local socket can be made here; the caller then uses a pipe.
 */
export async function frameSocketPair(leadingBytes: number): Promise<FrameSocketPair | undefined> {
  // Linux has an abstract namespace (no file); elsewhere a socket file, removed once connected.
  const abstract = process.platform === 'linux';
  const name = `execnet-${process.pid}-${randomBytes(6).toString('hex')}`;
  const path = abstract ? `\0${name}` : join(tmpdir(), `${name}.sock`);
  // pauseOnConnect: this copy of the child's end must never read, or it would take the child's bytes.
  const server = createServer({ pauseOnConnect: true });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ path, exclusive: true }, resolve);
    });
    const accepted = new Promise<Socket>((resolve, reject) => {
      server.once('connection', resolve);
      server.once('error', reject);
    });
    const local = frameReadingSocket((onread) => connect({ path, onread }), leadingBytes);
    const failed = new Promise<never>((_, reject) => local.once('error', reject));
    const childEnd = await Promise.race([accepted, failed]);
    const fd = (childEnd as unknown as { _handle?: { fd?: number } })._handle?.fd;
    if (typeof fd !== 'number' || fd < 0) {
      childEnd.destroy();
      local.destroy();
      return undefined;
    }
    return { childFd: fd, releaseChildEnd: () => childEnd.destroy(), local };
  } catch {
    return undefined;
  } finally {
    server.close();
    if (!abstract) rmSync(path, { force: true });
  }
}
