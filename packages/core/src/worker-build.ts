/**
 * How the worker runtime is bundled: shared by the package build (`tsup.config.ts`, which
 * writes `dist/worker.cjs` and `dist/worker-execnet.cjs`) and by source mode
 * (`worker-script.ts`, which bundles on first use with esbuild). Nothing here imports esbuild.
 */

/** `msgpack`: the whole runtime. `execnet`: without the msgpack codec (msgpackr), for codec=execnet. */
export type WorkerFlavor = 'msgpack' | 'execnet';

/** The file name of each flavor next to the built `index` module. */
export const WORKER_FILES: Record<WorkerFlavor, string> = { msgpack: 'worker.cjs', execnet: 'worker-execnet.cjs' };

/**
 * Stands in for msgpackr in the `execnet` flavor: the serializer's msgpack codec module still
 * initializes (its encoders are built at load time), but nothing of msgpackr is shipped,
 * parsed or run. A worker is started with one codec and never switches.
 */
const MSGPACKR_STUB = `
const absent = () => { throw new Error('the msgpack codec is not part of this worker runtime (it was started for codec=execnet)'); };
export class Packr { pack() { absent(); } encode() { absent(); } }
export class Unpackr { unpack() { absent(); } decode() { absent(); } }
export function addExtension() {}
export const RESERVE_START_SPACE = 2048;
`;

/** The part of esbuild's plugin API the stub uses (so this file needs no esbuild types). */
interface PluginBuild {
  onResolve(options: { filter: RegExp }, callback: () => { path: string; namespace: string }): void;
  onLoad(options: { filter: RegExp; namespace: string }, callback: () => { contents: string; loader: 'js' }): void;
}

/** esbuild plugins of a flavor. */
export function workerPlugins(flavor: WorkerFlavor): Array<{ name: string; setup(build: PluginBuild): void }> {
  if (flavor === 'msgpack') return [];
  return [
    {
      name: 'execnet-msgpackr-stub',
      setup(build) {
        build.onResolve({ filter: /^msgpackr$/ }, () => ({ path: 'msgpackr', namespace: 'execnet-stub' }));
        build.onLoad({ filter: /.*/, namespace: 'execnet-stub' }, () => ({ contents: MSGPACKR_STUB, loader: 'js' }));
      },
    },
  ];
}
