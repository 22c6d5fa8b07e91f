import { SpecError, splitShellWords } from '@execnet/core';

/**
 * The `ssh=ARGS` words of a spec, parsed like OpenSSH's command line: the destination and
 * the options given on it. Options keep OpenSSH's rule that the first value obtained wins.
 */
export interface SshArgs {
  /** The destination host as given: an alias from ssh_config or a host name. */
  readonly host: string;
  /** `user@` of the destination (weaker than `-l` and `-o User=`). */
  readonly destinationUser: string | undefined;
  /** `ssh://host:port` destination port (weaker than `-p` and `-o Port=`). */
  readonly destinationPort: number | undefined;
  /** `-F FILE`: the only config file to read. */
  readonly configFile: string | undefined;
  /**
   * Options from `-o Name=value`, `-p`, `-l`, `-i`, `-J`, `-C`, `-4`, `-6`, by lowercase
   * ssh_config keyword, in command line order. `identityfile` may repeat.
   */
  readonly options: ReadonlyArray<readonly [keyword: string, value: string]>;
}

/** ssh flags that take an argument, mapped to the ssh_config keyword they set. */
const VALUE_FLAGS: Record<string, string | undefined> = {
  p: 'port',
  l: 'user',
  i: 'identityfile',
  J: 'proxyjump',
  F: undefined, // config file, handled apart
  o: undefined, // -o Name=value, handled apart
};
/** Flags without argument that mean something here. */
const SWITCHES: Record<string, readonly [string, string]> = {
  C: ['compression', 'yes'],
  '4': ['addressfamily', 'inet'],
  '6': ['addressfamily', 'inet6'],
};
/** Flags without argument that change nothing for an execnet worker (verbosity, tty, X11, agent forwarding). */
const HARMLESS_SWITCHES = new Set(['q', 'v', 'T', 'x', 'X', 'Y', 'a', 'A', 'k', 'K', 'g', 'n']);
/** Flags OpenSSH knows that we cannot honour; rejected with a clear error. */
const UNSUPPORTED_VALUE_FLAGS = new Set(['B', 'b', 'c', 'D', 'E', 'e', 'I', 'L', 'm', 'O', 'P', 'Q', 'R', 'S', 'W', 'w']);
const UNSUPPORTED_SWITCHES = new Set(['f', 'G', 'M', 'N', 's', 't', 'V']);

/**
 * The `-o` keywords this transport applies; see README. Others that only tune what we do not
 * do anyway are accepted and ignored ({@link IGNORED_KEYWORDS}); anything else is an error.
 */
export const SUPPORTED_KEYWORDS = new Set([
  'hostname', 'port', 'user', 'identityfile', 'identitiesonly', 'identityagent', 'proxyjump',
  'stricthostkeychecking', 'userknownhostsfile', 'globalknownhostsfile', 'hashknownhosts',
  'hostkeyalias', 'connecttimeout', 'serveraliveinterval', 'serveralivecountmax', 'compression',
  'addressfamily', 'tcpkeepalive', 'batchmode',
]);
/** Keywords that make no difference to this transport (it never prompts, forwards or logs). */
export const IGNORED_KEYWORDS = new Set([
  'loglevel', 'checkhostip', 'forwardagent', 'forwardx11', 'forwardx11trusted', 'requesttty',
  'sendenv', 'setenv', 'passwordauthentication', 'kbdinteractiveauthentication',
  'challengeresponseauthentication', 'gssapiauthentication', 'gssapidelegatecredentials',
  'controlmaster', 'controlpath', 'controlpersist', 'visualhostkey', 'updatehostkeys',
  'addkeystoagent', 'numberofpasswordprompts', 'preferredauthentications', 'pubkeyauthentication',
  'escapechar', 'exitonforwardfailure', 'clearallforwardings', 'verifyhostkeydns', 'usekeychain',
  'canonicalizehostname', 'hostbasedauthentication', 'permitlocalcommand', 'ipqos',
  'userknownhostsfile2',
]);

/**
 * Parses the value of `ssh=` (spec §4.3), e.g. `-p 2222 -i key -o StrictHostKeyChecking=yes me@host`.
 * Words are split with shell rules; flags may be joined to their value (`-p2222`, `-oPort=22`).
 * @throws {SpecError} for a missing destination, words after it, an unknown or unsupported
 *   flag or `-o` keyword, or a bad value
 */
export function parseSshArgs(value: string): SshArgs {
  const words = splitShellWords(value);
  const options: Array<[string, string]> = [];
  let configFile: string | undefined;
  let destination: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (destination !== undefined) {
      throw specError(`unexpected '${word}' after the destination '${destination}': the remote command is execnet's own`, value, word);
    }
    if (!word.startsWith('-') || word === '-') {
      destination = word;
      continue;
    }
    if (word === '--') {
      destination = words[++i];
      continue;
    }
    // A cluster of switches such as -Cq, possibly ending in a flag with its value (-Cp22).
    for (let j = 1; j < word.length; j++) {
      const flag = word[j]!;
      if (flag in VALUE_FLAGS || UNSUPPORTED_VALUE_FLAGS.has(flag)) {
        let arg = word.slice(j + 1);
        if (arg === '') {
          if (i + 1 >= words.length) throw specError(`ssh option -${flag} needs a value`, value, word);
          arg = words[++i]!;
        }
        if (UNSUPPORTED_VALUE_FLAGS.has(flag)) throw specError(`ssh option -${flag} is not supported by the ssh transport`, value, `-${flag}`);
        if (flag === 'F') configFile ??= arg;
        else if (flag === 'o') options.push(parseOption(arg, value));
        else options.push([VALUE_FLAGS[flag]!, arg]);
        break;
      }
      if (SWITCHES[flag]) options.push([...SWITCHES[flag]!]);
      else if (UNSUPPORTED_SWITCHES.has(flag)) throw specError(`ssh option -${flag} is not supported by the ssh transport`, value, `-${flag}`);
      else if (!HARMLESS_SWITCHES.has(flag)) throw specError(`unknown ssh option -${flag}`, value, `-${flag}`);
    }
  }
  if (destination === undefined || destination === '') throw specError(`ssh=${value} names no host`, value, `ssh=${value}`);
  const { host, user, port } = parseDestination(destination, value);
  for (const [keyword, optionValue] of options) checkValue(keyword, optionValue, value);
  return { host, destinationUser: user, destinationPort: port, configFile, options };
}

/** Splits `[user@]host`, `ssh://[user@]host[:port]` and `[user@]host[:port]` (jump hosts). */
export function parseDestination(destination: string, spec = destination, allowPort = false): { host: string; user?: string; port?: number } {
  let rest = destination;
  let port: number | undefined;
  const uri = rest.startsWith('ssh://');
  if (uri) rest = rest.slice('ssh://'.length).replace(/\/$/, '');
  const at = rest.lastIndexOf('@');
  const user = at >= 0 ? rest.slice(0, at) : undefined;
  rest = at >= 0 ? rest.slice(at + 1) : rest;
  if (uri || allowPort) {
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
    const plain = /^([^:]+):(\d+)$/.exec(rest);
    const match = bracketed ?? plain;
    if (match) {
      rest = match[1]!;
      if (match[2] !== undefined) port = parsePort(match[2], spec);
    }
  }
  if (rest === '' || user === '') throw specError(`bad ssh destination '${destination}'`, spec, destination);
  return { host: rest, user, port };
}

function parseOption(arg: string, spec: string): [string, string] {
  const match = /^\s*([A-Za-z0-9]+)\s*(?:=\s*|\s+)(.*)$/.exec(arg);
  if (!match || match[2] === '') throw specError(`bad ssh option '-o ${arg}': expected -o Name=value`, spec, `-o ${arg}`);
  const keyword = match[1]!.toLowerCase();
  if (keyword === 'proxycommand') {
    throw specError('ProxyCommand is not supported by the ssh transport: use ProxyJump (-J)', spec, `-o ${arg}`);
  }
  if (!SUPPORTED_KEYWORDS.has(keyword) && !IGNORED_KEYWORDS.has(keyword)) {
    throw specError(`ssh option '${match[1]}' is not supported by the ssh transport`, spec, `-o ${arg}`);
  }
  return [keyword, match[2]!.trim()];
}

/** Validates the values the transport interprets, so mistakes fail at parse time. */
export function checkValue(keyword: string, value: string, spec: string): void {
  const item = `${keyword}=${value}`;
  switch (keyword) {
    case 'port':
      parsePort(value, spec);
      break;
    case 'connecttimeout':
    case 'serveraliveinterval':
    case 'serveralivecountmax':
      if (!/^\d+$/.test(value) && !(keyword === 'connecttimeout' && value === 'none')) {
        throw specError(`${keyword} must be a whole number of ${keyword === 'serveralivecountmax' ? 'probes' : 'seconds'}, got '${value}'`, spec, item);
      }
      break;
    case 'stricthostkeychecking':
      if (!['yes', 'no', 'off', 'ask', 'accept-new'].includes(value.toLowerCase())) {
        throw specError(`StrictHostKeyChecking must be yes, accept-new, no or ask, got '${value}'`, spec, item);
      }
      break;
    case 'compression':
    case 'identitiesonly':
    case 'hashknownhosts':
    case 'tcpkeepalive':
    case 'batchmode':
      if (!['yes', 'no', 'true', 'false'].includes(value.toLowerCase())) throw specError(`${keyword} must be yes or no, got '${value}'`, spec, item);
      break;
    case 'addressfamily':
      if (!['any', 'inet', 'inet6'].includes(value.toLowerCase())) throw specError(`AddressFamily must be any, inet or inet6, got '${value}'`, spec, item);
      break;
  }
}

function parsePort(text: string, spec: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) throw specError(`bad ssh port '${text}'`, spec, text);
  return port;
}

function specError(message: string, spec: string, item: string): SpecError {
  return new SpecError(message, { spec: `ssh=${spec}`, item });
}
