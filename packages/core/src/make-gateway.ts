import { execnetCodec, msgpackCodec, tuple, type Codec } from '@execnet/serializer';
import { createLog } from './debug.js';
import { BootstrapError, SpecError, TimeoutError } from './errors.js';
import { Gateway, type OutputHandler } from './gateway.js';
import { getTransport, type Connection } from './registry.js';
import { openViaConnection } from './via.js';
import { jsWorkerCommand, WORKER_IN_FD, WORKER_OUT_FD, type WorkerCommand } from './worker-command.js';
import { locatePythonExecnet, PYTHON_EXEC_MODELS, PYTHON_SETUP_SOURCE, pythonBootstrap, pythonWorkerCommand } from './python-worker.js';
import { workerBootstrap } from './worker-script.js';
import type { RuntimeKind, XSpec } from './xspec.js';

const log = createLog('core:bootstrap');
/** How long a failed start waits for its killed worker process to be gone. */
const KILL_WAIT_MS = 2000;

/** Resolves when `promise` settled or after `ms`, whichever is first. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([promise.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** Options of `makeGateway`. */
export interface MakeGatewayOptions {
  /** Receives the worker's stdout and stderr text; by default it goes to this process's stderr. */
  onOutput?: OutputHandler;
  /** Milliseconds the worker may take to start and answer the handshake. @default 30000 */
  timeout?: number;
  /** Aborts the start; the worker is killed. */
  signal?: AbortSignal;
}

/** What the owning group lends to the start of a gateway. */
export interface OpenInternals {
  /** Other gateways of the group, by id (for `via=` and `installvia=`). */
  lookupGateway(id: string): Gateway | undefined;
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
export async function openGateway(spec: XSpec, execModel: string, options: MakeGatewayOptions = {}, internals?: OpenInternals): Promise<Gateway> {
  const lookupGateway = internals?.lookupGateway ?? (() => undefined);
  const id = spec.id!;
  const transportName = spec.transportName;
  if (!transportName) throw new SpecError(`spec '${spec}' names no transport (popen, ssh, socket, …)`, { spec: String(spec) });
  const plan = spec.runtime.kind === 'python' ? await planPythonWorker(spec, execModel, id) : planJsWorker(spec, execModel, id);

  const transport = spec.via ? undefined : await getTransport(transportName);
  const timeout = options.timeout ?? 30_000;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new TimeoutError(`starting ${id} (${spec}): no handshake after ${timeout} ms`, { timeout })), timeout);
  const onAbort = () => abort.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  // An 'abort' listener never fires for a signal that is aborted already.
  if (options.signal?.aborted) onAbort();
  try {
    // The bootstrap first: if it cannot be built, no worker has been started yet.
    const bootstrap = await plan.bootstrap;
    const connection = transport
      ? await transport.open(spec, { worker: plan.command, signal: abort.signal, lookupGateway })
      : openViaConnection(spec, lookupGateway(spec.via!), plan.command);
    log(id, `started ${connection.command}`);
    const gateway = new Gateway(id, spec, plan.codec, connection, options.onOutput, plan.remoteKind);
    connection.writable.write(bootstrap(connection));
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
      await settledWithin(connection.wait(), KILL_WAIT_MS); // no process lingers after the rejection
      // The caller's abort rejects with the signal's reason, as everywhere else.
      if (error instanceof BootstrapError || error instanceof TimeoutError || error === abort.signal.reason) throw error;
      throw new BootstrapError({ command: connection.command, reason: String((error as Error)?.message ?? error) }, { cause: error });
    }
    if (plan.afterReady) {
      try {
        await plan.afterReady(gateway);
      } catch (error) {
        connection.kill();
        throw error;
      }
    }
    return gateway;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** What starting one kind of worker takes: its command, codec, bootstrap bytes and setup. */
interface WorkerPlan {
  command: WorkerCommand;
  codec: Codec;
  /** Resolves (once the bootstrap can be built) to what makes its bytes for an open connection. */
  bootstrap: Promise<(connection: Connection) => Uint8Array>;
  remoteKind: 'js' | 'python';
  /** Runs once the handshake arrived (Python workers apply chdir/nice/env this way). */
  afterReady?: (gateway: Gateway) => Promise<void>;
}

/**
 * The exec model a worker gets when its spec names none: the group's, unless that one is
 * meaningless for the runtime (`eventloop` is JavaScript's; Python workers then get `thread`).
 */
export function defaultExecModel(runtime: RuntimeKind, groupModel: string): string {
  if (runtime === 'python') return (PYTHON_EXEC_MODELS as readonly string[]).includes(groupModel) ? groupModel : 'thread';
  return (JS_EXEC_MODELS as readonly string[]).includes(groupModel) ? groupModel : 'eventloop';
}

function planJsWorker(spec: XSpec, execModel: string, id: string): WorkerPlan {
  const runtime = spec.runtime;
  const codecName = spec.codec ?? DEFAULT_JS_CODEC;
  const codec = CODECS[codecName];
  if (!codec) throw new SpecError(`unknown codec '${codecName}': use execnet or msgpack`, { spec: String(spec), item: `codec=${codecName}` });
  if (!(JS_EXEC_MODELS as readonly string[]).includes(execModel)) {
    throw new SpecError(`unknown exec model '${execModel}' for a JavaScript worker: use ${JS_EXEC_MODELS.join(', ')}`, {
      spec: String(spec),
      item: `execmodel=${execModel}`,
    });
  }
  const command = jsWorkerCommand(runtime.kind as 'node' | 'bun' | 'deno', runtime.command);
  const stdio = command.protocol === 'stdio';
  const makeBootstrap = workerBootstrap({
    id: `${id}-worker`,
    codec: codec.name,
    execModel: execModel as (typeof JS_EXEC_MODELS)[number],
    inFd: stdio ? 0 : WORKER_IN_FD,
    outFd: stdio ? 1 : WORKER_OUT_FD,
    chdir: spec.chdir,
    nice: spec.nice === undefined ? undefined : Number.parseInt(spec.nice, 10),
    env: Object.keys(spec.env).length ? { ...spec.env } : undefined,
  }, {
    // A local Node worker may keep the V8 code cache of its runtime on this machine.
    codeCache: runtime.kind === 'node' && spec.transportName === 'popen' && !spec.via,
  });
  // Awaited by openGateway. A worker that dies with its master needs no watchdog thread.
  const bootstrap = makeBootstrap.then((make) => (connection: Connection) => make({ watchdog: connection.diesWithMaster !== true }));
  bootstrap.catch(() => undefined);
  return { command, codec, bootstrap, remoteKind: 'js' };
}

async function planPythonWorker(spec: XSpec, execModel: string, id: string): Promise<WorkerPlan> {
  if (spec.codec !== undefined && spec.codec !== 'execnet') {
    throw new SpecError('python workers speak the execnet codec only', { spec: String(spec), item: `codec=${spec.codec}` });
  }
  if (!(PYTHON_EXEC_MODELS as readonly string[]).includes(execModel)) {
    throw new SpecError(`unknown exec model '${execModel}' for a Python worker: use ${PYTHON_EXEC_MODELS.join(', ')}`, {
      spec: String(spec),
      item: `execmodel=${execModel}`,
    });
  }
  const execnet = await locatePythonExecnet();
  const setup = spec.chdir !== undefined || spec.nice !== undefined || Object.keys(spec.env).length > 0;
  return {
    command: pythonWorkerCommand(spec.runtime.command, spec.dontWriteBytecode),
    codec: execnetCodec,
    bootstrap: Promise.resolve(((bytes: Uint8Array) => () => bytes)(pythonBootstrap(execnet.gatewayBase, execModel, `${id}-worker`))),
    remoteKind: 'python',
    afterReady: setup
      ? async (gateway) => {
          const channel = gateway.remoteExec(PYTHON_SETUP_SOURCE);
          await channel.send(tuple<unknown>(spec.chdir ?? null, spec.nice === undefined ? 0 : Number.parseInt(spec.nice, 10), { ...spec.env }));
          await channel.waitClose({ timeout: 30_000 });
        }
      : undefined,
  };
}
