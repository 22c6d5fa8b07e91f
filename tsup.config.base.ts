import type { Options } from 'tsup';

/** Shared tsup settings: ESM + CJS + .d.ts for every published package. */
export const baseConfig: Options = {
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'node18',
  platform: 'node',
  sourcemap: false,
  splitting: false,
};
