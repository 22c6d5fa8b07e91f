/**
 * The remote side of the JavaScript protocol (see protocol.ts), shipped to JavaScript workers
 * as source text: {@link rsyncRemote} and the helpers it is given must not use anything of
 * this module or its imports at run time (types are erased, so they are fine).
 */
import type * as fsModule from 'node:fs';
import type * as pathModule from 'node:path';
import type * as cryptoModule from 'node:crypto';
import { blockSizeFor, weakSum } from './delta.js';
import type { RemoteConfig, WireEntry } from './protocol.js';

/** The channel calls the remote side uses. */
interface RemoteChannel {
  send(item: unknown): Promise<void>;
  receive(): Promise<unknown>;
}

/** Helpers shared with the master, shipped along as their source. */
interface RemoteHelpers {
  weakSum: (buf: Uint8Array, start: number, end: number) => number;
  blockSizeFor: (size: number) => number;
}

/** A file the worker asked for, until it is in place. */
interface FileRecord {
  index: number;
  rel: string;
  path: string;
  mode: number;
  mtimeUs: number;
  /** Temporary file being written, and its descriptor (-1: none yet). */
  tmp: string | null;
  fd: number;
  /** The old file, read for delta copies. */
  oldFd: number;
  oldSize: number;
  /** md5 of the old file (delta requests), and of what was written so far. */
  oldMd5: Uint8Array | null;
  hash: cryptoModule.Hash | null;
  /** Bytes of the new file produced so far by a delta. */
  outPos: number;
  failed: boolean;
}

/**
 * Runs on the worker: compares the tree the master lists with `kwargs.dest`, asks for what
 * differs, writes what arrives (to temporary names, renamed into place) and reports back.
 */
export async function rsyncRemote(channel: RemoteChannel, kwargs: RemoteConfig, require: NodeRequire, helpers: RemoteHelpers): Promise<void> {
  const fs = require('node:fs') as typeof fsModule;
  const pathMod = require('node:path') as typeof pathModule;
  const crypto = require('node:crypto') as typeof cryptoModule;
  const { weakSum: weak, blockSizeFor: blockSize } = helpers;
  if (kwargs.version !== 1) throw new Error(`rsync protocol version ${String(kwargs.version)} is not supported by this worker`);
  const dest = String(kwargs.dest);
  const dry = Boolean(kwargs.dryRun);
  const del = Boolean(kwargs.delete);
  const creditEvery = Number(kwargs.creditEvery);
  const deltaMin = Number(kwargs.deltaMinSize);
  const alg = String(kwargs.strongHash);

  const changes: Array<[string, string]> = [];
  const dirs: Array<[string, string, number, number]> = [];
  const files = new Map<number, FileRecord>();
  const copyBuf = Buffer.allocUnsafe(1 << 20);
  let index = 0;
  let requested = 0;
  let resolved = 0;
  let ended = false;
  let failed = false;
  let credit = 0;
  let tempCounter = 0;

  const send = (item: unknown): void => {
    channel.send(item).catch(() => undefined);
  };
  const micros = (st: fsModule.BigIntStats): number => Number(st.mtimeNs / 1000n);
  // libuv keeps whole microseconds of a double; aiming at the middle of the microsecond makes
  // the float rounding harmless, so the time set is exactly the source's, truncated to 1 µs.
  const seconds = (us: number): number => (us + 0.5) / 1e6;
  const modeOf = (st: fsModule.BigIntStats): number => Number(st.mode) & 0o7777;
  const pathOf = (rel: string): string => (rel === '' ? dest : pathMod.join(dest, rel));
  const validRel = (rel: unknown): rel is string =>
    typeof rel === 'string' && (rel === '' || rel.split('/').every((c) => c !== '' && c !== '.' && c !== '..' && !c.includes('\0')));
  const problem = (idx: number, rel: string, error: unknown): void => {
    const e = error as NodeJS.ErrnoException;
    send(['problem', idx, rel, e?.code ?? null, e?.message ?? String(error)]);
  };
  const takeCredit = (): number => {
    const c = credit;
    credit = 0;
    return c;
  };
  // V8 lets dead buffers (every message received leaves some) pile up to 64 MB before it
  // collects; a young-generation collection now and then keeps the worker flat (memory-pacer.ts).
  const checkEvery = Number(kwargs.memoryCheckEvery);
  const slack = Number(kwargs.memorySlack);
  let gc: ((options?: { type?: string }) => void) | null | undefined;
  let sinceCheck = 0;
  let gcBase = -1;
  const externalMemory = (): number => {
    const external = (require('node:v8') as { getHeapStatistics(): { external_memory?: number } }).getHeapStatistics().external_memory;
    return typeof external === 'number' ? external : process.memoryUsage().arrayBuffers;
  };
  const pace = (bytes: number): void => {
    sinceCheck += bytes;
    if (sinceCheck < checkEvery) return;
    sinceCheck = 0;
    const external = externalMemory();
    if (gcBase < 0 || external < gcBase) {
      gcBase = external;
      return;
    }
    if (external - gcBase < slack) return;
    if (gc === undefined) {
      const global = (globalThis as { gc?: unknown }).gc;
      gc = typeof global === 'function' ? (global as (options?: { type?: string }) => void) : null;
      try {
        if (!gc) {
          (require('node:v8') as { setFlagsFromString(flags: string): void }).setFlagsFromString('--expose-gc');
          const fn = (require('node:vm') as { runInNewContext(code: string): unknown }).runInNewContext('gc');
          gc = typeof fn === 'function' ? (fn as (options?: { type?: string }) => void) : null;
        }
      } catch {
        gc = null;
      }
    }
    if (!gc) return;
    gc({ type: 'minor' });
    gcBase = externalMemory();
  };
  const consumed = (bytes: number): void => {
    credit += bytes;
    pace(bytes);
    if (credit >= creditEvery) send(['credit', takeCredit()]);
  };
  const remove = (path: string): void => {
    if (!(path === dest || path.startsWith(dest.endsWith(pathMod.sep) ? dest : dest + pathMod.sep))) throw new Error(`refusing to remove ${path}: outside ${dest}`);
    try {
      fs.unlinkSync(path);
    } catch {
      fs.rmSync(path, { recursive: true, force: true });
    }
  };
  const writeAll = (fd: number, bytes: Uint8Array): void => {
    let off = 0;
    while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
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
  const md5File = (path: string): Buffer => {
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
  };
  const sameBytes = (a: Uint8Array | null, b: Uint8Array | null): boolean =>
    a !== null && b !== null && a.length === b.length && a.every((v, i) => v === b[i]);

  // ---- files: temporary names, renamed into place ----------------------------------------
  const openTemp = (rec: FileRecord): void => {
    const base = pathMod.basename(rec.path).slice(0, 80);
    rec.tmp = pathMod.join(pathMod.dirname(rec.path), `.${base}.${process.pid}-${++tempCounter}.rsync-tmp`);
    rec.fd = fs.openSync(rec.tmp, 'wx', 0o600);
  };
  const commit = (rec: FileRecord): void => {
    const t = seconds(rec.mtimeUs);
    fs.fchmodSync(rec.fd, rec.mode);
    fs.futimesSync(rec.fd, t, t);
    fs.closeSync(rec.fd);
    rec.fd = -1;
    fs.renameSync(rec.tmp as string, rec.path);
    rec.tmp = null;
  };
  const discard = (rec: FileRecord): void => {
    if (rec.fd >= 0) fs.closeSync(rec.fd);
    if (rec.tmp) fs.rmSync(rec.tmp, { force: true });
    if (rec.oldFd >= 0) fs.closeSync(rec.oldFd);
    rec.fd = -1;
    rec.oldFd = -1;
    rec.tmp = null;
  };
  const guard = (rec: FileRecord, action: () => void): void => {
    if (rec.failed) return;
    try {
      action();
    } catch (error) {
      rec.failed = true;
      try {
        discard(rec);
      } catch {
        // Nothing more to clean up.
      }
      problem(rec.index, rec.rel, error);
    }
  };
  const finish = (rec: FileRecord, status: string): void => {
    if (rec.oldFd >= 0) fs.closeSync(rec.oldFd);
    rec.oldFd = -1;
    files.delete(rec.index);
    resolved++;
    send(['ack', rec.index, takeCredit(), rec.failed ? 'failed' : status]);
  };
  const setAttrs = (rec: FileRecord): void => {
    const t = seconds(rec.mtimeUs);
    fs.chmodSync(rec.path, rec.mode);
    fs.utimesSync(rec.path, t, t);
  };

  // ---- deltas: copies from the old file, literals from the master -----------------------
  const oldFd = (rec: FileRecord): number => (rec.oldFd >= 0 ? rec.oldFd : (rec.oldFd = fs.openSync(rec.path, 'r')));
  const copyRange = (rec: FileRecord, offset: number, length: number): void => {
    for (let done = 0; done < length; ) {
      const got = readFully(oldFd(rec), copyBuf, Math.min(copyBuf.length, length - done), offset + done);
      if (got === 0) throw new Error(`${rec.path} changed while it was rebuilt`);
      const piece = copyBuf.subarray(0, got);
      writeAll(rec.fd, piece);
      (rec.hash as cryptoModule.Hash).update(piece);
      done += got;
    }
  };
  // While every copy lands where it already is, nothing is written: an unchanged file stays as is.
  const startWriting = (rec: FileRecord): void => {
    if (rec.fd >= 0) return;
    openTemp(rec);
    rec.hash = crypto.createHash(alg);
    if (rec.outPos > 0) copyRange(rec, 0, rec.outPos);
  };
  // Literal bytes can match the old file too (its last, partial block is never in the signature).
  const sameAsOld = (rec: FileRecord, bytes: Uint8Array): boolean => {
    if (bytes.length > copyBuf.length || rec.outPos + bytes.length > rec.oldSize) return false;
    const got = readFully(oldFd(rec), copyBuf, bytes.length, rec.outPos);
    return got === bytes.length && copyBuf.compare(bytes, 0, bytes.length, 0, got) === 0;
  };
  const applyOps = (rec: FileRecord, ops: unknown[]): void => {
    for (const op of ops) {
      if (op instanceof Uint8Array) {
        consumed(op.length);
        guard(rec, () => {
          if (rec.fd < 0 && sameAsOld(rec, op)) {
            rec.outPos += op.length;
            return;
          }
          startWriting(rec);
          writeAll(rec.fd, op);
          (rec.hash as cryptoModule.Hash).update(op);
          rec.outPos += op.length;
        });
      } else {
        const [offset, length] = (op as unknown[]).map(Number) as [number, number];
        guard(rec, () => {
          if (rec.fd < 0 && offset === rec.outPos) {
            rec.outPos += length;
            return;
          }
          startWriting(rec);
          copyRange(rec, offset, length);
          rec.outPos += length;
        });
      }
    }
  };
  const endOfDelta = (rec: FileRecord, md5: Uint8Array): void => {
    if (rec.fd < 0 && rec.outPos === rec.oldSize && sameBytes(md5, rec.oldMd5)) {
      guard(rec, () => setAttrs(rec));
      finish(rec, 'same');
      return;
    }
    guard(rec, () => startWriting(rec));
    if (rec.failed) return finish(rec, 'failed');
    if (!sameBytes((rec.hash as cryptoModule.Hash).digest(), md5)) {
      // Rebuilt content differs (a hash collision, or the old file changed): ask for all of it.
      discard(rec);
      rec.hash = null;
      rec.outPos = 0;
      send(['req', rec.index, 'full', true, null]);
      return;
    }
    guard(rec, () => commit(rec));
    finish(rec, 'written');
  };

  // ---- the tree ---------------------------------------------------------------------------
  const request = (idx: number, rel: string, path: string, mode: number, mtimeUs: number, how: string, exists: boolean, extra: unknown, old?: { size: number; md5: Uint8Array }) => {
    const rec: FileRecord = { index: idx, rel, path, mode, mtimeUs, tmp: null, fd: -1, oldFd: -1, oldSize: old?.size ?? 0, oldMd5: old?.md5 ?? null, hash: null, outPos: 0, failed: false };
    requested++;
    if (dry && how === 'full') resolved++; // nothing will come for it
    else files.set(idx, rec);
    send(['req', idx, how, exists, extra]);
  };
  const signature = async (path: string, size: number): Promise<{ wire: unknown[]; md5: Uint8Array }> => {
    const n = blockSize(size);
    const count = Math.floor(size / n);
    const weakBytes = Buffer.alloc(count * 4);
    const strong = Buffer.alloc(count * 16);
    const whole = crypto.createHash(alg);
    const per = Math.max(1, Math.floor(copyBuf.length / n)) * n;
    const buf = per <= copyBuf.length ? copyBuf : Buffer.allocUnsafe(per);
    const fd = fs.openSync(path, 'r');
    try {
      let block = 0;
      for (let pos = 0; pos < size; ) {
        const got = readFully(fd, buf, Math.min(per, size - pos), pos);
        if (got === 0) break;
        whole.update(buf.subarray(0, got));
        for (let off = 0; off + n <= got && block < count; off += n, block++) {
          weakBytes.writeInt32LE(weak(buf, off, off + n), block * 4);
          crypto.createHash(alg).update(buf.subarray(off, off + n)).digest().copy(strong, block * 16);
        }
        pos += got;
        // Let the worker's other channels run during a long read.
        if (pos % (16 * per) === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      fs.closeSync(fd);
    }
    return { wire: [n, weakBytes, strong], md5: whole.digest() };
  };

  const dirEntry = (rel: string, path: string, st: fsModule.BigIntStats | undefined, mode: number, mtimeUs: number, names: unknown): void => {
    if (st && !st.isDirectory()) {
      if (!dry) remove(path);
      changes.push([rel, 'delete']);
      st = undefined;
    }
    if (!st) {
      if (!dry) fs.mkdirSync(path, { mode: 0o700 });
      changes.push([rel, 'mkdir']);
    } else {
      if (modeOf(st) !== mode || micros(st) !== mtimeUs) changes.push([rel, 'attrs']);
      // Keep directories writable while their entries are written (execnet: mode | 0o700).
      if (!dry && (Number(st.mode) & 0o700) !== 0o700) fs.chmodSync(path, modeOf(st) | 0o700);
    }
    if (!dry) dirs.push([path, rel, mode, mtimeUs]);
    if (del && st && Array.isArray(names)) {
      const keep = new Set(names as string[]);
      for (const name of fs.readdirSync(path)) {
        if (keep.has(name)) continue;
        const childRel = rel ? `${rel}/${name}` : name;
        try {
          if (!dry) remove(pathMod.join(path, name));
          changes.push([childRel, 'delete']);
        } catch (error) {
          problem(-1, childRel, error);
        }
      }
    }
  };
  const fileEntry = async (idx: number, rel: string, path: string, st: fsModule.BigIntStats | undefined, mode: number, mtimeUs: number, size: number): Promise<void> => {
    if (st && st.isFile()) {
      const oldSize = Number(st.size);
      if (oldSize === size && micros(st) === mtimeUs) {
        if (modeOf(st) !== mode) {
          if (!dry) fs.chmodSync(path, mode);
          changes.push([rel, 'attrs']);
        }
        return;
      }
      if (!dry && size >= deltaMin && oldSize >= deltaMin) {
        const sig = await signature(path, oldSize);
        request(idx, rel, path, mode, mtimeUs, 'sig', true, sig.wire, { size: oldSize, md5: sig.md5 });
        return;
      }
      if (oldSize === size) return request(idx, rel, path, mode, mtimeUs, 'sum', true, md5File(path));
      return request(idx, rel, path, mode, mtimeUs, 'full', true, null);
    }
    if (st) {
      if (!dry) remove(path);
      changes.push([rel, 'delete']);
    }
    request(idx, rel, path, mode, mtimeUs, 'full', false, null);
  };
  const linkEntry = (rel: string, path: string, st: fsModule.BigIntStats | undefined, mtimeUs: number, extra: unknown): void => {
    const [kind, target] = extra as [string, string];
    const to = kind === 'base' ? pathMod.join(dest, target) : target;
    const t = seconds(mtimeUs);
    if (st && st.isSymbolicLink() && fs.readlinkSync(path) === to) {
      if (micros(st) !== mtimeUs) {
        if (!dry) fs.lutimesSync(path, t, t);
        changes.push([rel, 'attrs']);
      }
      return;
    }
    if (st && !dry) remove(path);
    if (st && !st.isSymbolicLink()) changes.push([rel, 'delete']);
    if (!dry) {
      fs.symlinkSync(to, path);
      try {
        fs.lutimesSync(path, t, t);
      } catch {
        // Some platforms cannot set a link's own time.
      }
    }
    changes.push([rel, 'symlink']);
  };
  const rootEntry = (st: fsModule.BigIntStats | undefined, mode: number, mtimeUs: number, names: unknown): boolean => {
    if (st && !st.isDirectory()) {
      const followed = st.isSymbolicLink() ? fs.statSync(dest, { bigint: true, throwIfNoEntry: false }) : undefined;
      if (!followed?.isDirectory()) {
        send(['fail', 'ERR_EXECNET_RSYNC_DESTINATION', `destination ${dest} exists and is not a directory`]);
        return false;
      }
      st = followed;
    }
    try {
      if (!st && !dry) fs.mkdirSync(dest, { recursive: true, mode: 0o700 });
      if (!st) changes.push(['', 'mkdir']);
      else dirEntry('', dest, st, mode, mtimeUs, names);
      if (!st && !dry) dirs.push([dest, '', mode, mtimeUs]);
    } catch (error) {
      send(['fail', 'ERR_EXECNET_RSYNC_DESTINATION', `cannot create destination ${dest}: ${(error as Error).message}`]);
      return false;
    }
    return true;
  };
  const entry = async (wire: WireEntry): Promise<void> => {
    const idx = index++;
    const [rel, kind, rawMode, rawMtime, rawSize, extra] = wire;
    if (!validRel(rel) || (rel === '') !== (idx === 0)) throw new Error(`bad entry path ${JSON.stringify(rel)}`);
    const mode = Number(rawMode);
    const mtimeUs = Number(rawMtime);
    const path = pathOf(rel);
    try {
      const st = fs.lstatSync(path, { bigint: true, throwIfNoEntry: false });
      if (idx === 0) {
        if (!rootEntry(st, mode, mtimeUs, extra)) failed = true;
        return;
      }
      if (kind === 'd') dirEntry(rel, path, st, mode, mtimeUs, extra);
      else if (kind === 'f') await fileEntry(idx, rel, path, st, mode, mtimeUs, Number(rawSize));
      else if (kind === 'l') linkEntry(rel, path, st, mtimeUs, extra);
    } catch (error) {
      problem(-1, rel, error);
    }
  };
  const finalizeDirs = (): void => {
    // Deepest first, after all writes: a directory's mtime changes when entries are added.
    for (let i = dirs.length - 1; i >= 0; i--) {
      const [path, rel, mode, mtimeUs] = dirs[i] as [string, string, number, number];
      try {
        const st = fs.lstatSync(path, { bigint: true });
        if (modeOf(st) !== mode) fs.chmodSync(path, mode);
        if (micros(st) !== mtimeUs) fs.utimesSync(path, seconds(mtimeUs), seconds(mtimeUs));
      } catch (error) {
        problem(-1, rel, error);
      }
    }
  };

  // ---- the message loop -------------------------------------------------------------------
  const record = (idx: unknown): FileRecord => {
    const rec = files.get(Number(idx));
    if (!rec) throw new Error(`no file was requested at index ${String(idx)}`);
    return rec;
  };
  try {
    while (!failed && !(ended && resolved === requested)) {
      const msg = (await channel.receive()) as unknown[];
      switch (msg[0]) {
        case 'list':
          for (const wire of msg[1] as WireEntry[]) {
            await entry(wire);
            if (failed) break;
          }
          break;
        case 'end':
          ended = true;
          send(['listed', requested]);
          break;
        case 'file': {
          const rec = record(msg[1]);
          const bytes = msg[2] as Uint8Array;
          consumed(bytes.length);
          guard(rec, () => {
            openTemp(rec);
            writeAll(rec.fd, bytes);
            commit(rec);
          });
          finish(rec, 'written');
          break;
        }
        case 'data': {
          const rec = record(msg[1]);
          const bytes = msg[2] as Uint8Array;
          consumed(bytes.length);
          guard(rec, () => {
            if (rec.fd < 0) openTemp(rec);
            writeAll(rec.fd, bytes);
          });
          break;
        }
        case 'delta':
          applyOps(record(msg[1]), msg[2] as unknown[]);
          break;
        case 'eof': {
          const rec = record(msg[1]);
          if (rec.failed) finish(rec, 'failed');
          else if (msg[2]) endOfDelta(rec, msg[2] as Uint8Array);
          else {
            guard(rec, () => {
              if (rec.fd < 0) openTemp(rec);
              commit(rec);
            });
            finish(rec, 'written');
          }
          break;
        }
        case 'same': {
          const rec = record(msg[1]);
          if (!dry) guard(rec, () => setAttrs(rec));
          finish(rec, 'same');
          break;
        }
        case 'differs':
        case 'skip': {
          const rec = record(msg[1]);
          guard(rec, () => discard(rec));
          finish(rec, 'skipped');
          break;
        }
        case 'abort':
          // The master gave up: stop here; `finally` removes temporary files.
          return;
        default:
          throw new Error(`unknown rsync message ${JSON.stringify(msg[0])}`);
      }
    }
    if (failed) return;
    if (!dry) finalizeDirs();
    await channel.send(['done', changes]);
  } finally {
    for (const rec of files.values()) {
      try {
        discard(rec);
      } catch {
        // Best effort: the channel is ending anyway.
      }
    }
  }
}

let source: string | undefined;

/**
 * The remote side as a remote_exec body: the function and its helpers as source text, called
 * with the worker's `channel`, `kwargs` and `require`.
 */
export function remoteJsSource(): string {
  source ??= `return (${rsyncRemote.toString()})(channel, kwargs, require, { weakSum: ${weakSum.toString()}, blockSizeFor: ${blockSizeFor.toString()} });`;
  return source;
}
