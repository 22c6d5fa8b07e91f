/** One compiled include or exclude pattern. */
interface Pattern {
  regex: RegExp;
  /** Matched against the whole relative path (pattern has a `/`), else against the name. */
  anchored: boolean;
  /** Pattern ended with `/`: directories only. */
  dirOnly: boolean;
}

/**
 * Decides which entries of the source tree take part, from rsync-like glob patterns.
 * A pattern without `/` matches a name at any depth (`*.pyc`, `__pycache__/`); with a `/`
 * it matches the path from the source root (`build/out`, `/docs/*.md`). `*` and `?` stay
 * within one name, `**` crosses `/`, `[abc]` is a class, a trailing `/` means directories only.
 * An entry is left out when an exclude pattern matches it and no include pattern does.
 */
export class PathFilter {
  private readonly include: Pattern[];
  private readonly exclude: Pattern[];

  constructor(include: readonly string[] = [], exclude: readonly string[] = []) {
    this.include = include.map(compilePattern);
    this.exclude = exclude.map(compilePattern);
  }

  /** True when there are no patterns (every entry is kept). */
  get isEmpty(): boolean {
    return this.exclude.length === 0;
  }

  /** Whether the entry at `rel` (relative, `/`-separated) with base name `name` is kept. */
  accepts(rel: string, name: string, isDir: boolean): boolean {
    if (!matchesAny(this.exclude, rel, name, isDir)) return true;
    return matchesAny(this.include, rel, name, isDir);
  }
}

function matchesAny(patterns: readonly Pattern[], rel: string, name: string, isDir: boolean): boolean {
  for (const p of patterns) {
    if (p.dirOnly && !isDir) continue;
    if (p.regex.test(p.anchored ? rel : name)) return true;
  }
  return false;
}

/** Compiles one glob pattern to a regular expression over a name or a relative path. */
export function compilePattern(pattern: string): Pattern {
  if (typeof pattern !== 'string' || pattern === '' || pattern === '/') throw new TypeError(`invalid filter pattern ${JSON.stringify(pattern)}`);
  let body = pattern;
  const dirOnly = body.endsWith('/');
  if (dirOnly) body = body.replace(/\/+$/, '');
  const anchored = body.includes('/');
  if (anchored) body = body.replace(/^\/+/, '');
  return { regex: new RegExp(`^${globToRegex(body)}$`, 'u'), anchored, dirOnly };
}

function globToRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches zero or more whole directories; a bare `**` anything.
        if (glob[i + 2] === '/') {
          out += '(?:.*/)?';
          i += 2;
        } else {
          out += '.*';
          i += 1;
        }
      } else {
        out += '[^/]*';
      }
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      let cls = glob.slice(i + 1, end);
      const negate = cls.startsWith('!') || cls.startsWith('^');
      if (negate) cls = cls.slice(1);
      out += `[${negate ? '^' : ''}${cls.replace(/[\\\]]/g, '\\$&')}]`;
      i = end;
    } else {
      out += c.replace(/[.+^${}()|\\/]/g, '\\$&');
    }
  }
  return out;
}
