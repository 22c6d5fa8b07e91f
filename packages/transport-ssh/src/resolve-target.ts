import { join } from 'node:path';
import { SpecError } from '@execnet/core';
import { sshLog } from './debug.js';
import { SshConfigError } from './errors.js';
import type { HostKeyPolicy, StrictHostKeyChecking } from './known-hosts.js';
import { knownHostsName } from './known-hosts.js';
import { checkValue, parseDestination, type SshArgs } from './ssh-args.js';
import { evaluateConfig, readConfigFile, type ConfigEntry, type ConfigValues } from './ssh-config.js';

const log = sshLog('resolve');

/** Everything needed to open one SSH connection, resolved from args, ssh_config and defaults. */
export interface SshTarget {
  /** The host as the user named it (an alias, or the host name). */
  readonly alias: string;
  /** The host name to connect to (`HostName`, else the alias). */
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Key files to try, `~` and `%` tokens expanded. */
  readonly identityFiles: readonly string[];
  /** True when the files were given (`-i`, `IdentityFile`): missing ones are then reported. */
  readonly identityFilesGiven: boolean;
  readonly identitiesOnly: boolean;
  /** The ssh-agent socket, if any. */
  readonly agent: string | undefined;
  readonly hostKey: HostKeyPolicy;
  /** TCP connect timeout in ms (`ConnectTimeout`), if set. */
  readonly connectTimeout: number | undefined;
  /** `ServerAliveInterval` in ms; 0 turns keepalive probes off. */
  readonly keepaliveInterval: number;
  readonly keepaliveCountMax: number;
  readonly compression: boolean;
  readonly family: 0 | 4 | 6;
  readonly tcpKeepAlive: boolean;
  /** The jump host to connect through (`ProxyJump`, `-J`), itself resolved. */
  readonly jump: SshTarget | undefined;
}

/** Settings of the transport that resolution depends on. */
export interface ResolveSettings {
  /** For `~` and the default files. */
  home: string;
  localUser: string;
  /** The user's ssh_config, unless a config file is given. `false`: none. */
  userConfigFile: string | false;
  /** The system-wide ssh_config, unless a config file is given. `false`: none. */
  systemConfigFile: string | false;
  /** Agent socket when the config names none; `false` never uses an agent. */
  agent: string | false | undefined;
  /** Keepalive interval in seconds when ssh_config sets none. */
  defaultServerAliveInterval: number;
  /** Environment for `${VAR}` and `IdentityAgent SSH_AUTH_SOCK`. */
  env: NodeJS.ProcessEnv;
}

const DEFAULT_IDENTITIES = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_xmss', 'id_dsa'];
const MAX_JUMPS = 8;

/**
 * Resolves a destination the way OpenSSH does: command line options first, then the matching
 * `Host`/`Match` blocks of the config files (first value wins), then defaults. `configFile`
 * (`-F`, or the spec's `ssh_config=`) replaces the user and system files.
 * @throws {SpecError} for bad values or a ProxyJump loop
 * @throws {SshConfigError} for an unreadable or unsupported config file
 */
export function resolveTarget(args: SshArgs, settings: ResolveSettings, configFile?: string): SshTarget {
  const file = args.configFile ?? configFile;
  const entries = loadConfig(settings, file);
  const seed: Array<readonly [string, string]> = [...args.options];
  if (args.destinationUser !== undefined) seed.push(['user', args.destinationUser]);
  if (args.destinationPort !== undefined) seed.push(['port', String(args.destinationPort)]);
  return resolveHost(args.host, seed, entries, settings, 0);
}

function loadConfig(settings: ResolveSettings, file: string | undefined): ConfigEntry[] {
  const { home } = settings;
  if (file !== undefined) {
    return readConfigFile(expandHome(file, home), { includeDir: join(home, '.ssh'), home, mustExist: true });
  }
  const entries: ConfigEntry[] = [];
  if (settings.userConfigFile !== false) entries.push(...readConfigFile(settings.userConfigFile, { includeDir: join(home, '.ssh'), home }));
  if (settings.systemConfigFile !== false) entries.push(...readConfigFile(settings.systemConfigFile, { includeDir: '/etc/ssh', home }));
  return entries;
}

function resolveHost(alias: string, seed: ReadonlyArray<readonly [string, string]>, entries: ConfigEntry[], settings: ResolveSettings, depth: number): SshTarget {
  if (depth > MAX_JUMPS) throw new SpecError(`ProxyJump chain to ${alias} is longer than ${MAX_JUMPS} hops (a loop?)`, { item: alias });
  const values = evaluateConfig(entries, { originalHost: alias, host: alias, user: settings.localUser, localUser: settings.localUser }, seed);
  for (const keyword of ['port', 'connecttimeout', 'serveraliveinterval', 'serveralivecountmax', 'stricthostkeychecking', 'compression', 'addressfamily']) {
    const value = values.first(keyword);
    const origin = values.origin(keyword);
    if (value === undefined || !origin) continue; // command line values were checked by parseSshArgs
    try {
      checkValue(keyword, value, value);
    } catch (error) {
      throw new SshConfigError((error as Error).message, { ...origin, cause: error });
    }
  }
  const host = (values.first('hostname') ?? alias).replace(/%h/g, alias).replace(/%%/g, '%');
  const port = Number(values.first('port') ?? 22);
  const user = values.first('user') ?? settings.localUser;
  const tokens = { alias, host, port, user, settings };
  const expand = (path: string) => expandTokens(path, tokens);

  const given = values.all('identityfile');
  const identityFiles = given.length ? given.map(expand) : DEFAULT_IDENTITIES.map((name) => join(settings.home, '.ssh', name));

  const strictValue = (values.first('stricthostkeychecking') ?? 'ask').toLowerCase();
  const strict: StrictHostKeyChecking = strictValue === 'accept-new' ? 'accept-new' : strictValue === 'no' || strictValue === 'off' ? 'no' : 'yes';
  const fileList = (keyword: string, defaults: string[]) => {
    const list = values.get(keyword);
    if (!list) return defaults;
    return list.some((path) => path.toLowerCase() === 'none') ? [] : list.map(expand);
  };
  const hostKey: HostKeyPolicy = {
    name: values.first('hostkeyalias') ?? knownHostsName(host, port),
    userFiles: fileList('userknownhostsfile', [join(settings.home, '.ssh', 'known_hosts'), join(settings.home, '.ssh', 'known_hosts2')]),
    globalFiles: fileList('globalknownhostsfile', ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']),
    strict,
    hashNewEntries: yes(values.first('hashknownhosts'), false),
  };

  const connectTimeout = values.first('connecttimeout');
  const aliveInterval = values.first('serveraliveinterval');
  const family = (values.first('addressfamily') ?? 'any').toLowerCase();
  return {
    alias,
    host,
    port,
    user,
    identityFiles,
    identityFilesGiven: given.length > 0,
    identitiesOnly: yes(values.first('identitiesonly'), false),
    agent: resolveAgent(values, settings, expand),
    hostKey,
    connectTimeout: connectTimeout === undefined || connectTimeout === 'none' || connectTimeout === '0' ? undefined : Number(connectTimeout) * 1000,
    keepaliveInterval: Number(aliveInterval ?? settings.defaultServerAliveInterval) * 1000,
    keepaliveCountMax: Number(values.first('serveralivecountmax') ?? 3),
    compression: yes(values.first('compression'), false),
    family: family === 'inet' ? 4 : family === 'inet6' ? 6 : 0,
    tcpKeepAlive: yes(values.first('tcpkeepalive'), true),
    jump: resolveJump(values.first('proxyjump'), entries, settings, depth),
  };
}

/** `ProxyJump a,b,c`: the last hop is the jump host, reached through the hops before it. */
function resolveJump(value: string | undefined, entries: ConfigEntry[], settings: ResolveSettings, depth: number): SshTarget | undefined {
  if (value === undefined || value.toLowerCase() === 'none') return undefined;
  const hops = value.split(',').map((hop) => hop.trim()).filter(Boolean);
  let previous: SshTarget | undefined;
  for (const [index, hop] of hops.entries()) {
    const { host, user, port } = parseDestination(hop, `ProxyJump ${value}`, true);
    const seed: Array<readonly [string, string]> = [];
    if (user !== undefined) seed.push(['user', user]);
    if (port !== undefined) seed.push(['port', String(port)]);
    // Later hops go through the earlier ones, whatever their own config says.
    if (index > 0) seed.push(['proxyjump', hops.slice(0, index).join(',')]);
    previous = resolveHost(host, seed, entries, settings, depth + 1);
  }
  return previous;
}

function resolveAgent(values: ConfigValues, settings: ResolveSettings, expand: (path: string) => string): string | undefined {
  if (settings.agent === false) return undefined;
  const configured = values.first('identityagent');
  if (configured !== undefined) {
    if (configured.toLowerCase() === 'none') return undefined;
    if (configured === 'SSH_AUTH_SOCK') return settings.env.SSH_AUTH_SOCK || undefined;
    if (configured.startsWith('$')) return settings.env[configured.slice(1)] || undefined;
    return expand(configured);
  }
  return settings.agent ?? (settings.env.SSH_AUTH_SOCK || undefined);
}

function yes(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  return value.toLowerCase() === 'yes' || value.toLowerCase() === 'true';
}

function expandHome(path: string, home: string): string {
  return path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : path;
}

/** OpenSSH's `~`, `${VAR}` and `%` tokens in file names (`ssh_config(5)` TOKENS). */
function expandTokens(path: string, tokens: { alias: string; host: string; port: number; user: string; settings: ResolveSettings }): string {
  const { settings } = tokens;
  const expanded = expandHome(path, settings.home)
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => settings.env[name] ?? '')
    .replace(/%(.)/g, (whole, token: string) => {
      switch (token) {
        case '%':
          return '%';
        case 'd':
          return settings.home;
        case 'u':
          return settings.localUser;
        case 'h':
          return tokens.host;
        case 'n':
          return tokens.alias;
        case 'r':
          return tokens.user;
        case 'p':
          return String(tokens.port);
        default:
          log(`token ${whole} in '${path}' is not supported; left as is`);
          return whole;
      }
    });
  return expanded;
}
