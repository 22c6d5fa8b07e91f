import type { Options } from 'tsup';

/** Shared tsup settings: ESM + CJS + .d.ts for every published package. */
export const baseConfig: Options = {
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  // The workspace tsconfigs are composite (for tsc -b); tsup's declaration build must not be.
  dts: { compilerOptions: { composite: false, incremental: false } },
  clean: true,
  target: 'node18',
  platform: 'node',
  sourcemap: false,
  splitting: false,
};
