import type { Duplex, Readable } from 'node:stream';
import { MAX_RECORD, RECORD_HEADER_SIZE, RecordKind } from '../protocol.js';
import type { WorkerExit } from './events.js';

/**
 * Writes the worker's streams to the client as records (kind + length + bytes), with
 * backpressure: when the socket's buffer is full every source is paused until it drains.
 */
export class RecordWriter {
  private readonly sources = new Set<Readable>();
  private waitingForDrain = false;

  constructor(private readonly socket: Duplex) {}

  /** Forwards every chunk of `source` as records of `kind`; resolves when it ended or failed. */
  add(source: Readable, kind: RecordKind): Promise<void> {
    this.sources.add(source);
    if (this.waitingForDrain) source.pause();
    return new Promise((resolve) => {
      const done = (): void => {
        this.sources.delete(source);
        resolve();
      };
      source.on('data', (chunk: Buffer) => this.write(kind, chunk));
      source.once('end', done);
      source.once('close', done);
      source.once('error', done);
    });
  }

  /** Sends the exit status, the last record, and ends the socket. */
  finish(exit: WorkerExit): void {
    if (this.socket.writableEnded || this.socket.destroyed) return;
    this.write(RecordKind.EXIT, Buffer.from(JSON.stringify(exit)));
    this.socket.end();
  }

  /** Sends `chunk` as records of `kind` (split at {@link MAX_RECORD}). */
  write(kind: RecordKind, chunk: Buffer): void {
    if (this.socket.writableEnded || this.socket.destroyed) return;
    let ok = true;
    for (let offset = 0; offset < chunk.length || offset === 0; offset += MAX_RECORD) {
      const piece = chunk.subarray(offset, offset + MAX_RECORD);
      const header = Buffer.allocUnsafe(RECORD_HEADER_SIZE);
      header.writeUInt8(kind, 0);
      header.writeUInt32BE(piece.length, 1);
      // Corked, the header and the bytes go out in one writev without copying the bytes.
      this.socket.cork();
      this.socket.write(header);
      ok = this.socket.write(piece);
      this.socket.uncork();
      if (chunk.length === 0) break;
    }
    if (!ok && !this.waitingForDrain) {
      this.waitingForDrain = true;
      for (const source of this.sources) source.pause();
      this.socket.once('drain', () => {
        this.waitingForDrain = false;
        for (const source of this.sources) source.resume();
      });
    }
  }
}
