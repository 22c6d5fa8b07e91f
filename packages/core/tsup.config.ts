import { defineConfig, type Options } from 'tsup';
import { baseConfig } from '../../tsup.config.base.js';
import { workerPlugins, type WorkerFlavor } from './src/worker-build.js';

/** The worker runtime, one self-contained script that is shipped to workers (see src/worker-build.ts). */
function workerConfig(name: string, flavor: WorkerFlavor): Options {
  return {
    entry: { [name]: 'src/worker/main.ts' },
    format: ['cjs'],
    platform: 'node',
    target: 'node18',
    noExternal: [/.*/],
    external: ['msgpackr-extract'],
    // msgpackr's 'browser' build is its plain JavaScript: no native add-on probe at worker start.
    esbuildOptions(options) {
      options.conditions = ['browser'];
    },
    esbuildPlugins: workerPlugins(flavor) as NonNullable<Options['esbuildPlugins']>,
    dts: false,
    clean: false,
    splitting: false,
  };
}

export default defineConfig([
  // esbuild is only loaded in source mode, to bundle the worker on the fly.
  { ...baseConfig, external: ['esbuild'], shims: true },
  workerConfig('worker', 'msgpack'),
  workerConfig('worker-execnet', 'execnet'),
]);
