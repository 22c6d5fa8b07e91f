import { ProtocolError, type ExitStatus } from '@execnet/core';
import { MAX_RECORD, RECORD_HEADER_SIZE, RecordKind } from './protocol.js';

/** Largest exit record: a small JSON object. */
const MAX_EXIT_RECORD = 1024;

/** Where the decoded records go. */
export interface RecordSink {
  /** Worker frames; returns false when the consumer is full (the socket is then paused). */
  frames(bytes: Buffer): boolean;
  output(bytes: Buffer, stream: 'stdout' | 'stderr'): void;
  exit(status: ExitStatus): void;
}

/**
 * Splits the server's byte stream into records without copying payloads: each chunk's
 * slices go to the sink as they arrive, so a 1 MiB frame is never buffered here.
 */
export class RecordDecoder {
  private readonly header = Buffer.alloc(RECORD_HEADER_SIZE);
  private headerFill = 0;
  private kind: RecordKind | undefined;
  private remaining = 0;
  private exitParts: Buffer[] = [];
  private finished = false;

  constructor(private readonly sink: RecordSink) {}

  /**
   * Feeds bytes from the socket. Returns false when the frames consumer wants no more for now.
   * @throws {ProtocolError} an unknown record kind or an oversized record
   */
  push(chunk: Buffer): boolean {
    let more = true;
    let offset = 0;
    while (offset < chunk.length && !this.finished) {
      if (this.kind === undefined) {
        const take = Math.min(RECORD_HEADER_SIZE - this.headerFill, chunk.length - offset);
        chunk.copy(this.header, this.headerFill, offset, offset + take);
        this.headerFill += take;
        offset += take;
        if (this.headerFill < RECORD_HEADER_SIZE) break;
        this.headerFill = 0;
        this.startRecord(this.header.readUInt8(0), this.header.readUInt32BE(1));
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - offset);
      const piece = chunk.subarray(offset, offset + take);
      offset += take;
      this.remaining -= take;
      if (this.kind === RecordKind.FRAMES) more = this.sink.frames(piece) && more;
      else if (this.kind === RecordKind.STDOUT) this.sink.output(piece, 'stdout');
      else if (this.kind === RecordKind.STDERR) this.sink.output(piece, 'stderr');
      else this.exitParts.push(piece);
      if (this.remaining === 0) this.endRecord();
    }
    return more;
  }

  private startRecord(kind: number, length: number): void {
    if (kind !== RecordKind.FRAMES && kind !== RecordKind.STDOUT && kind !== RecordKind.STDERR && kind !== RecordKind.EXIT) {
      throw new ProtocolError(`socket server sent an unknown record kind ${kind}`);
    }
    const limit = kind === RecordKind.EXIT ? MAX_EXIT_RECORD : MAX_RECORD;
    if (length > limit) throw new ProtocolError(`socket server sent a record of ${length} bytes (limit ${limit})`);
    this.kind = kind;
    this.remaining = length;
    if (length === 0) this.endRecord();
  }

  private endRecord(): void {
    if (this.kind === RecordKind.EXIT) {
      this.finished = true; // the last record; anything after it is ignored
      this.sink.exit(parseExit(Buffer.concat(this.exitParts)));
      this.exitParts = [];
    }
    this.kind = undefined;
  }
}

function parseExit(bytes: Buffer): ExitStatus {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ProtocolError('socket server sent a malformed exit record');
  }
  const { code, signal } = (value ?? {}) as { code?: unknown; signal?: unknown };
  return {
    code: typeof code === 'number' && Number.isInteger(code) ? code : null,
    signal: typeof signal === 'string' ? signal : null,
  };
}
