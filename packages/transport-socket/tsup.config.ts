import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.config.base.js';

export default defineConfig([
  // esbuild is only loaded in source mode, to bundle the installable server on the fly.
  { ...baseConfig, external: ['esbuild'], shims: true },
  {
    // The execnet-socketserver command.
    entry: { bin: 'src/bin.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'node18',
    dts: false,
    clean: false,
    splitting: false,
  },
  {
    // The server as one self-contained script (node built-ins only), shipped for installvia.
    entry: { 'socket-server': 'src/server/installed.ts' },
    format: ['cjs'],
    platform: 'node',
    target: 'node18',
    noExternal: [/.*/],
    dts: false,
    clean: false,
    splitting: false,
  },
]);
