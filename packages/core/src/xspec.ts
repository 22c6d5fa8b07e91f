import { SpecError } from './errors.js';

const xspecSymbol = Symbol.for('@execnet/xspec');

/** A spec value: the text after the first `=`, or `true` for a bare key (`popen`). */
export type XSpecValue = string | true;

/** The kind of interpreter a worker runs on. */
export type RuntimeKind = 'node' | 'bun' | 'deno' | 'python';

/** Which worker runtime a spec asks for; see {@link XSpec.runtime}. */
export interface RuntimeSpec {
  /** The runtime key present in the spec; `node` when there is none. */
  readonly kind: RuntimeKind;
  /** The value of that key (a path or, for `python`, a shell-style command line), if given. */
  readonly command?: string;
}

const RUNTIME_KEYS: readonly RuntimeKind[] = ['node', 'bun', 'deno', 'python'];

/** The transports core knows by name; more can be registered, under any other key. */
const BUILTIN_TRANSPORTS = ['popen', 'ssh', 'socket', 'vagrant_ssh'];

/** Keys that configure any gateway, as opposed to naming its transport. */
const GENERAL_KEYS = new Set([
  'id', 'python', 'node', 'bun', 'deno', 'chdir', 'nice', 'execmodel', 'dont_write_bytecode',
  'via', 'installvia', 'codec', 'ssh_config',
]);

/** Known keys that are meaningless without a (non-empty) value; `socket` may be bare with installvia. */
const VALUE_KEYS = new Set([
  'ssh', 'vagrant_ssh', 'via', 'installvia', 'id', 'chdir', 'nice', 'execmodel', 'codec', 'ssh_config',
]);

// defineProperty, not assignment: env:__proto__ must not touch the prototype.
function defineEnv(env: Record<string, string>, name: string, value: string): void {
  Object.defineProperty(env, name, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * A parsed gateway spec such as `popen//python=python3//id=w1` or `ssh=-p 2222 me@host`.
 *
 * Grammar (spec §3): `item ("//" item)*`, each item `key` or `key=value` split at the first
 * `=`. Unknown keys are kept (`get`, `keys`) so transports can define their own;
 * `env:NAME=VALUE` items go to {@link env}. `String(spec)` is the original string, also after
 * {@link set}, and equality compares it.
 *
 * @throws {SpecError} from the constructor for an empty spec or item, a key without name,
 *   a key starting with `_`, a bare `env` or `env:NAME` without value, a duplicate key,
 *   a missing value for a key that needs one, a non-integer `nice`, two runtime keys
 *   (`node`/`bun`/`deno`/`python`) or two built-in transports
 * @example
 * const spec = new XSpec('popen//python=python3//env:LANG=C');
 * spec.transportName; // 'popen'
 * spec.runtime;       // { kind: 'python', command: 'python3' }
 * spec.env;           // { LANG: 'C' }
 * @see execnet XSpec
 */
export class XSpec {
  readonly #source: string;
  readonly #items = new Map<string, XSpecValue>();
  /** Environment variables from `env:NAME=VALUE` items, set in the worker after bootstrap. */
  readonly env: Record<string, string> = {};
  declare readonly [xspecSymbol]: true;

  constructor(spec: string) {
    if (typeof spec !== 'string') throw new SpecError(`spec must be a string, got ${typeof spec}`);
    this.#source = spec;
    if (spec === '') throw new SpecError('empty spec', { spec, item: '' });
    for (const item of spec.split('//')) {
      const eq = item.indexOf('=');
      const key = eq < 0 ? item : item.slice(0, eq);
      const value: XSpecValue = eq < 0 ? true : item.slice(eq + 1);
      // Python execnet silently accepts repeated env:NAME items, last one wins; so do we.
      if (this.#items.has(key) && !key.startsWith('env:')) {
        throw this.#error(`duplicate key '${key}' in spec '${spec}'`, item);
      }
      this.#assign(key, value, item);
    }
    this.#check();
  }

  #error(message: string, item?: string): SpecError {
    return new SpecError(message, { spec: this.#source, item });
  }

  #assign(key: string, value: XSpecValue, item: string): void {
    if (item === '') throw this.#error(`empty item in spec '${this.#source}'`, item);
    if (key === '') throw this.#error(`item '${item}' has no key in spec '${this.#source}'`, item);
    if (key.startsWith('_')) throw this.#error(`'${key}' is not a valid spec key`, item);
    if (key === 'env') throw this.#error(`'env' is not a valid spec key, use env:NAME=VALUE`, item);
    if (key.startsWith('env:')) {
      const name = key.slice(4);
      if (name === '') throw this.#error(`item '${item}' has no variable name`, item);
      if (value === true) throw this.#error(`item '${item}' needs a value: env:${name}=VALUE`, item);
      defineEnv(this.env, name, value);
      return;
    }
    if (VALUE_KEYS.has(key) && (value === true || value === '')) {
      throw this.#error(`spec key '${key}' needs a value: ${key}=...`, item);
    }
    if (key === 'nice' && !/^[+-]?\d+$/.test(value as string)) {
      throw this.#error(`nice must be an integer, got '${String(value)}'`, item);
    }
    this.#items.set(key, value);
  }

  #check(): void {
    const runtimes = RUNTIME_KEYS.filter((key) => this.#items.has(key));
    if (runtimes.length > 1) {
      throw this.#error(`spec names more than one runtime: ${runtimes.join(', ')}`, runtimes[1]);
    }
    const transports = BUILTIN_TRANSPORTS.filter((key) => this.#items.has(key));
    if (transports.length > 1) {
      throw this.#error(`spec names more than one transport: ${transports.join(', ')}`, transports[1]);
    }
  }

  /** The value of any key (`true` when bare), `env:NAME` included; `undefined` when absent. */
  get(key: string): XSpecValue | undefined {
    if (key.startsWith('env:')) return Object.hasOwn(this.env, key.slice(4)) ? this.env[key.slice(4)] : undefined;
    return this.#items.get(key);
  }

  /** True when the spec has `key` (bare or with a value). */
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /**
   * Sets or replaces a key, with the same validation as parsing; `makeGateway` uses it to
   * fill in `id` and `execmodel`. The original string ({@link toString}) is not changed,
   * as in Python execnet.
   * @throws {SpecError} for an invalid key or value, or a second runtime/transport key
   */
  set(key: string, value: XSpecValue): void {
    const item = value === true ? key : `${key}=${value}`;
    const previous = this.#items.get(key);
    this.#assign(key, value, item);
    try {
      this.#check();
    } catch (error) {
      if (previous === undefined) this.#items.delete(key);
      else this.#items.set(key, previous);
      throw error;
    }
  }

  /** The keys in spec order, without the `env:NAME` items (see {@link env}). */
  keys(): string[] {
    return [...this.#items.keys()];
  }

  #string(key: string): string | undefined {
    const value = this.#items.get(key);
    return value === true ? undefined : value;
  }

  /** `popen`: a subprocess on this machine. */
  get popen(): XSpecValue | undefined { return this.#items.get('popen'); }
  /** `ssh=ARGS`: OpenSSH-style arguments, normally ending with the host. */
  get ssh(): string | undefined { return this.#string('ssh'); }
  /** `socket=HOST:PORT` of a socket server; bare (`true`) with `installvia`. */
  get socket(): XSpecValue | undefined { return this.#items.get('socket'); }
  /** `vagrant_ssh=NAME`: the Vagrant machine to ssh into. */
  get vagrantSsh(): string | undefined { return this.#string('vagrant_ssh'); }
  /** `via=ID`: open this gateway through a channel of group member `ID`. */
  get via(): string | undefined { return this.#string('via'); }
  /** `installvia=ID`: socket only; start the socket server through gateway `ID` first. */
  get installvia(): string | undefined { return this.#string('installvia'); }
  /** `id=NAME`: the gateway id; otherwise `gwN` is assigned by the group. */
  get id(): string | undefined { return this.#string('id'); }
  /** `python=CMD`: run a Python execnet worker; CMD is split with {@link splitShellWords}. */
  get python(): XSpecValue | undefined { return this.#items.get('python'); }
  /** `node[=PATH]`: run a Node worker (the default runtime). */
  get node(): XSpecValue | undefined { return this.#items.get('node'); }
  /** `bun[=PATH]`: run a Bun worker. */
  get bun(): XSpecValue | undefined { return this.#items.get('bun'); }
  /** `deno[=PATH]`: run a Deno worker. */
  get deno(): XSpecValue | undefined { return this.#items.get('deno'); }
  /** `chdir=PATH`: worker creates (one level) and enters this directory after bootstrap. */
  get chdir(): string | undefined { return this.#string('chdir'); }
  /** `nice=N`: worker niceness increment, an integer string. */
  get nice(): string | undefined { return this.#string('nice'); }
  /** `execmodel=NAME`: the worker's exec model; set by `makeGateway` when absent. */
  get execmodel(): string | undefined { return this.#string('execmodel'); }
  /** `dont_write_bytecode`: Python workers get `-B`; no effect on JS workers. */
  get dontWriteBytecode(): boolean { return this.#items.has('dont_write_bytecode'); }
  /** `codec=NAME`: payload codec between JS ends (`execnet` or `msgpack`). */
  get codec(): string | undefined { return this.#string('codec'); }
  /** `ssh_config=FILE`: ssh configuration file (`ssh -F FILE`). */
  get sshConfig(): string | undefined { return this.#string('ssh_config'); }

  /**
   * The transport key: the first key that is not a general one (`id`, `python`, `node`, `bun`,
   * `deno`, `chdir`, `nice`, `execmodel`, `dont_write_bytecode`, `via`, `installvia`, `codec`,
   * `ssh_config`, `env:*`), e.g. `popen`, `ssh`, or a third-party transport's key.
   * `undefined` when the spec only has general keys.
   */
  get transportName(): string | undefined {
    for (const key of this.#items.keys()) if (!GENERAL_KEYS.has(key)) return key;
    return undefined;
  }

  /** The worker runtime: the one runtime key of the spec, or `{ kind: 'node' }` without one. */
  get runtime(): RuntimeSpec {
    for (const kind of RUNTIME_KEYS) {
      const value = this.#items.get(kind);
      if (value === true || value === '') return { kind };
      if (value !== undefined) return { kind, command: value };
    }
    return { kind: 'node' };
  }

  /**
   * True when the worker sees this machine's file system at the same place: `popen` without
   * `chdir`. RSync uses it to skip copying onto itself.
   * @see execnet XSpec._samefilesystem
   */
  samefilesystem(): boolean {
    return this.#items.has('popen') && !this.#items.has('chdir');
  }

  /** True when `other` is a spec (or string) with the same original string. */
  equals(other: unknown): boolean {
    if (typeof other === 'string') return other === this.#source;
    return isXSpec(other) && other.toString() === this.#source;
  }

  /** An independent copy, including keys changed with {@link set}. */
  clone(): XSpec {
    const copy = new XSpec(this.#source);
    copy.#items.clear();
    for (const [key, value] of this.#items) copy.#items.set(key, value);
    for (const name of Object.keys(this.env)) {
      defineEnv(copy.env, name, this.env[name]!);
    }
    return copy;
  }

  /** The original spec string. */
  toString(): string {
    return this.#source;
  }

  /** Serializes as the original spec string. */
  toJSON(): string {
    return this.#source;
  }

  /** The execnet repr: `<XSpec 'popen//id=x'>`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `<XSpec '${this.#source}'>`;
  }
}
Object.defineProperty(XSpec.prototype, xspecSymbol, { value: true, enumerable: false });

/**
 * True when `value` is an {@link XSpec} from any copy of this package (`instanceof` fails
 * across the ESM/CJS dual-package hazard).
 */
export function isXSpec(value: unknown): value is XSpec {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[xspecSymbol] === true;
}
