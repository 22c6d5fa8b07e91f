import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.config.base.js';

export default defineConfig([
  // esbuild is only loaded in source mode, to bundle the worker on the fly.
  { ...baseConfig, external: ['esbuild'], shims: true },
  {
    // The worker runtime, one self-contained script that is shipped to workers.
    entry: { worker: 'src/worker/main.ts' },
    format: ['cjs'],
    platform: 'node',
    target: 'node18',
    noExternal: [/.*/],
    external: ['msgpackr-extract'],
    // msgpackr's 'browser' build is its plain JavaScript: no native add-on probe at worker start.
    esbuildOptions(options) {
      options.conditions = ['browser'];
    },
    dts: false,
    clean: false,
    splitting: false,
  },
]);
