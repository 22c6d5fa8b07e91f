import type { Readable, Writable } from 'node:stream';
import { execnetCodec, msgpackCodec, type CodecName } from '@execnet/serializer';
import { streamSink } from '../base-gateway.js';
import { HANDSHAKE_BYTE } from '../protocol.js';
import { setBuiltinRequire } from './builtin.js';
import { WorkerGateway, type JsExecModel } from './worker-gateway.js';

/** How long running remote code may finish after the master is done, before the worker exits anyway. */
const EXIT_GRACE_MS = 1000;
/** How long the last frames may take to flush before the worker reports its exit anyway. */
const FLUSH_GRACE_MS = 500;

/** The part of the worker configuration that concerns the message layer. */
export interface ServeWorkerConfig {
  /** The worker's gateway id (`<id>-worker`). */
  id: string;
  codec: CodecName;
  execModel: JsExecModel;
}

/** Options of {@link serveWorker}. */
export interface ServeWorkerOptions {
  /** The `require` remote code gets in scope. */
  localRequire: unknown;
  /**
   * Called once when the worker is done: `0` after the master terminated it (its last frames
   * flushed, or after a short grace period), `1` when the output stream failed. The process
   * entry point exits the process here; an in-process worker just ends.
   */
  onExit(code: number): void;
  /** The handshake byte was written to the output's descriptor already (by the worker's entry point). */
  handshakeSent?: boolean;
  /** `output` is done with a chunk when its write callback runs (a pipe, socket or file). */
  outputCopiesWrites?: boolean;
}

/** Gateways served by this process (several in-process ones with the in-memory transport). */
const servedGateways = new Set<WorkerGateway>();
let exitListener = false;

/**
 * Remote code may call process.exit() right after a send: what is collected is written first.
 * One listener for all served gateways, so in-process workers add none of their own.
 */
function flushAtExit(gateway: WorkerGateway): void {
  if (!exitListener) {
    exitListener = true;
    process.once('exit', () => servedGateways.forEach((g) => g.flushWrites()));
  }
  servedGateways.add(gateway);
}

/**
 * Serves the worker end of a gateway over two streams: answers the handshake, then runs the
 * master's frames from `input` and writes its own to `output` until the master terminates it
 * or goes away. Never exits the process itself.
 *
 * @internal Shared by the worker script's entry point (`main`, over fds 3 and 4) and the
 * in-memory transport of `@execnet/testkit`; not meant for applications.
 */
export function serveWorker(input: Readable, output: Writable, config: ServeWorkerConfig, options: ServeWorkerOptions): void {
  setBuiltinRequire(options.localRequire);
  const codec = config.codec === 'msgpack' ? msgpackCodec : execnetCodec;
  const gateway = new WorkerGateway(config.id, codec, config.execModel, options.localRequire);

  flushAtExit(gateway);
  let done = false;
  const finish = (code: number): void => {
    if (done) return;
    done = true;
    servedGateways.delete(gateway);
    options.onExit(code);
  };
  let exiting = false;
  const exit = (code: number): void => {
    if (exiting) return;
    exiting = true;
    input.destroy();
    // Flush what is queued (the last CHANNEL_CLOSE messages), then leave even if timers remain.
    gateway.flushWrites();
    output.end(() => finish(code));
    setTimeout(() => finish(code), FLUSH_GRACE_MS).unref();
  };
  output.on('error', () => finish(1)); // the master is gone: nobody to report to
  gateway.attach(streamSink(output, input, options.outputCopiesWrites === true), () => {
    void gateway.waitIdle(EXIT_GRACE_MS).then(() => exit(0));
  });
  input.on('data', (chunk: Uint8Array) => gateway.feed(chunk));
  input.on('end', () => gateway.inputEnded());
  input.on('error', () => gateway.inputEnded());
  if (!options.handshakeSent) output.write(new Uint8Array([HANDSHAKE_BYTE]));
}
