import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.config.base.js';

export default defineConfig([
  // The library: ESM + CJS + .d.ts, with the transport registration (src/register.ts) inside.
  baseConfig,
  {
    // The command line tool, file for file (not bundled): `cli.js` reads the flags before any
    // command module loads the library, because core reads EXECNET_DEBUG when it is imported.
    // Commands import the library by its own name ('execnet'), i.e. through dist/index.js.
    entry: ['src/cli.ts', 'src/commands/*.ts', 'src/support/*.ts'],
    format: ['esm'],
    bundle: false,
    platform: 'node',
    target: 'node18',
    dts: false,
    clean: false,
    splitting: false,
  },
]);
