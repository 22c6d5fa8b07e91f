import { mkdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { execnetCodec, msgpackCodec, type CodecName } from '@execnet/serializer';
import { HANDSHAKE_BYTE } from '../protocol.js';
import { openFd } from './worker-io.js';
import { WorkerGateway, type JsExecModel } from './worker-gateway.js';

/** What the master tells a JavaScript worker at bootstrap (appended to the shipped script). */
export interface WorkerConfig {
  /** The worker's gateway id (`<id>-worker`). */
  id: string;
  codec: CodecName;
  execModel: JsExecModel;
  /** Protocol input and output descriptors (the master's writes, our writes). */
  inFd: number;
  outFd: number;
  chdir?: string;
  nice?: number;
  env?: Record<string, string>;
}

/** How long running remote code may finish after the master is done, before the worker exits anyway. */
const EXIT_GRACE_MS = 1000;

/**
 * Entry point of the worker script: applies the spec's setup, answers the handshake, then
 * serves frames until the master terminates or goes away.
 */
export function main(config: WorkerConfig, localRequire: unknown): void {
  for (const [name, value] of Object.entries(config.env ?? {})) process.env[name] = value;
  if (config.chdir) {
    mkdirSync(config.chdir, { recursive: true });
    process.chdir(config.chdir);
  }
  if (config.nice) setPriority(0, Math.min(19, Math.max(-20, config.nice)));

  const input = openFd(config.inFd, 'read') as Readable;
  const output = openFd(config.outFd, 'write') as Writable;
  const codec = config.codec === 'msgpack' ? msgpackCodec : execnetCodec;
  const gateway = new WorkerGateway(config.id, codec, config.execModel, localRequire);

  let exiting = false;
  const exit = (code: number): void => {
    if (exiting) return;
    exiting = true;
    input.destroy();
    // Flush what is queued (the last CHANNEL_CLOSE messages), then leave even if timers remain.
    output.end(() => process.exit(code));
    setTimeout(() => process.exit(code), 500).unref();
  };
  output.on('error', () => process.exit(1)); // the master is gone: nobody to report to
  gateway.attach(
    {
      write: (chunk) => output.write(chunk),
      onceDrain: (callback) => output.once('drain', callback),
      pause: () => input.pause(),
      resume: () => input.resume(),
    },
    () => {
      void gateway.waitIdle(EXIT_GRACE_MS).then(() => exit(0));
    },
  );
  input.on('data', (chunk: Uint8Array) => gateway.feed(chunk));
  input.on('end', () => gateway.inputEnded());
  input.on('error', () => gateway.inputEnded());
  output.write(new Uint8Array([HANDSHAKE_BYTE]));
}
