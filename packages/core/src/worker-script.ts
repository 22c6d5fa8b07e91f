import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkerConfig } from './worker/main.js';
import { WORKER_FILES, workerPlugins, type WorkerFlavor } from './worker-build.js';

/** The worker runtime of one flavor, ready to send: its length-prefixed block and a content hash. */
interface ShippedBundle {
  /** 4-byte big-endian length, then the script `(function execnetBundle(require, module, exports) {…})`. */
  block: Buffer;
  /** Hex SHA-256 of the script (names its V8 code cache). */
  hash: string;
}

const bundles = new Map<WorkerFlavor, Promise<ShippedBundle>>();

/** This module's folder (the CJS build gets `import.meta.url` from tsup's shims). */
function hereDir(): string {
  return dirname(fileURLToPath(import.meta.url));
}

/**
 * The worker runtime as one CommonJS script. The build puts it next to this module
 * (`dist/worker.cjs`, and `dist/worker-execnet.cjs` without the msgpack codec); in source mode
 * it is bundled from `src/worker/main.ts` on first use with esbuild, a development dependency.
 */
export async function workerBundle(flavor: WorkerFlavor = 'msgpack'): Promise<string> {
  const here = hereDir();
  const built = join(here, WORKER_FILES[flavor]);
  if (existsSync(built)) return readFileSync(built, 'utf8');
  // A build without the smaller flavor: the whole runtime serves every codec.
  const whole = join(here, WORKER_FILES.msgpack);
  if (flavor !== 'msgpack' && existsSync(whole)) return readFileSync(whole, 'utf8');
  const entry = join(here, 'worker', 'main.ts');
  if (!existsSync(entry)) throw new Error(`execnet worker runtime not found: neither ${built} nor ${entry} exists`);
  const esbuild = (await import('esbuild')) as typeof import('esbuild');
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    // msgpackr's 'browser' build is its plain JavaScript: no native add-on probe at worker start.
    conditions: ['@execnet/source', 'browser'],
    external: ['msgpackr-extract'],
    plugins: workerPlugins(flavor) as import('esbuild').Plugin[],
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

function shippedBundle(flavor: WorkerFlavor): Promise<ShippedBundle> {
  let bundle = bundles.get(flavor);
  if (!bundle) {
    bundle = workerBundle(flavor).then((code) => {
      // A named function, so exec threads can start from its source text.
      const script = `(function execnetBundle(require, module, exports) {\n${code}\n})\n//# sourceURL=execnet-worker.js`;
      const body = Buffer.from(script, 'utf8');
      const block = Buffer.allocUnsafe(4 + body.length);
      block.writeUInt32BE(body.length, 0);
      body.copy(block, 4);
      return { block, hash: createHash('sha256').update(body).digest('hex') };
    });
    bundles.set(flavor, bundle);
    // A failed build is not remembered: the next gateway tries again.
    bundle.catch(() => bundles.delete(flavor));
  }
  return bundle;
}

/** The folder found for each value of EXECNET_CODE_CACHE (null: none usable). */
const cacheDirs = new Map<string | undefined, string | null>();

/**
 * The folder for V8 code caches of the worker runtime on this machine, or undefined when
 * caching is off or the folder is unusable. `EXECNET_CODE_CACHE=0` turns caching off, any other
 * value names the folder; by default `<tmpdir>/execnet-code-cache-<uid>`. The folder must be a
 * directory owned by this user that nobody else can write to (a cache is compiled code).
 */
export function codeCacheDir(): string | undefined {
  const setting = process.env.EXECNET_CODE_CACHE;
  let dir = cacheDirs.get(setting);
  if (dir === undefined) {
    dir = findCacheDir(setting);
    cacheDirs.set(setting, dir);
  }
  return dir ?? undefined;
}

function findCacheDir(setting: string | undefined): string | null {
  if (setting !== undefined && /^(0|false|off|no)?$/i.test(setting.trim())) return null;
  try {
    const uid = process.getuid?.();
    const dir = setting || join(tmpdir(), uid === undefined ? 'execnet-code-cache' : `execnet-code-cache-${uid}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = lstatSync(dir);
    const safe = stat.isDirectory() && (uid === undefined || (stat.uid === uid && (stat.mode & 0o022) === 0));
    return safe ? dir : null;
  } catch {
    // No cache: the worker compiles its runtime from source, as remote workers always do.
    return null;
  }
}

/** Options of {@link workerBootstrap}. */
export interface BootstrapOptions {
  /**
   * The worker runs on this machine under Node: it may use (and write) the V8 code cache of
   * its runtime in {@link codeCacheDir}.
   */
  codeCache?: boolean;
}

/**
 * The bootstrap script, the one the loader evaluates to `function (require)`: it reads the
 * runtime's block that follows it on the same descriptor (exactly, like the loader), compiles
 * it — with the V8 code cache of a previous worker when there is one, writing one at exit when
 * there was none and remote code that sent items ran to its end, so that the cache covers the
 * paths of a remoteExec round trip — and
 * starts the worker with `config`. Dynamic `import()` and the evaluation of remote code are
 * handed to the runtime from here: code compiled by `vm.Script` (without an experimental import
 * callback) could not import.
 */
function bootstrapScript(config: WorkerConfig, cacheFile: string | undefined): string {
  return [
    '(function (require) {',
    'var fs = require("fs"), fd = ' + config.inFd + ';',
    'var read = function (n) { var b = Buffer.alloc(n), o = 0; while (o < n) { var k;',
    ' try { k = fs.readSync(fd, b, o, n - o, null); } catch (e) { if (e.code === "EAGAIN") { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); continue; } throw e; }',
    ' if (k === 0) { process.stderr.write("execnet worker: stream closed during bootstrap\\n"); process.exit(70); } o += k; } return b; };',
    'var source = read(read(4).readUInt32BE(0)).toString("utf8"), bundle;',
    cacheFile === undefined
      ? ''
      : 'try { var vm = require("vm"), file = ' +
        JSON.stringify(cacheFile) +
        ' + "-" + process.version + "-" + process.arch + ".v8", data; try { data = fs.readFileSync(file); } catch (e) {}' +
        ' var script = new vm.Script(source, { filename: "execnet-worker.js", cachedData: data }); bundle = script.runInThisContext();' +
        ' if (!data || script.cachedDataRejected) process.once("exit", function () { try { if (!module.exports.codeCacheCovered()) return; var tmp = file + "." + process.pid;' +
        ' try { fs.writeFileSync(tmp, script.createCachedData(), { mode: 384 }); fs.renameSync(tmp, file); } catch (e) { fs.rmSync(tmp, { force: true }); } } catch (e) {} });' +
        ' } catch (e) { bundle = undefined; }',
    'if (typeof bundle !== "function") bundle = (0, eval)(source);',
    'var module = { exports: {} }; bundle(require, module, module.exports);',
    'globalThis[Symbol.for("@execnet/worker-bundle")] = bundle;',
    'var host = { evaluate: function (code) { return (0, eval)(code); }, importModule: function (specifier) { return import(specifier); } };',
    `module.exports.main(${JSON.stringify(config)}, require, host); })`,
    '//# sourceURL=execnet-bootstrap.js',
  ].join('\n');
}

/**
 * Prepares the bytes sent to the loader (the runtime is built or read here, so a failure comes
 * before any worker is started) and returns the function that makes them once the connection
 * is open: the length-prefixed bootstrap script (see `bootstrapScript`) with `config` and the
 * settings of `late`, then the length-prefixed worker runtime it reads.
 */
export async function workerBootstrap(
  config: WorkerConfig,
  options: BootstrapOptions = {},
): Promise<(late?: Partial<WorkerConfig>) => Uint8Array> {
  const bundle = await shippedBundle(config.codec === 'msgpack' ? 'msgpack' : 'execnet');
  const dir = options.codeCache ? codeCacheDir() : undefined;
  const cacheFile = dir === undefined ? undefined : join(dir, `worker-${bundle.hash.slice(0, 32)}`);
  return (late) => {
    const body = Buffer.from(bootstrapScript({ ...config, ...late }, cacheFile), 'utf8');
    const out = Buffer.allocUnsafe(4 + body.length + bundle.block.length);
    out.writeUInt32BE(body.length, 0);
    body.copy(out, 4);
    bundle.block.copy(out, 4 + body.length);
    return out;
  };
}
