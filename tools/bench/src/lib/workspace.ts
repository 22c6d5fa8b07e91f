/**
 * Loads workspace packages that this package's `package.json` does not list (so that the
 * lockfile stays as it is): `@execnet/transport-ssh`, `@execnet/transport-socket`. They are
 * imported by path, from their sources when this process runs with the `@execnet/source`
 * condition (the default of `pnpm bench`), else from their built `dist/` (`--dist`), as the
 * package's own `exports` would. Their own dependencies (`@execnet/core`, ssh2, ...) resolve
 * from the package directory, to the same `@execnet/core` module as ours.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './spawn.js';

/** Whether this process resolves workspace packages to their TypeScript sources. */
export function usingSources(): boolean {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return flags.some((f) => f.includes('@execnet/source'));
}

/** Directory of workspace package `name` (`packages/<name>`). */
export function packageDir(name: string): string {
  return path.join(REPO_ROOT, 'packages', name);
}

/** Imports workspace package `packages/<name>` (sources or dist/, see the file header). */
export async function importWorkspacePackage<T>(name: string): Promise<T> {
  const entry = path.join(packageDir(name), usingSources() ? 'src/index.ts' : 'dist/index.js');
  if (!existsSync(entry)) throw new Error(`missing ${path.relative(REPO_ROOT, entry)}${usingSources() ? '' : ' (run pnpm build)'}`);
  return (await import(pathToFileURL(entry).href)) as T;
}

/**
 * Command line that runs a TypeScript or built script of a workspace package the way this
 * process runs (tsx and the source condition, or plain node for dist/).
 */
export function nodeScriptArgs(sourceScript: string, distScript: string): string[] {
  return usingSources() ? ['--import', 'tsx', '--conditions=@execnet/source', sourceScript] : [distScript];
}
