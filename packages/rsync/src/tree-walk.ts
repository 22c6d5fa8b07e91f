import { lstatSync, readdirSync, readlinkSync, statSync, type BigIntStats, type Dirent } from 'node:fs';
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
  /** Whether an entry takes part (`path` is the local path, as execnet's `filter` gets it). */
  accept: (path: string, rel: string, name: string, isDir: boolean) => boolean;
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

/**
 * Walks the source tree depth-first, yielding each directory before its entries, which
 * follow in name order. Entries that cannot be sent are yielded as `skip` (so both sides
 * still agree on positions) and reported through `onProblem`.
 */
export function* walkTree(options: WalkOptions, rootStat: BigIntStats): Generator<SourceEntry, void, undefined> {
  const { root, accept, onProblem } = options;
  const absRoot = resolve(root);
  let index = 0;

  const skip = (rel: string, path: string): SourceEntry => ({ index: index++, rel, path, kind: 'skip', mode: 0, mtimeNs: 0n, size: 0 });

  function* visitDir(path: string, rel: string, stat: BigIntStats): Generator<SourceEntry, void, undefined> {
    let dirents: Dirent[];
    try {
      dirents = readdirSync(path, { withFileTypes: true });
    } catch (error) {
      onProblem(problemFor(path, error));
      yield skip(rel, path);
      return;
    }
    const names: string[] = [];
    for (const dirent of dirents) {
      const name = dirent.name;
      if (accept(path + sep + name, rel ? `${rel}/${name}` : name, name, dirent.isDirectory())) names.push(name);
    }
    names.sort();
    yield { index: index++, rel, path, kind: 'dir', mode: Number(stat.mode), mtimeNs: stat.mtimeNs, size: 0, names };
    for (const name of names) {
      const childPath = path + sep + name;
      const childRel = rel ? `${rel}/${name}` : name;
      let st: BigIntStats | undefined;
      try {
        st = lstatSync(childPath, { bigint: true, throwIfNoEntry: false });
      } catch (error) {
        onProblem(problemFor(childPath, error));
        yield skip(childRel, childPath);
        continue;
      }
      if (!st) {
        onProblem(new VanishedFileError(`${childPath} vanished during the walk`, { path: childPath }));
        yield skip(childRel, childPath);
      } else if (st.isDirectory()) {
        yield* visitDir(childPath, childRel, st);
      } else if (st.isFile()) {
        yield { index: index++, rel: childRel, path: childPath, kind: 'file', mode: Number(st.mode), mtimeNs: st.mtimeNs, size: Number(st.size) };
      } else if (st.isSymbolicLink()) {
        let target: string;
        try {
          target = readlinkSync(childPath);
        } catch (error) {
          onProblem(problemFor(childPath, error));
          yield skip(childRel, childPath);
          continue;
        }
        const entry: SourceEntry = { index: index++, rel: childRel, path: childPath, kind: 'link', mode: Number(st.mode), mtimeNs: st.mtimeNs, size: 0, linkTarget: target };
        // execnet rsync.py _send_link_structure: absolute links into the tree are rebased onto the target.
        if (isAbsolute(target)) {
          const inside = relative(absRoot, target);
          if (inside === '' || (!inside.startsWith('..') && !isAbsolute(inside))) entry.linkBase = inside.split(sep).join('/');
        }
        yield entry;
      } else {
        const kind = specialKind(st);
        onProblem(new SpecialFileError(`cannot sync ${childPath}: it is a ${kind}`, { path: childPath, kind }));
        yield skip(childRel, childPath);
      }
    }
  }

  yield* visitDir(root, '', rootStat);
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
