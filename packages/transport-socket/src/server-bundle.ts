import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let bundle: Promise<string> | undefined;

/**
 * The socket server as one CommonJS script of Node built-ins only, for `installvia`: the
 * build puts it next to this module (`dist/socket-server.cjs`); in source mode it is bundled
 * from `src/server/installed.ts` on first use with esbuild, a development dependency.
 */
export function serverBundle(): Promise<string> {
  bundle ??= loadBundle();
  return bundle;
}

async function loadBundle(): Promise<string> {
  // The CJS build gets `import.meta.url` from tsup's shims.
  const here = dirname(fileURLToPath(import.meta.url));
  const built = join(here, 'socket-server.cjs');
  if (existsSync(built)) return readFileSync(built, 'utf8');
  const entry = join(here, 'server', 'installed.ts');
  if (!existsSync(entry)) throw new Error(`execnet socket server script not found: neither ${built} nor ${entry} exists`);
  const esbuild = (await import('esbuild')) as typeof import('esbuild');
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/**
 * The remote code that runs the script on the installvia gateway: `source` and `request`
 * arrive as kwargs; `require` is the worker's own.
 */
export const INSTALL_BODY = `
const module = { exports: {} };
new Function('module', 'exports', 'require', source)(module, module.exports, require);
await module.exports.serveInstalled(channel, request);
`;
