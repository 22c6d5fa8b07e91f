/**
 * The worker's file writing for the JavaScript protocol, shipped with remote-js.ts as source
 * text: {@link remoteFiles} must not use anything of this module at run time.
 *
 * Every file is written to a temporary name in its directory, then given its mode and mtime
 * and renamed into place, so a failure never leaves a half-written file where a good one was.
 * Calls are synchronous: one file at a time is what the file system does fastest here, and
 * buffers are let go at once, which keeps the worker's memory flat.
 */
import type * as fsModule from 'node:fs';
import type * as pathModule from 'node:path';
import type * as cryptoModule from 'node:crypto';

/** What the file writer needs from the remote side. */
export interface RemoteFilesEnv {
  fs: typeof fsModule;
  pathMod: typeof pathModule;
  crypto: typeof cryptoModule;
  /** Sends a message to the master, without waiting. */
  send(item: unknown): void;
  /** Reports that one path could not be written. */
  problem(index: number, rel: string, error: unknown): void;
  /** File data was written (or dropped): credit for the master; `large` for the memory pacer. */
  consumed(bytes: number, large: boolean): void;
  /** Credit not yet returned, taken to go with an ack. */
  takeCredit(): number;
  /** Seconds to give utimes for a time in microseconds. */
  seconds(us: number): number;
  alg: string;
  dry: boolean;
  /** Files at least this big count for the memory pacer. */
  paceMinSize: number;
}

/** A file the worker asked for, until it is in place. */
interface FileRecord {
  index: number;
  rel: string;
  path: string;
  mode: number;
  mtimeUs: number;
  size: number;
  /** Temporary file being written, and its descriptor (-1: none yet). */
  tmp: string | null;
  fd: number;
  /** The old file, read for delta copies; its size and md5 (delta requests). */
  oldFd: number;
  oldSize: number;
  oldMd5: Uint8Array | null;
  /** md5 of what a delta wrote so far, and how many bytes it produced. */
  hash: cryptoModule.Hash | null;
  outPos: number;
  failed: boolean;
}

/** The file writer's calls, one per message kind. */
export interface RemoteFiles {
  /** Records a request; `old` describes the target's copy for delta requests. */
  request(index: number, rel: string, path: string, mode: number, mtimeUs: number, size: number, old?: { size: number; md5: Uint8Array }): void;
  whole(index: number, bytes: Uint8Array): void;
  chunk(index: number, bytes: Uint8Array): void;
  delta(index: number, ops: unknown[]): void;
  /** End of a chunked file (md5 null) or of a delta; false when the file was asked for again. */
  end(index: number, md5: Uint8Array | null): boolean;
  same(index: number): void;
  skip(index: number): void;
  /** Sends the acknowledgements gathered since the last call, in one message. */
  flushAcks(): void;
  /** Removes the temporary files of unfinished records. */
  cleanup(): void;
  md5File(path: string): Buffer;
  signature(path: string, size: number, blockSize: number, weakSum: (buf: Uint8Array, start: number, end: number) => number): Promise<{ wire: unknown[]; md5: Buffer }>;
}

/** Makes the worker's file writer. */
export function remoteFiles(env: RemoteFilesEnv): RemoteFiles {
  const { fs, pathMod, crypto, send, problem, consumed, alg, dry } = env;
  const umask = process.umask();
  /** Reads of old and whole files go through one buffer, made when the first is needed. */
  let copyBufStore: Buffer | undefined;
  const copyBuffer = (): Buffer => (copyBufStore ??= Buffer.allocUnsafe(1 << 20));
  const records = new Map<number, FileRecord>();
  let acks: Array<[number, string]> = [];
  let tempCounter = 0;

  const record = (index: number): FileRecord => {
    const rec = records.get(Number(index));
    if (!rec) throw new Error(`no file was requested at index ${String(index)}`);
    return rec;
  };
  /** Runs an operation of `rec`; a failure is reported once and the record skips the rest. */
  const guard = (rec: FileRecord, action: () => void): void => {
    if (rec.failed) return;
    try {
      action();
    } catch (error) {
      rec.failed = true;
      try {
        discard(rec);
      } catch {
        // Reported below; nothing more to clean.
      }
      problem(rec.index, rec.rel, error);
    }
  };
  /** Acknowledges `rec` to the master, whatever happened to it. */
  const finish = (rec: FileRecord, status: string): void => {
    if (rec.oldFd >= 0) fs.closeSync(rec.oldFd);
    rec.oldFd = -1;
    records.delete(rec.index);
    acks.push([rec.index, rec.failed ? 'failed' : status]);
  };

  // Created with the final permissions when the umask lets them through, saving a chmod.
  const needsChmod = (mode: number): boolean => (mode & ~umask & 0o7777) !== mode;
  const openTemp = (rec: FileRecord): void => {
    rec.tmp = pathMod.join(pathMod.dirname(rec.path), `.${pathMod.basename(rec.path).slice(0, 80)}.${process.pid}-${++tempCounter}.rsync-tmp`);
    rec.fd = fs.openSync(rec.tmp, 'wx', rec.mode & 0o777);
  };
  const writeAll = (fd: number, bytes: Uint8Array): void => {
    for (let off = 0; off < bytes.length; ) off += fs.writeSync(fd, bytes, off, bytes.length - off);
  };
  const commit = (rec: FileRecord): void => {
    if (needsChmod(rec.mode)) fs.fchmodSync(rec.fd, rec.mode);
    const t = env.seconds(rec.mtimeUs);
    fs.futimesSync(rec.fd, t, t);
    fs.closeSync(rec.fd);
    rec.fd = -1;
    fs.renameSync(rec.tmp as string, rec.path);
    rec.tmp = null;
  };
  const discard = (rec: FileRecord): void => {
    if (rec.fd >= 0) fs.closeSync(rec.fd);
    rec.fd = -1;
    if (rec.tmp) fs.rmSync(rec.tmp, { force: true });
    rec.tmp = null;
    if (rec.oldFd >= 0) fs.closeSync(rec.oldFd);
    rec.oldFd = -1;
  };
  const readFully = (fd: number, buf: Buffer, length: number, position: number): number => {
    let got = 0;
    while (got < length) {
      const n = fs.readSync(fd, buf, got, length - got, position + got);
      if (n === 0) break;
      got += n;
    }
    return got;
  };
  const sameBytes = (a: Uint8Array | null, b: Uint8Array | null): boolean =>
    a !== null && b !== null && a.length === b.length && Buffer.compare(a, b) === 0;
  const setAttrs = (rec: FileRecord): void => {
    const t = env.seconds(rec.mtimeUs);
    fs.chmodSync(rec.path, rec.mode);
    fs.utimesSync(rec.path, t, t);
  };

  // ---- deltas: copies from the old file, literals from the master -------------------------
  const oldFd = (rec: FileRecord): number => (rec.oldFd >= 0 ? rec.oldFd : (rec.oldFd = fs.openSync(rec.path, 'r')));
  const copyRange = (rec: FileRecord, offset: number, length: number): void => {
    const copyBuf = copyBuffer();
    for (let done = 0; done < length; ) {
      const got = readFully(oldFd(rec), copyBuf, Math.min(copyBuf.length, length - done), offset + done);
      if (got === 0) throw new Error(`${rec.path} changed while it was rebuilt`);
      const piece = copyBuf.subarray(0, got);
      writeAll(rec.fd, piece);
      (rec.hash as cryptoModule.Hash).update(piece);
      done += got;
    }
  };
  // While every piece lands where it already is, nothing is written: an unchanged file stays.
  const startWriting = (rec: FileRecord): void => {
    if (rec.fd >= 0) return;
    openTemp(rec);
    rec.hash = crypto.createHash(alg);
    if (rec.outPos > 0) copyRange(rec, 0, rec.outPos);
  };
  // Literal bytes can match the old file too (its last, partial block is never in a signature).
  const sameAsOld = (rec: FileRecord, bytes: Uint8Array): boolean => {
    const copyBuf = copyBuffer();
    if (bytes.length > copyBuf.length || rec.outPos + bytes.length > rec.oldSize) return false;
    const got = readFully(oldFd(rec), copyBuf, bytes.length, rec.outPos);
    return got === bytes.length && copyBuf.compare(bytes, 0, bytes.length, 0, got) === 0;
  };
  const applyOps = (rec: FileRecord, ops: unknown[]): void => {
    for (const op of ops) {
      if (op instanceof Uint8Array) {
        if (rec.fd < 0 && sameAsOld(rec, op)) {
          rec.outPos += op.length;
          continue;
        }
        startWriting(rec);
        writeAll(rec.fd, op);
        (rec.hash as cryptoModule.Hash).update(op);
        rec.outPos += op.length;
      } else {
        const [offset, length] = (op as unknown[]).map(Number) as [number, number];
        if (rec.fd < 0 && offset === rec.outPos) {
          rec.outPos += length;
          continue;
        }
        startWriting(rec);
        copyRange(rec, offset, length);
        rec.outPos += length;
      }
    }
  };

  return {
    request(index, rel, path, mode, mtimeUs, size, old) {
      records.set(index, {
        index, rel, path, mode, mtimeUs, size, tmp: null, fd: -1, oldFd: -1,
        oldSize: old?.size ?? 0, oldMd5: old?.md5 ?? null, hash: null, outPos: 0, failed: false,
      });
    },
    whole(index, bytes) {
      const rec = record(index);
      guard(rec, () => {
        openTemp(rec);
        writeAll(rec.fd, bytes);
        commit(rec);
      });
      consumed(bytes.length, false);
      finish(rec, 'written');
    },
    chunk(index, bytes) {
      const rec = record(index);
      guard(rec, () => {
        if (rec.fd < 0) openTemp(rec);
        writeAll(rec.fd, bytes);
      });
      consumed(bytes.length, rec.size >= env.paceMinSize);
    },
    delta(index, ops) {
      const rec = record(index);
      guard(rec, () => applyOps(rec, ops));
      let literal = 0;
      for (const op of ops) if (op instanceof Uint8Array) literal += op.length;
      consumed(literal, rec.size >= env.paceMinSize);
    },
    end(index, md5) {
      const rec = record(index);
      if (!md5) {
        guard(rec, () => {
          if (rec.fd < 0) openTemp(rec);
          commit(rec);
        });
        finish(rec, 'written');
        return true;
      }
      if (!rec.failed && rec.fd < 0 && rec.outPos === rec.oldSize && sameBytes(md5, rec.oldMd5)) {
        guard(rec, () => setAttrs(rec));
        finish(rec, 'same');
        return true;
      }
      guard(rec, () => startWriting(rec));
      if (!rec.failed && !sameBytes((rec.hash as cryptoModule.Hash).digest(), md5)) {
        // The rebuilt content differs (a hash collision, or the old file changed): ask for all of it.
        discard(rec);
        rec.hash = null;
        rec.outPos = 0;
        rec.oldMd5 = null;
        send(['reqs', [[rec.index, 'full', true, null]]]);
        return false;
      }
      guard(rec, () => commit(rec));
      finish(rec, 'written');
      return true;
    },
    same(index) {
      const rec = record(index);
      if (!dry) guard(rec, () => setAttrs(rec));
      finish(rec, 'same');
    },
    skip(index) {
      const rec = record(index);
      guard(rec, () => discard(rec));
      finish(rec, 'skipped');
    },
    flushAcks() {
      if (acks.length === 0) return;
      send(['acks', env.takeCredit(), acks]);
      acks = [];
    },
    cleanup() {
      for (const rec of records.values()) {
        try {
          discard(rec);
        } catch {
          // Best effort: the channel is ending anyway.
        }
      }
    },
    md5File(path) {
      const copyBuf = copyBuffer();
      const hash = crypto.createHash(alg);
      const fd = fs.openSync(path, 'r');
      try {
        for (let pos = 0; ; ) {
          const n = fs.readSync(fd, copyBuf, 0, copyBuf.length, pos);
          if (n === 0) break;
          hash.update(copyBuf.subarray(0, n));
          pos += n;
        }
      } finally {
        fs.closeSync(fd);
      }
      return hash.digest();
    },
    async signature(path, size, n, weakSum) {
      const copyBuf = copyBuffer();
      const count = Math.floor(size / n);
      const weak = Buffer.alloc(count * 4);
      const strong = Buffer.alloc(count * 16);
      const whole = crypto.createHash(alg);
      const per = Math.max(1, Math.floor(copyBuf.length / n)) * n;
      const buf = per <= copyBuf.length ? copyBuf : Buffer.allocUnsafe(per);
      const fd = fs.openSync(path, 'r');
      try {
        let block = 0;
        for (let pos = 0, reads = 0; pos < size; reads++) {
          const got = readFully(fd, buf, Math.min(per, size - pos), pos);
          if (got === 0) break;
          whole.update(buf.subarray(0, got));
          for (let off = 0; off + n <= got && block < count; off += n, block++) {
            weak.writeInt32LE(weakSum(buf, off, off + n), block * 4);
            crypto.createHash(alg).update(buf.subarray(off, off + n)).digest().copy(strong, block * 16);
          }
          pos += got;
          // Let the worker's other channels run during a long read.
          if (reads % 16 === 15) await new Promise((resolve) => setImmediate(resolve));
        }
      } finally {
        fs.closeSync(fd);
      }
      return { wire: [n, weak, strong], md5: whole.digest() };
    },
  };
}
