/**
 * The worker's file writing for the JavaScript protocol, shipped with remote-js.ts as source
 * text: {@link remoteFiles} must not use anything of this module at run time.
 *
 * Every requested file gets a record whose operations run in order on its own promise chain,
 * while the message loop goes on: several files are written at once (the file system works
 * on one while the next arrives), at most `maxActive`. Whole (small) files are written with
 * asynchronous calls; chunks of large files and deltas synchronously within their steps.
 * Everything is written to a temporary name in the same directory and renamed into place.
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
  maxActive: number;
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
  /** Temporary file being written; `handle` (asynchronous) or `fd` (synchronous, deltas). */
  tmp: string | null;
  handle: fsModule.promises.FileHandle | null;
  fd: number;
  /** The old file, read for delta copies; its size and md5 (delta requests). */
  oldFd: number;
  oldSize: number;
  oldMd5: Uint8Array | null;
  /** md5 of what a delta wrote so far, and how many bytes it produced. */
  hash: cryptoModule.Hash | null;
  outPos: number;
  failed: boolean;
  /** How a delta ended: `same` (the old file was kept), `retry` (asked for again) or null. */
  status: string | null;
  /** The record's operations, in order. */
  chain: Promise<void>;
}

/** The file writer's calls, one per message kind. */
export interface RemoteFiles {
  /** Records a request; `old` describes the target's copy for delta requests. */
  request(index: number, rel: string, path: string, mode: number, mtimeUs: number, size: number, old?: { size: number; md5: Uint8Array }): void;
  whole(index: number, bytes: Uint8Array): void;
  chunk(index: number, bytes: Uint8Array): void;
  delta(index: number, ops: unknown[]): void;
  /** End of a chunked file (md5 null) or of a delta (md5 of the new file). */
  end(index: number, md5: Uint8Array | null): void;
  same(index: number): void;
  skip(index: number): void;
  /** Waits while `maxActive` files are being written. */
  room(): Promise<void>;
  /** Waits until every file's operations ran. */
  settle(): Promise<void>;
  /** Files asked for again (a delta that did not verify), since the last call. */
  takeRetries(): number;
  /** Removes temporary files of unfinished records (after `settle`). */
  cleanup(): void;
  md5File(path: string): Buffer;
  signature(path: string, size: number, blockSize: number, weakSum: (buf: Uint8Array, start: number, end: number) => number): Promise<{ wire: unknown[]; md5: Buffer }>;
}

/** Makes the worker's file writer. */
export function remoteFiles(env: RemoteFilesEnv): RemoteFiles {
  const { fs, pathMod, crypto, send, problem, consumed, alg, dry } = env;
  const fsp = fs.promises;
  const umask = process.umask();
  const copyBuf = Buffer.allocUnsafe(1 << 20);
  const records = new Map<number, FileRecord>();
  const active = new Set<FileRecord>();
  let roomWaiters: Array<() => void> = [];
  let tempCounter = 0;
  let retries = 0;

  const record = (index: number): FileRecord => {
    const rec = records.get(Number(index));
    if (!rec) throw new Error(`no file was requested at index ${String(index)}`);
    return rec;
  };
  /** Queues an operation of `rec`; a failure marks the record failed and skips later steps. */
  const step = (rec: FileRecord, action: () => Promise<void> | void): void => {
    active.add(rec);
    rec.chain = rec.chain.then(async () => {
      if (rec.failed) return;
      try {
        await action();
      } catch (error) {
        rec.failed = true;
        await discard(rec).catch(() => undefined);
        problem(rec.index, rec.rel, error);
      }
    });
  };
  /** Queues the end of `rec`: acknowledged to the master whatever happened. */
  const finish = (rec: FileRecord, status: string): void => {
    rec.chain = rec.chain.then(async () => {
      await discardOld(rec);
      records.delete(rec.index);
      active.delete(rec);
      send(['ack', rec.index, env.takeCredit(), rec.failed ? 'failed' : status]);
      const waiters = roomWaiters;
      roomWaiters = [];
      for (const wake of waiters) wake();
    });
  };

  const tempName = (path: string): string =>
    pathMod.join(pathMod.dirname(path), `.${pathMod.basename(path).slice(0, 80)}.${process.pid}-${++tempCounter}.rsync-tmp`);
  // Created with the final permissions when the umask lets them through, saving a chmod.
  const needsChmod = (mode: number): boolean => (mode & ~umask & 0o7777) !== mode;
  const openAsync = async (rec: FileRecord): Promise<void> => {
    rec.tmp = tempName(rec.path);
    rec.handle = await fsp.open(rec.tmp, 'wx', rec.mode & 0o777);
  };
  const writeAsync = async (handle: fsModule.promises.FileHandle, bytes: Uint8Array): Promise<void> => {
    for (let off = 0; off < bytes.length; ) off += (await handle.write(bytes, off, bytes.length - off)).bytesWritten;
  };
  const commitAsync = async (rec: FileRecord): Promise<void> => {
    const handle = rec.handle as fsModule.promises.FileHandle;
    if (needsChmod(rec.mode)) await handle.chmod(rec.mode);
    const t = env.seconds(rec.mtimeUs);
    await handle.utimes(t, t);
    rec.handle = null;
    await handle.close();
    await fsp.rename(rec.tmp as string, rec.path);
    rec.tmp = null;
  };
  const openSyncTemp = (rec: FileRecord): void => {
    rec.tmp = tempName(rec.path);
    rec.fd = fs.openSync(rec.tmp, 'wx', rec.mode & 0o777);
  };
  const commitSync = (rec: FileRecord): void => {
    if (needsChmod(rec.mode)) fs.fchmodSync(rec.fd, rec.mode);
    const t = env.seconds(rec.mtimeUs);
    fs.futimesSync(rec.fd, t, t);
    fs.closeSync(rec.fd);
    rec.fd = -1;
    fs.renameSync(rec.tmp as string, rec.path);
    rec.tmp = null;
  };
  const discardOld = async (rec: FileRecord): Promise<void> => {
    if (rec.oldFd >= 0) fs.closeSync(rec.oldFd);
    rec.oldFd = -1;
  };
  const discard = async (rec: FileRecord): Promise<void> => {
    const handle = rec.handle;
    rec.handle = null;
    if (handle) await handle.close().catch(() => undefined);
    if (rec.fd >= 0) fs.closeSync(rec.fd);
    rec.fd = -1;
    if (rec.tmp) fs.rmSync(rec.tmp, { force: true });
    rec.tmp = null;
    await discardOld(rec);
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

  // ---- deltas: copies from the old file, literals from the master (synchronous steps) -----
  const oldFd = (rec: FileRecord): number => (rec.oldFd >= 0 ? rec.oldFd : (rec.oldFd = fs.openSync(rec.path, 'r')));
  const copyRange = (rec: FileRecord, offset: number, length: number): void => {
    for (let done = 0; done < length; ) {
      const got = readFully(oldFd(rec), copyBuf, Math.min(copyBuf.length, length - done), offset + done);
      if (got === 0) throw new Error(`${rec.path} changed while it was rebuilt`);
      const piece = copyBuf.subarray(0, got);
      for (let off = 0; off < got; ) off += fs.writeSync(rec.fd, piece, off, got - off);
      (rec.hash as cryptoModule.Hash).update(piece);
      done += got;
    }
  };
  // While every piece lands where it already is, nothing is written: an unchanged file stays.
  const startWriting = (rec: FileRecord): void => {
    if (rec.fd >= 0) return;
    openSyncTemp(rec);
    rec.hash = crypto.createHash(alg);
    if (rec.outPos > 0) copyRange(rec, 0, rec.outPos);
  };
  // Literal bytes can match the old file too (its last, partial block is never in a signature).
  const sameAsOld = (rec: FileRecord, bytes: Uint8Array): boolean => {
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
        for (let off = 0; off < op.length; ) off += fs.writeSync(rec.fd, op, off, op.length - off);
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
  const setAttrs = (rec: FileRecord): void => {
    const t = env.seconds(rec.mtimeUs);
    fs.chmodSync(rec.path, rec.mode);
    fs.utimesSync(rec.path, t, t);
  };
  /** Resets a record whose delta did not verify and asks for the whole file. */
  const retry = async (rec: FileRecord): Promise<void> => {
    await discard(rec);
    rec.hash = null;
    rec.outPos = 0;
    rec.oldMd5 = null;
    retries++;
    send(['req', rec.index, 'full', true, null]);
  };

  return {
    request(index, rel, path, mode, mtimeUs, size, old) {
      records.set(index, {
        index, rel, path, mode, mtimeUs, size, tmp: null, handle: null, fd: -1, oldFd: -1,
        oldSize: old?.size ?? 0, oldMd5: old?.md5 ?? null, hash: null, outPos: 0, failed: false, status: null, chain: Promise.resolve(),
      });
    },
    whole(index, bytes) {
      const rec = record(index);
      step(rec, () => {
        openSyncTemp(rec);
        for (let off = 0; off < bytes.length; ) off += fs.writeSync(rec.fd, bytes, off, bytes.length - off);
        commitSync(rec);
      });
      rec.chain = rec.chain.then(() => void consumed(bytes.length, false));
      finish(rec, 'written');
    },
    // Chunks of a large file are written synchronously: parallel writes only pay off for many
    // small files, and buffers released at once keep the worker's memory flat.
    chunk(index, bytes) {
      const rec = record(index);
      step(rec, () => {
        if (rec.fd < 0) openSyncTemp(rec);
        for (let off = 0; off < bytes.length; ) off += fs.writeSync(rec.fd, bytes, off, bytes.length - off);
      });
      rec.chain = rec.chain.then(() => void consumed(bytes.length, rec.size >= env.paceMinSize));
    },
    delta(index, ops) {
      const rec = record(index);
      step(rec, () => applyOps(rec, ops));
      let literal = 0;
      for (const op of ops) if (op instanceof Uint8Array) literal += op.length;
      rec.chain = rec.chain.then(() => void consumed(literal, rec.size >= env.paceMinSize));
    },
    end(index, md5) {
      const rec = record(index);
      if (!md5) {
        step(rec, () => {
          if (rec.fd < 0) openSyncTemp(rec);
          commitSync(rec);
        });
        finish(rec, 'written');
        return;
      }
      step(rec, async () => {
        if (rec.fd < 0 && rec.outPos === rec.oldSize && sameBytes(md5, rec.oldMd5)) {
          setAttrs(rec);
          rec.status = 'same';
          return;
        }
        startWriting(rec);
        if (!sameBytes((rec.hash as cryptoModule.Hash).digest(), md5)) {
          // The rebuilt content differs (a hash collision, or the old file changed): ask for all of it.
          await retry(rec);
          rec.status = 'retry';
          return;
        }
        commitSync(rec);
      });
      rec.chain = rec.chain.then(() => {
        const status = rec.status;
        rec.status = null;
        if (status !== 'retry') finish(rec, status ?? 'written');
      });
    },
    same(index) {
      const rec = record(index);
      if (!dry) step(rec, () => setAttrs(rec));
      finish(rec, 'same');
    },
    skip(index) {
      const rec = record(index);
      step(rec, () => discard(rec));
      finish(rec, 'skipped');
    },
    async room() {
      while (active.size >= env.maxActive) await new Promise<void>((resolve) => roomWaiters.push(resolve));
    },
    async settle() {
      // Until no record queues more steps (a record aborted half-way stays active, done or not).
      let chains = [...active].map((rec) => rec.chain);
      while (chains.length > 0) {
        await Promise.all(chains);
        const seen = new Set(chains);
        chains = [...active].map((rec) => rec.chain).filter((chain) => !seen.has(chain));
      }
    },
    takeRetries() {
      const n = retries;
      retries = 0;
      return n;
    },
    cleanup() {
      for (const rec of records.values()) {
        try {
          if (rec.handle) void rec.handle.close().catch(() => undefined);
          if (rec.fd >= 0) fs.closeSync(rec.fd);
          if (rec.oldFd >= 0) fs.closeSync(rec.oldFd);
          if (rec.tmp) fs.rmSync(rec.tmp, { force: true });
        } catch {
          // Best effort: the channel is ending anyway.
        }
      }
    },
    md5File(path) {
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
      const count = Math.floor(size / n);
      const weak = Buffer.alloc(count * 4);
      const strong = Buffer.alloc(count * 16);
      const whole = crypto.createHash(alg);
      const per = Math.max(1, Math.floor(copyBuf.length / n)) * n;
      // Its own buffer: other files' steps may use copyBuf while this one waits.
      const buf = Buffer.allocUnsafe(per);
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
          // Let the worker's other channels and this one's writes run during a long read.
          if (reads % 16 === 15) await new Promise((resolve) => setImmediate(resolve));
        }
      } finally {
        fs.closeSync(fd);
      }
      return { wire: [n, weak, strong], md5: whole.digest() };
    },
  };
}
