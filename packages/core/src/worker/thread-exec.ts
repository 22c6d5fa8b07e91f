import type * as WorkerThreads from 'node:worker_threads';
import type { Codec } from '@execnet/serializer';
import { errorText, type Channel } from '../channel.js';
import { builtin } from './builtin.js';
import type { ExecRequest } from './exec-payload.js';
import { BUNDLE_GLOBAL, type FromThread, type ThreadData, type ToThread } from './thread-protocol.js';

/** Writes a raw CHANNEL_DATA frame; resolves when the connection can take more. */
export type RawSend = (channelId: number, bytes: Uint8Array) => Promise<void>;

/**
 * Runs one remoteExec in its own thread (`thread` exec model), so blocking or CPU-bound code
 * does not stop the worker's other channels. The real channel stays in the main thread and
 * relays items both ways. Resolves when the code finished; the channel is then closed.
 */
export function runInThread(channel: Channel, request: ExecRequest, codec: Codec, rawSend: RawSend): Promise<void> {
  const bundle = (globalThis as Record<symbol, unknown>)[BUNDLE_GLOBAL] as ((...args: unknown[]) => void) | undefined;
  if (!bundle) return Promise.reject(new Error('the thread exec model needs the worker runtime bundle'));
  const data: ThreadData = {
    codec: codec.name,
    channelId: channel.id,
    source: request.source,
    fileName: request.fileName,
    callName: request.callName,
    kwargs: codec.encode(request.kwargs),
  };
  // Not `module`: Bun's eval workers have one in scope already.
  const source =
    `const execnetModule = { exports: {} };\n(${bundle.toString()})(require, execnetModule, execnetModule.exports);\n` +
    `execnetModule.exports.threadMain(require);`;
  const { Worker } = builtin<typeof WorkerThreads>('node:worker_threads');
  const thread = new Worker(source, { eval: true, workerData: data });
  const post = (message: ToThread) => thread.postMessage(message);

  channel.setCallback(
    (item) => {
      if (item !== END_MARKER) post({ op: 'item', bytes: codec.encode(item) });
    },
    { endMarker: END_MARKER },
  );
  // The callback above gets END_MARKER when the channel ends; tell the thread why.
  void channel.waitClose().then(
    () => post({ op: 'end', closed: channel.isClosed }),
    (error: Error) =>
      post(error.name === 'RemoteError' ? { op: 'end', error: (error as Error & { formatted: string }).formatted, closed: true } : { op: 'end', connection: error.message, closed: true }),
  );

  return new Promise<void>((resolve) => {
    let finished = false;
    const finish = (error?: string) => {
      if (finished) return;
      finished = true;
      channel.executing = false;
      channel.closeNow(error);
      void thread.terminate();
      resolve();
    };
    thread.on('message', (message: FromThread) => {
      if (message.op === 'send') {
        rawSend(channel.id, message.bytes).then(
          () => post({ op: 'ack', seq: message.seq }),
          (error: Error) => post({ op: 'ack', seq: message.seq, error: error.message }),
        );
      } else if (message.op === 'close') {
        channel.executing = false;
        channel.closeNow(message.error);
      } else {
        finish(message.error);
      }
    });
    thread.on('error', (error) => finish(errorText(error)));
    // Let messages posted just before the thread ended (its 'done') arrive first.
    thread.on('exit', (code) => setImmediate(() => finish(code === 0 ? undefined : `exec thread exited with code ${code}`)));
  });
}

const END_MARKER = Symbol('thread channel end');
