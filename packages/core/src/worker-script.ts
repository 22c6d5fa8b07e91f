import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkerConfig } from './worker/main.js';

let bundle: Promise<string> | undefined;

/** This module's folder (the CJS build gets `import.meta.url` from tsup's shims). */
function hereDir(): string {
  return dirname(fileURLToPath(import.meta.url));
}

/**
 * The worker runtime as one CommonJS script. The build puts it next to this module
 * (`dist/worker.cjs`); in source mode it is bundled from `src/worker/main.ts` on first use
 * with esbuild, a development dependency.
 */
export function workerBundle(): Promise<string> {
  bundle ??= loadBundle();
  return bundle;
}

async function loadBundle(): Promise<string> {
  const here = hereDir();
  const built = join(here, 'worker.cjs');
  if (existsSync(built)) return readFileSync(built, 'utf8');
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
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/**
 * The bytes sent to the loader: a 4-byte length, then a script that evaluates to
 * `function (require)` and starts the worker with `config`.
 */
export async function workerBootstrap(config: WorkerConfig): Promise<Uint8Array> {
  const code = await workerBundle();
  // The bundle stays a named function, so exec threads can start from its source text.
  const script =
    `(function (require) {\nfunction execnetBundle(require, module, exports) {\n${code}\n}\n` +
    `var module = { exports: {} }; execnetBundle(require, module, module.exports);\n` +
    `globalThis[Symbol.for('@execnet/worker-bundle')] = execnetBundle;\n` +
    `module.exports.main(${JSON.stringify(config)}, require); })\n//# sourceURL=execnet-worker.js`;
  const body = Buffer.from(script, 'utf8');
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}
