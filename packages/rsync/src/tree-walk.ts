import { lstatSync, readdirSync, readlinkSync, statSync, type BigIntStats } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { SourceError, SpecialFileError, UnreadableFileError, VanishedFileError, type RSyncError } from './errors.js';

/** What a source entry is; `skip` stands for one that was listed but cannot be sent. */
export type EntryKind = 'dir' | 'file' | 'link' | 'skip';

/** One entry of the source tree, in walk order (depth-first, a directory before its entries). */
export interface SourceEntry {
  /** Position in the walk; both sides of the JavaScript protocol count entries this way. */
  index: number;
  /** Path relative to the source root, `/`-separated; `''` for the root. */
  rel: string;
  /** Local path: the source directory as given, joined with `rel`. */
  path: string;
  kind: EntryKind;
  /** `st_mode`, with the file type bits (as Python execnet sends it). */
  mode: number;
  /** Modification time in nanoseconds. */
  mtimeNs: bigint;
  size: number;
  /** Directory: the names of its entries that take part, in walk order. */
  names?: string[];
  /** Link: its target, as stored. */
  linkTarget?: string;
  /** Link: the target relative to the source root, when it is an absolute path inside the tree. */
  linkBase?: string;
}

/** How the walk decides and reports. */
export interface WalkOptions {
  /** The source directory, without trailing separators. */
  root: string;
  /**
   * Whether an entry takes part (`path` is the local path, as execnet's `filter` gets it);
   * without it every entry does.
   */
  accept?: (path: string, rel: string, name: string, isDir: boolean) => boolean;
  /** Told about every entry that is skipped. */
  onProblem: (error: RSyncError) => void;
}

/**
 * The source directory without trailing separators (execnet: `dirname(join(sourcedir, 'x'))`),
 * checked to be a directory (a symlink to one is followed).
 * @throws {SourceError} missing, unreadable or not a directory
 */
export function checkSourceRoot(sourceDir: string): { root: string; stat: BigIntStats } {
  const root = sourceDir.length > 1 ? sourceDir.replace(/[\\/]+$/, '') || sep : sourceDir;
  let stat: BigIntStats;
  try {
    stat = statSync(root, { bigint: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(error)})`;
    throw new SourceError(`source directory ${root} ${what}`, { path: sourceDir, cause: error });
  }
  if (!stat.isDirectory()) throw new SourceError(`source ${root} is not a directory`, { path: sourceDir });
  return { root, stat };
}

/** A directory whose entries the walk is going through. */
interface Frame {
  /** Its local path and its `rel`, each with the separator its entries' names follow. */
  prefix: string;
  relPrefix: string;
  names: string[];
  next: number;
}

/**
 * Walks the source tree depth-first, a directory before its entries, which follow in name
 * order. Entries that cannot be sent come as `skip` (so both sides still agree on positions)
 * and are reported through `onProblem`. A plain loop over a stack of directories, handing out
 * entries in batches: a walk costs a few microseconds per entry, mostly the `lstat`, and
 * nested generators added a good part to that.
 */
export class TreeWalk {
  private readonly root: string;
  private readonly absRoot: string;
  private readonly accept: WalkOptions['accept'] | undefined;
  private readonly onProblem: WalkOptions['onProblem'];
  private readonly stack: Frame[] = [];
  private rootStat: BigIntStats | undefined;
  private index = 0;

  constructor(options: WalkOptions, rootStat: BigIntStats) {
    this.root = options.root;
    this.absRoot = resolve(options.root);
    this.accept = options.accept;
    this.onProblem = options.onProblem;
    this.rootStat = rootStat;
  }

  /** Appends up to `max` more entries to `out`; false once the walk is complete. */
  next(out: SourceEntry[], max: number): boolean {
    let room = max;
    if (this.rootStat) {
      this.enter(this.root, '', this.rootStat, out);
      this.rootStat = undefined;
      room--;
    }
    const stack = this.stack;
    while (room > 0) {
      const frame = stack[stack.length - 1];
      if (!frame) return false;
      if (frame.next >= frame.names.length) {
        stack.pop();
        continue;
      }
      const name = frame.names[frame.next++] as string;
      this.visit(frame.prefix + name, frame.relPrefix + name, out);
      room--;
    }
    return stack.length > 0;
  }

  private skip(rel: string, path: string, out: SourceEntry[]): void {
    out.push({ index: this.index++, rel, path, kind: 'skip', mode: 0, mtimeNs: 0n, size: 0 });
  }

  /** Lists a directory and appends its entry; its entries come next. */
  private enter(path: string, rel: string, stat: BigIntStats, out: SourceEntry[]): void {
    let names: string[];
    const prefix = path.endsWith(sep) ? path : path + sep;
    const relPrefix = rel ? `${rel}/` : '';
    try {
      if (this.accept) {
        const accept = this.accept;
        names = [];
        for (const dirent of readdirSync(path, { withFileTypes: true })) {
          const name = dirent.name;
          if (accept(prefix + name, relPrefix + name, name, dirent.isDirectory())) names.push(name);
        }
      } else {
        names = readdirSync(path);
      }
    } catch (error) {
      this.onProblem(problemFor(path, error));
      this.skip(rel, path, out);
      return;
    }
    names.sort();
    out.push({ index: this.index++, rel, path, kind: 'dir', mode: Number(stat.mode), mtimeNs: stat.mtimeNs, size: 0, names });
    this.stack.push({ prefix, relPrefix, names, next: 0 });
  }

  private visit(path: string, rel: string, out: SourceEntry[]): void {
    let st: BigIntStats | undefined;
    try {
      st = lstatSync(path, { bigint: true, throwIfNoEntry: false });
    } catch (error) {
      this.onProblem(problemFor(path, error));
      return this.skip(rel, path, out);
    }
    if (!st) {
      this.onProblem(new VanishedFileError(`${path} vanished during the walk`, { path }));
      this.skip(rel, path, out);
    } else if (st.isFile()) {
      out.push({ index: this.index++, rel, path, kind: 'file', mode: Number(st.mode), mtimeNs: st.mtimeNs, size: Number(st.size) });
    } else if (st.isDirectory()) {
      this.enter(path, rel, st, out);
    } else if (st.isSymbolicLink()) {
      let target: string;
      try {
        target = readlinkSync(path);
      } catch (error) {
        this.onProblem(problemFor(path, error));
        return this.skip(rel, path, out);
      }
      const entry: SourceEntry = { index: this.index++, rel, path, kind: 'link', mode: Number(st.mode), mtimeNs: st.mtimeNs, size: 0, linkTarget: target };
      // execnet rsync.py _send_link_structure: absolute links into the tree are rebased onto the target.
      if (isAbsolute(target)) {
        const inside = relative(this.absRoot, target);
        if (inside === '' || (!inside.startsWith('..') && !isAbsolute(inside))) entry.linkBase = inside.split(sep).join('/');
      }
      out.push(entry);
    } else {
      const kind = specialKind(st);
      this.onProblem(new SpecialFileError(`cannot sync ${path}: it is a ${kind}`, { path, kind }));
      this.skip(rel, path, out);
    }
  }
}

/** The error reported for an entry that could not be listed or read. */
export function problemFor(path: string, error: unknown): RSyncError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new VanishedFileError(`${path} vanished during the sync`, { path, cause: error });
  return new UnreadableFileError(`cannot read ${path} (${code ?? String(error)})`, { path, cause: error });
}

function specialKind(st: BigIntStats): string {
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isBlockDevice()) return 'block device';
  if (st.isCharacterDevice()) return 'character device';
  return 'unknown file type';
}

/** The mtime as Python's `st_mtime` float: `sec + nsec * 1e-9`, computed as CPython does. */
export function pythonMtime(mtimeNs: bigint): number {
  const sec = mtimeNs / 1_000_000_000n;
  const nsec = mtimeNs % 1_000_000_000n;
  return Number(sec) + Number(nsec) * 1e-9;
}

/** The mtime in whole microseconds, the resolution Node's `utimes` can set. */
export function mtimeMicros(mtimeNs: bigint): number {
  return Number(mtimeNs / 1000n);
}
