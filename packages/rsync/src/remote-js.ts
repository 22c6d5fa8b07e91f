/**
 * The remote side of the JavaScript protocol (see protocol.ts), shipped to JavaScript workers
 * as source text: {@link rsyncRemote} and the helpers it is given must not use anything of
 * this module or its imports at run time (types are erased, so they are fine).
 */
import { createHash } from 'node:crypto';
import type * as fsModule from 'node:fs';
import type * as pathModule from 'node:path';
import type * as cryptoModule from 'node:crypto';
import { blockSizeFor, weakSum } from './delta.js';
import { createPacer, type PacerModules } from './memory-pacer.js';
import type { ListMessage, RemoteConfig } from './protocol.js';
import { remoteFiles, type RemoteFiles, type RemoteFilesEnv } from './remote-files.js';

/** The channel calls the remote side uses. */
interface RemoteChannel {
  send(item: unknown): Promise<void>;
  receive(): Promise<unknown>;
}

/** Helpers shared with the master or split off, shipped along as their source. */
interface RemoteHelpers {
  weakSum: typeof weakSum;
  blockSizeFor: typeof blockSizeFor;
  createPacer: typeof createPacer;
  remoteFiles: typeof remoteFiles;
}

/**
 * Runs on the worker: compares the tree the master lists with `kwargs.dest`, asks for what
 * differs, has it written (remote-files.ts) and reports back.
 */
export async function rsyncRemote(channel: RemoteChannel, kwargs: RemoteConfig, require: NodeRequire, helpers: RemoteHelpers): Promise<void> {
  const fs = require('node:fs') as typeof fsModule;
  const pathMod = require('node:path') as typeof pathModule;
  const crypto = require('node:crypto') as typeof cryptoModule;
  if (kwargs.version !== 3) throw new Error(`rsync protocol version ${String(kwargs.version)} is not supported by this worker`);
  const dest = String(kwargs.dest);
  const dry = Boolean(kwargs.dryRun);
  const del = Boolean(kwargs.deleteExtra);
  const creditEvery = Number(kwargs.creditEvery);
  const deltaMin = Number(kwargs.deltaMinSize);

  const changes: Array<[string, string]> = [];
  const dirs: Array<[string, string, number, number]> = [];
  let index = 0;
  let requested = 0;
  /** Requests that got their last message (file, eof, same, differs, skip) or need none. */
  let answered = 0;
  let ended = false;
  let failed = false;
  let credit = 0;
  let requests: unknown[] = [];

  const send = (item: unknown): void => {
    channel.send(item).catch(() => undefined);
  };
  const micros = (st: fsModule.BigIntStats): number => Number(st.mtimeNs / 1000n);
  // libuv keeps whole microseconds of a double; aiming at the middle of the microsecond makes
  // the float rounding harmless, so the time set is exactly the source's, truncated to 1 µs.
  const seconds = (us: number): number => (us + 0.5) / 1e6;
  const modeOf = (st: fsModule.BigIntStats): number => Number(st.mode) & 0o7777;
  const destPrefix = dest.endsWith(pathMod.sep) ? dest : dest + pathMod.sep;
  const pathOf = (rel: string): string => (rel === '' ? dest : destPrefix + rel);
  // An empty, `.` or `..` component, or a NUL: never from our master, refused all the same.
  const badRel = /(?:^|\/)\.{0,2}(?:\/|$)|\0/;
  const validRel = (rel: unknown): rel is string => typeof rel === 'string' && (rel === '' || !badRel.test(rel));
  /** Something went differently from an unchanged tree: directory times may need setting again. */
  let touched = false;
  const problem = (idx: number, rel: string, error: unknown): void => {
    touched = true;
    const e = error as NodeJS.ErrnoException;
    send(['problem', idx, rel, e?.code ?? null, e?.message ?? String(error)]);
  };
  const takeCredit = (): number => {
    const c = credit;
    credit = 0;
    return c;
  };
  const pace = helpers.createPacer(
    { v8: require('node:v8'), vm: require('node:vm') } as PacerModules,
    Number(kwargs.memoryCheckEvery),
    Number(kwargs.memorySlack),
  );
  const env: RemoteFilesEnv = {
    fs,
    pathMod,
    crypto,
    send,
    problem,
    consumed: (bytes, large) => {
      credit += bytes;
      if (large) pace(bytes);
      if (credit >= creditEvery) send(['credit', takeCredit()]);
    },
    takeCredit,
    seconds,
    alg: String(kwargs.strongHash),
    dry,
    paceMinSize: Number(kwargs.paceMinSize),
  };
  const files: RemoteFiles = helpers.remoteFiles(env);
  const remove = (path: string): void => {
    if (!(path === dest || path.startsWith(destPrefix))) throw new Error(`refusing to remove ${path}: outside ${dest}`);
    try {
      fs.unlinkSync(path);
    } catch {
      fs.rmSync(path, { recursive: true, force: true });
    }
  };

  // ---- the tree ---------------------------------------------------------------------------
  const request = (idx: number, rel: string, path: string, mode: number, mtimeUs: number, size: number, how: string, exists: boolean, extra: unknown, old?: { size: number; md5: Uint8Array }): void => {
    requested++;
    if (dry && how === 'full') answered++; // nothing will come for it
    else files.request(idx, rel, path, mode, mtimeUs, size, old);
    requests.push([idx, how, exists, extra]);
    // A signature is big: let the master start on it at once.
    if (how === 'sig') flushRequests();
  };
  const flushRequests = (): void => {
    if (requests.length === 0) return;
    send(['reqs', requests]);
    requests = [];
  };
  /** Directories this sync made (or would make): nothing in them needs an lstat. */
  const freshDirs = new Set<string>();
  const dirEntry = (rel: string, path: string, st: fsModule.BigIntStats | undefined, mode: number, mtimeUs: number, names: unknown): void => {
    if (st && !st.isDirectory()) {
      if (!dry) remove(path);
      changes.push([rel, 'delete']);
      st = undefined;
    }
    if (!st) {
      if (!dry) fs.mkdirSync(path, { mode: 0o700 });
      freshDirs.add(rel);
      changes.push([rel, 'mkdir']);
    } else {
      if (modeOf(st) !== mode || micros(st) !== mtimeUs) changes.push([rel, 'attrs']);
      // Keep directories writable while their entries are written (execnet: mode | 0o700).
      if (!dry && (Number(st.mode) & 0o700) !== 0o700) {
        fs.chmodSync(path, modeOf(st) | 0o700);
        touched = true;
      }
    }
    if (!dry) dirs.push([path, rel, mode, mtimeUs]);
    if (del && st && typeof names === 'string') {
      const keep = new Set(names === '' ? [] : names.split('\0'));
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
  // Synchronous but for signatures, so that an unchanged tree costs no promise per entry.
  const fileEntry = (idx: number, rel: string, path: string, st: fsModule.BigIntStats | undefined, mode: number, mtimeUs: number, size: number): Promise<void> | undefined => {
    if (st && st.isFile()) {
      const oldSize = Number(st.size);
      if (oldSize === size && micros(st) === mtimeUs) {
        if (modeOf(st) !== mode) {
          if (!dry) fs.chmodSync(path, mode);
          changes.push([rel, 'attrs']);
        }
        return undefined;
      }
      if (!dry && size >= deltaMin && oldSize >= deltaMin) {
        return files
          .signature(path, oldSize, helpers.blockSizeFor(oldSize), helpers.weakSum)
          .then((sig) => request(idx, rel, path, mode, mtimeUs, size, 'sig', true, sig.wire, { size: oldSize, md5: sig.md5 }));
      }
      if (oldSize === size) request(idx, rel, path, mode, mtimeUs, size, 'sum', true, files.md5File(path));
      else request(idx, rel, path, mode, mtimeUs, size, 'full', true, null);
      return undefined;
    }
    if (st) {
      if (!dry) remove(path);
      changes.push([rel, 'delete']);
    }
    request(idx, rel, path, mode, mtimeUs, size, 'full', false, null);
    return undefined;
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
      if (!st) freshDirs.add('');
      if (!st) changes.push(['', 'mkdir']);
      else dirEntry('', dest, st, mode, mtimeUs, names);
      if (!st && !dry) dirs.push([dest, '', mode, mtimeUs]);
    } catch (error) {
      send(['fail', 'ERR_EXECNET_RSYNC_DESTINATION', `cannot create destination ${dest}: ${(error as Error).message}`]);
      return false;
    }
    return true;
  };
  const entry = (rel: string, kind: string, mode: number, mtimeUs: number, size: number, extra: unknown): Promise<void> | undefined => {
    const idx = index++;
    if (!validRel(rel) || (rel === '') !== (idx === 0)) throw new Error(`bad entry path ${JSON.stringify(rel)}`);
    const path = pathOf(rel);
    try {
      // The source lists a directory before its entries; in one made just now there is nothing.
      const slash = rel.lastIndexOf('/');
      const inFreshDir = idx > 0 && freshDirs.has(slash < 0 ? '' : rel.slice(0, slash));
      const st = inFreshDir ? undefined : fs.lstatSync(path, { bigint: true, throwIfNoEntry: false });
      if (idx === 0) {
        if (!rootEntry(st, mode, mtimeUs, extra)) failed = true;
      } else if (kind === 'f') {
        return fileEntry(idx, rel, path, st, mode, mtimeUs, size)?.catch((error: unknown) => problem(-1, rel, error));
      } else if (kind === 'd') dirEntry(rel, path, st, mode, mtimeUs, extra);
      else if (kind === 'l') linkEntry(rel, path, st, mtimeUs, extra);
    } catch (error) {
      problem(-1, rel, error);
    }
    return undefined;
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
  /** The whole tree was compared. With nothing outstanding, `done` follows at once and says it. */
  const endOfList = (): void => {
    ended = true;
    if (answered !== requested) send(['listed', requested]);
  };
  /** The bytes item that follows a `files` or `data` message. */
  const fileBytes = async (): Promise<Uint8Array> => {
    const bytes = await channel.receive();
    if (!(bytes instanceof Uint8Array)) throw new Error('rsync: file contents expected after a files or data message');
    return bytes;
  };
  /** Handles one message; false when the master asked to stop. */
  const handle = async (msg: unknown[]): Promise<boolean> => {
    switch (msg[0]) {
      case 'list': {
        // protocol.ts ListMessage: kinds, NUL-joined paths, (mode, mtime µs, size) as float64 LE, extras.
        const [, kinds, paths, numbers, extraPairs] = msg as ListMessage;
        const rels = paths.split('\0');
        if (rels.length !== kinds.length || numbers.byteLength !== kinds.length * 24) throw new Error('malformed list message');
        const view = new DataView(numbers.buffer, numbers.byteOffset, numbers.byteLength);
        const extras = new Map(extraPairs);
        for (let i = 0; i < rels.length; i++) {
          const at = i * 24;
          const extra = extras.size > 0 ? extras.get(i) : undefined;
          const pending = entry(rels[i] as string, kinds[i] as string, view.getFloat64(at, true), view.getFloat64(at + 8, true), view.getFloat64(at + 16, true), extra ?? null);
          if (pending) await pending;
          if (failed) break;
        }
        flushRequests();
        if (msg[5] === true && !failed) endOfList();
        return true;
      }
      case 'end':
        endOfList();
        return true;
      case 'files': {
        // protocol.ts FILES: the lengths, then the contents one after the other as one bytes item.
        const bytes = await fileBytes();
        let at = 0;
        for (const [index, length] of msg[1] as Array<[number, number]>) {
          files.whole(index, bytes.subarray(at, at + length));
          at += length;
          answered++;
        }
        if (at !== bytes.byteLength) throw new Error('malformed files message');
        return true;
      }
      case 'data':
        files.chunk(msg[1] as number, await fileBytes());
        return true;
      case 'delta':
        files.delta(msg[1] as number, msg[2] as unknown[]);
        return true;
      case 'eof':
        // A delta that did not verify asks for the whole file: more is to come for it.
        if (!files.end(msg[1] as number, (msg[2] as Uint8Array | null) ?? null)) return true;
        break;
      case 'same':
        files.same(msg[1] as number);
        break;
      case 'differs':
      case 'skip':
        files.skip(msg[1] as number);
        break;
      case 'abort':
        // The master gave up: stop here; `finally` removes temporary files.
        return false;
      default:
        throw new Error(`unknown rsync message ${JSON.stringify(msg[0])}`);
    }
    answered++;
    return true;
  };
  try {
    while (!failed && !(ended && answered === requested)) {
      const more = await handle((await channel.receive()) as unknown[]);
      files.flushAcks();
      if (!more) return;
    }
    if (failed) return;
    // Nothing written, created, removed or made writable, and every directory was found as the
    // source has it: they still are, so an unchanged tree is not looked at a second time.
    if (!dry && (touched || requested > 0 || changes.length > 0)) finalizeDirs();
    await channel.send(['done', changes, requested]);
  } finally {
    files.cleanup();
  }
}

let stub: string | undefined;
let install: string | undefined;

/**
 * What the master remote_execs: a small body that runs the remote side the worker keeps from
 * an earlier sync (so its code stays compiled and optimized), or else asks the master for it
 * (`['need-source']`, answered with {@link remoteJsInstallSource}) and keeps it from then on.
 * Messages that arrive before the source are handed to the remote side first.
 */
export function remoteJsSource(): string {
  if (!stub) prepare();
  return stub as string;
}

/** An expression that evaluates to the remote side and keeps it in the worker's global object. */
export function remoteJsInstallSource(): string {
  if (!install) prepare();
  return install as string;
}

function prepare(): void {
  const run = `(${rsyncRemote.toString()})`;
  const helpers = `{ weakSum: ${weakSum.toString()}, blockSizeFor: ${blockSizeFor.toString()}, createPacer: ${createPacer.toString()}, remoteFiles: ${remoteFiles.toString()} }`;
  const key = `Symbol.for('@execnet/rsync/remote:${createHash('sha256').update(run).update(helpers).digest('hex').slice(0, 24)}')`;
  install = [
    '(() => {',
    `  const run = ${run};`,
    `  const helpers = ${helpers};`,
    '  const remote = (channel, kwargs, require) => run(channel, kwargs, require, helpers);',
    `  Object.defineProperty(globalThis, ${key}, { value: remote, configurable: true });`,
    '  return remote;',
    '})()',
  ].join('\n');
  stub = [
    `let remote = globalThis[${key}];`,
    'if (!remote) {',
    "  void channel.send(['need-source']);",
    '  const early = [];',
    '  for (;;) {',
    '    const message = await channel.receive();',
    "    if (message[0] === 'source') { remote = (0, eval)(message[1]); break; }",
    '    early.push(message);',
    '  }',
    '  const inner = channel;',
    '  channel = { send: (item) => inner.send(item), receive: () => (early.length ? Promise.resolve(early.shift()) : inner.receive()) };',
    '}',
    'return remote(channel, kwargs, require);',
  ].join('\n');
}
