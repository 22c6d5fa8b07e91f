import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { splitShellWords } from '@execnet/core';
import { sshLog } from './debug.js';
import { SshConfigError } from './errors.js';
import { matchPattern, matchPatternList } from './patterns.js';

const log = sshLog('config');

/** One `Host` or `Match` line that guards the lines after it. */
type Block = { kind: 'host'; patterns: string[] } | { kind: 'match'; criteria: Array<[string, string | undefined]> };

/** One keyword line of a config file, with the blocks (of this file and of including files) that guard it. */
export interface ConfigEntry {
  readonly keyword: string;
  readonly args: readonly string[];
  readonly blocks: readonly Block[];
  readonly file: string;
  readonly line: number;
}

/** What a config file's `Match` criteria are evaluated against. */
export interface MatchContext {
  /** The host as given on the command line (alias). */
  originalHost: string;
  /** The host name so far (after `HostName`, if seen). */
  host: string;
  /** The remote user so far. */
  user: string;
  /** The local user. */
  localUser: string;
}

/** Keywords whose every occurrence counts (OpenSSH accumulates them); all others: first value wins. */
const MULTI_KEYWORDS = new Set(['identityfile']);
const MAX_INCLUDE_DEPTH = 16;

/**
 * Reads an ssh_config file into entries, following `Include` (relative paths are looked up in
 * `includeDir`: `~/.ssh` for the user's file, `/etc/ssh` for the system's; `*` and `?` are
 * expanded in the last path component). A missing file gives no entries.
 * @throws {SshConfigError} for an unreadable file or a malformed line
 */
export function readConfigFile(file: string, options: { includeDir: string; home: string; mustExist?: boolean }): ConfigEntry[] {
  return readInto(file, options, [], 0, options.mustExist ?? false);
}

function readInto(file: string, options: { includeDir: string; home: string }, outer: readonly Block[], depth: number, mustExist: boolean): ConfigEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !mustExist) return [];
    throw new SshConfigError(`cannot read ssh config: ${(error as Error).message}`, { file, cause: error });
  }
  const entries: ConfigEntry[] = [];
  let block: Block | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^([A-Za-z0-9]+)(?:\s*=\s*|\s+)(.*)$/.exec(line);
    if (!match) throw new SshConfigError(`cannot parse '${line}'`, { file, line: lineNo });
    const keyword = match[1]!.toLowerCase();
    let args: string[];
    try {
      args = splitShellWords(match[2]!);
    } catch (error) {
      throw new SshConfigError((error as Error).message, { file, line: lineNo, cause: error });
    }
    if (args.length === 0) throw new SshConfigError(`${match[1]} needs a value`, { file, line: lineNo });
    if (keyword === 'host') {
      block = { kind: 'host', patterns: args };
    } else if (keyword === 'match') {
      block = { kind: 'match', criteria: parseMatch(args, file, lineNo) };
    } else {
      const blocks = block ? [...outer, block] : outer;
      if (keyword === 'include') {
        if (depth >= MAX_INCLUDE_DEPTH) throw new SshConfigError('Include nested too deeply', { file, line: lineNo });
        for (const pattern of args) {
          for (const included of expandInclude(pattern, options)) entries.push(...readInto(included, options, blocks, depth + 1, false));
        }
      } else {
        entries.push({ keyword, args, blocks, file, line: lineNo });
      }
    }
  });
  return entries;
}

function parseMatch(args: string[], file: string, line: number): Array<[string, string | undefined]> {
  const criteria: Array<[string, string | undefined]> = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i]!.toLowerCase();
    if (name === 'all' || name === 'canonical' || name === 'final' || name === '!canonical' || name === '!final') {
      criteria.push([name, undefined]);
    } else {
      if (i + 1 >= args.length) throw new SshConfigError(`Match ${name} needs an argument`, { file, line });
      criteria.push([name, args[++i]]);
    }
  }
  return criteria;
}

function expandInclude(pattern: string, options: { includeDir: string; home: string }): string[] {
  let path = pattern.startsWith('~/') ? join(options.home, pattern.slice(2)) : pattern;
  if (!isAbsolute(path)) path = join(options.includeDir, path);
  const name = basename(path);
  if (!/[*?]/.test(name)) return [path];
  const dir = dirname(path);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((entry) => matchPattern(entry, name) && safeIsFile(join(dir, entry)))
    .sort()
    .map((entry) => join(dir, entry));
}

function safeIsFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The settings that apply to one host: OpenSSH's rules, where the first value obtained for a
 * keyword wins (`IdentityFile` accumulates). `seed` holds values that are already fixed (the
 * command line); they win over the files. `HostName` and `User` found on the way feed the
 * `Match host`/`Match user` criteria of later lines.
 */
export function evaluateConfig(entries: readonly ConfigEntry[], context: MatchContext, seed: ReadonlyArray<readonly [string, string]> = []): ConfigValues {
  const values = new ConfigValues();
  for (const [keyword, value] of seed) values.add(keyword, [value], undefined);
  const ctx = { ...context };
  // Values fixed on the command line count for Match criteria from the start.
  const seededHost = values.first('hostname');
  if (seededHost !== undefined) ctx.host = seededHost.replace(/%h/g, context.originalHost);
  ctx.user = values.first('user') ?? ctx.user;
  for (const entry of entries) {
    if (!entry.blocks.every((block) => blockMatches(block, ctx))) continue;
    if (entry.keyword === 'proxycommand' && values.get('proxyjump') === undefined && entry.args[0]?.toLowerCase() !== 'none') {
      throw new SshConfigError('ProxyCommand is not supported by the ssh transport: use ProxyJump', { file: entry.file, line: entry.line });
    }
    values.add(entry.keyword, entry.args, { file: entry.file, line: entry.line });
    if (entry.keyword === 'hostname') ctx.host = values.first('hostname')!.replace(/%h/g, context.originalHost);
    if (entry.keyword === 'user') ctx.user = values.first('user')!;
  }
  return values;
}

function blockMatches(block: Block, ctx: MatchContext): boolean {
  if (block.kind === 'host') return matchPatternList(ctx.originalHost, block.patterns);
  for (const [rawName, arg] of block.criteria) {
    const negate = rawName.startsWith('!');
    const name = negate ? rawName.slice(1) : rawName;
    let result: boolean;
    switch (name) {
      case 'all':
      case 'final': // we evaluate once, so this is the final pass
        result = true;
        break;
      case 'canonical':
        result = false;
        break;
      case 'host':
        result = matchPatternList(ctx.host, arg!.split(','));
        break;
      case 'originalhost':
        result = matchPatternList(ctx.originalHost, arg!.split(','));
        break;
      case 'user':
        result = matchPatternList(ctx.user, arg!.split(','));
        break;
      case 'localuser':
        result = matchPatternList(ctx.localUser, arg!.split(','));
        break;
      default:
        // exec, localnetwork, tagged, …: not evaluated; the block is treated as not matching.
        log(`Match ${name} is not supported: block skipped`);
        return false;
    }
    if (result === negate) return false;
  }
  return true;
}

/** A line of a config file. */
export interface ConfigOrigin {
  file: string;
  line: number;
}

/** Keyword values found for one host; see {@link evaluateConfig}. */
export class ConfigValues {
  private readonly values = new Map<string, string[]>();
  private readonly multi = new Map<string, string[]>();
  private readonly origins = new Map<string, ConfigOrigin | undefined>();

  /** Records a line; ignored when the keyword already has a value (unless it accumulates). */
  add(keyword: string, args: readonly string[], origin: ConfigOrigin | undefined): void {
    if (MULTI_KEYWORDS.has(keyword)) {
      const list = this.multi.get(keyword) ?? [];
      list.push(...args);
      this.multi.set(keyword, list);
      return;
    }
    if (this.values.has(keyword)) return;
    this.values.set(keyword, [...args]);
    this.origins.set(keyword, origin);
  }

  /** All arguments of the winning line (e.g. several `UserKnownHostsFile` paths). */
  get(keyword: string): readonly string[] | undefined {
    return this.values.get(keyword);
  }

  /** The first argument of the winning line. */
  first(keyword: string): string | undefined {
    return this.values.get(keyword)?.[0];
  }

  /** Every value of an accumulating keyword, in order. */
  all(keyword: string): readonly string[] {
    return this.multi.get(keyword) ?? [];
  }

  /** The config line the winning value came from; undefined for the command line. */
  origin(keyword: string): ConfigOrigin | undefined {
    return this.origins.get(keyword);
  }
}
