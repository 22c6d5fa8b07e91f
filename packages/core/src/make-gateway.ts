import { execnetCodec, msgpackCodec, type Codec } from '@execnet/serializer';
import { createLog } from './debug.js';
import { BootstrapError, SpecError, TimeoutError } from './errors.js';
import { Gateway, type OutputHandler } from './gateway.js';
import { getTransport } from './registry.js';
import { jsWorkerCommand, WORKER_IN_FD, WORKER_OUT_FD } from './worker-command.js';
import { workerBootstrap } from './worker-script.js';
import type { XSpec } from './xspec.js';

const log = createLog('core:bootstrap');

/** Options of `makeGateway`. */
export interface MakeGatewayOptions {
  /** Receives the worker's stdout and stderr text; by default it goes to this process's stderr. */
  onOutput?: OutputHandler;
  /** Milliseconds the worker may take to start and answer the handshake. @default 30000 */
  timeout?: number;
  /** Aborts the start; the worker is killed. */
  signal?: AbortSignal;
}

/** Exec models of JavaScript workers. */
export const JS_EXEC_MODELS = ['eventloop', 'main_thread_only', 'thread'] as const;
const CODECS: Record<string, Codec> = { execnet: execnetCodec, msgpack: msgpackCodec };
/** The codec used between JavaScript ends unless the spec says `codec=`. */
export const DEFAULT_JS_CODEC = 'execnet';

/**
 * Starts a worker for `spec` (its `id` already set) and waits for its handshake.
 * @throws {SpecError} the spec asks for something unsupported
 * @throws {BootstrapError} the worker died or misbehaved before the handshake
 * @throws {TimeoutError} no handshake within `timeout`
 */
export async function openGateway(spec: XSpec, execModel: string, options: MakeGatewayOptions = {}): Promise<Gateway> {
  const id = spec.id!;
  const transportName = spec.transportName;
  if (!transportName) throw new SpecError(`spec '${spec}' names no transport (popen, ssh, socket, …)`, { spec: String(spec) });
  if (spec.via) throw new SpecError(`'via' gateways are not available yet`, { spec: String(spec), item: `via=${spec.via}` });
  const runtime = spec.runtime;
  if (runtime.kind === 'python') throw new SpecError('python workers are not available yet', { spec: String(spec), item: 'python' });
  const codecName = spec.codec ?? DEFAULT_JS_CODEC;
  const codec = CODECS[codecName];
  if (!codec) throw new SpecError(`unknown codec '${codecName}': use execnet or msgpack`, { spec: String(spec), item: `codec=${codecName}` });
  if (!(JS_EXEC_MODELS as readonly string[]).includes(execModel)) {
    throw new SpecError(`unknown exec model '${execModel}' for a JavaScript worker: use ${JS_EXEC_MODELS.join(' or ')}`, {
      spec: String(spec),
      item: `execmodel=${execModel}`,
    });
  }
  let nice: number | undefined;
  if (spec.nice !== undefined) nice = Number.parseInt(spec.nice, 10);

  const transport = await getTransport(transportName);
  const timeout = options.timeout ?? 30_000;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new TimeoutError(`starting ${id} (${spec}): no handshake after ${timeout} ms`, { timeout })), timeout);
  const onAbort = () => abort.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  // An 'abort' listener never fires for a signal that is aborted already.
  if (options.signal?.aborted) onAbort();
  try {
    const [connection, bootstrap] = await Promise.all([
      transport.open(spec, { worker: jsWorkerCommand(runtime.kind, runtime.command), signal: abort.signal }),
      workerBootstrap({
        id: `${id}-worker`,
        codec: codec.name,
        execModel: execModel as (typeof JS_EXEC_MODELS)[number],
        inFd: WORKER_IN_FD,
        outFd: WORKER_OUT_FD,
        chdir: spec.chdir,
        nice,
        env: Object.keys(spec.env).length ? { ...spec.env } : undefined,
      }),
    ]);
    log(id, `started ${connection.command}`);
    const gateway = new Gateway(id, spec, codec, connection, options.onOutput, 'js');
    connection.writable.write(bootstrap);
    const failed = new Promise<never>((_, reject) => {
      const onAbortReady = () => reject(abort.signal.reason);
      if (abort.signal.aborted) onAbortReady();
      abort.signal.addEventListener('abort', onAbortReady, { once: true });
      void gateway.ready.finally(() => abort.signal.removeEventListener('abort', onAbortReady)).catch(() => undefined);
    });
    try {
      await Promise.race([gateway.ready, failed]);
    } catch (error) {
      connection.kill();
      // The caller's abort rejects with the signal's reason, as everywhere else.
      if (error instanceof BootstrapError || error instanceof TimeoutError || error === abort.signal.reason) throw error;
      throw new BootstrapError({ command: connection.command, reason: String((error as Error)?.message ?? error) }, { cause: error });
    }
    return gateway;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
