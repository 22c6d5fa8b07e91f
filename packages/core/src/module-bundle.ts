import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { createRequire, SourceMap } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ExecnetError } from './errors.js';

/** A module bundled for shipping: one CommonJS script with everything it imports. */
export interface ModuleBundle {
  /** Content hash; workers cache the bundle under it. */
  readonly hash: string;
  readonly code: string;
  /** The module's URL, for messages. */
  readonly url: string;
}

/** Where stack frames of shipped bundles point; the master maps them back with the source map. */
export const BUNDLE_URL_PREFIX = 'execnet-bundle/';

interface CacheEntry {
  bundle: Promise<ModuleBundle>;
  /** Input files and their stamps (mtime, ctime, size) when bundled: any change means bundle again. */
  inputs: Array<[string, string]>;
}

const cache = new Map<string, CacheEntry>();
let builds = 0;

/** @internal How many bundles this process has built (for tests of the cache). */
export function bundleBuilds(): number {
  return builds;
}
const maps = new Map<string, SourceMap>();

/** Raised when a module cannot be bundled for a worker (syntax error, native addon, missing esbuild). */
export class BundleError extends ExecnetError {
  override readonly code = 'ERR_EXECNET_BUNDLE';
}
Object.defineProperty(BundleError.prototype, 'name', { value: 'BundleError', writable: true, configurable: true });

/**
 * Bundles the module at `url` with everything it imports from relative paths and installed
 * packages (Node built-ins stay external), once per process while its files are unchanged.
 * TypeScript modules work as they are. esbuild is an optional peer dependency, loaded here only.
 * @throws {BundleError} esbuild missing, a build error, or a native addon that cannot be shipped
 */
export function bundleModule(url: URL): Promise<ModuleBundle> {
  const key = url.href;
  const cached = cache.get(key);
  if (cached && cached.inputs.every(([file, stamp]) => stampOf(file) === stamp)) return cached.bundle;
  const entry: CacheEntry = { bundle: build(url, (inputs) => (entry.inputs = inputs)), inputs: [] };
  cache.set(key, entry);
  entry.bundle.catch(() => cache.delete(key));
  return entry.bundle;
}

async function build(url: URL, setInputs: (inputs: Array<[string, string]>) => void): Promise<ModuleBundle> {
  builds++;
  const esbuild = await loadEsbuild();
  const file = fileURLToPath(url);
  let result;
  try {
    result = await esbuild.build({
      entryPoints: [file],
      bundle: true,
      write: false,
      outdir: '/execnet-bundle',
      platform: 'node',
      format: 'cjs',
      target: 'node18',
      sourcemap: 'external',
      metafile: true,
      logLevel: 'silent',
    });
  } catch (error) {
    throw new BundleError(describeBuildFailure(url, error), { cause: error });
  }
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
  const map = result.outputFiles.find((f) => f.path.endsWith('.js.map'));
  if (!js) throw new BundleError(`cannot bundle ${url.href}: esbuild produced no script`);
  const hash = createHash('sha256').update(js.text).digest('hex').slice(0, 16);
  if (map) maps.set(hash, new SourceMap(JSON.parse(map.text)));
  setInputs(Object.keys(result.metafile.inputs).map((input) => [join(process.cwd(), input), stampOf(join(process.cwd(), input))]));
  return { hash, code: js.text, url: url.href };
}

/** Timestamps are coarse (a clock tick), so the size and inode change time count too. */
function stampOf(file: string): string {
  try {
    const st = statSync(file, { bigint: true });
    return `${st.mtimeNs}:${st.ctimeNs}:${st.size}:${st.ino}`;
  } catch {
    return 'missing';
  }
}

/** Says which package holds a native addon, or what esbuild reported. */
function describeBuildFailure(url: URL, error: unknown): string {
  const errors = (error as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }).errors ?? [];
  const native = errors.find((e) => /\.node\b/.test(e.text) || /\.node$/.test(e.location?.file ?? ''));
  if (native) {
    const where = `${native.location?.file ?? ''} ${native.text}`;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where)?.[1] ?? 'a dependency';
    return `cannot ship ${url.href}: ${pkg} is a native addon (.node file), which cannot be sent to a worker`;
  }
  const first = errors[0];
  const location = first?.location ? ` (${first.location.file}:${first.location.line})` : '';
  return `cannot bundle ${url.href}: ${first?.text ?? String((error as Error)?.message ?? error)}${location}`;
}

async function loadEsbuild(): Promise<typeof import('esbuild')> {
  for (const base of [join(process.cwd(), 'noop.js'), process.argv[1], fileURLToPath(import.meta.url)]) {
    if (!base) continue;
    try {
      const resolved = createRequire(base).resolve('esbuild');
      return (await import(pathToFileURL(resolved).href)) as typeof import('esbuild');
    } catch {
      // Try the next place.
    }
  }
  throw new BundleError('remoteExec of a module needs esbuild to bundle it: install it (`pnpm add esbuild`)');
}

/**
 * Rewrites stack frames of shipped bundles (`execnet-bundle/<hash>.js:L:C`) to the original
 * file, line and column, using the bundles' source maps.
 */
export function mapBundleFrames(text: string): string {
  if (!text.includes(BUNDLE_URL_PREFIX)) return text;
  return text.replace(/execnet-bundle\/([0-9a-f]{16})\.js:(\d+):(\d+)/g, (frame, hash: string, line: string, column: string) => {
    const entry = maps.get(hash)?.findEntry(Number(line) - 1, Number(column) - 1) as
      | { originalSource?: string; originalLine?: number; originalColumn?: number }
      | undefined;
    if (!entry?.originalSource || entry.originalLine === undefined) return frame;
    const source = entry.originalSource.replace(/^(\.\.\/)+/, '/');
    return `${source}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`;
  });
}
