import type { Codec } from '@execnet/serializer';
import { BaseGateway, type FrameSink } from '../base-gateway.js';
import { errorText, type Channel } from '../channel.js';
import { createLog } from '../debug.js';
import { EOFError } from '../errors.js';
import type { Message } from '../message.js';
import { MessageCode } from '../protocol.js';
import { compileRemote, noteRoundTrip } from './compile.js';
import { parseExecPayload, type ExecRequest } from './exec-payload.js';
import { runInThread } from './thread-exec.js';
import { startParentWatchdog } from './watchdog.js';

const log = createLog('worker');

/** How remote code is scheduled in a JavaScript worker. */
export type JsExecModel = 'eventloop' | 'main_thread_only' | 'thread';

/**
 * The worker's end of a gateway: runs CHANNEL_EXEC requests, answers STATUS, and ends on
 * GATEWAY_TERMINATE or when the master's stream ends.
 */
export class WorkerGateway extends BaseGateway {
  private numExecuting = 0;
  private serial: Promise<void> = Promise.resolve();
  private readonly idleWaiters: Array<() => void> = [];
  private onTerminate: (() => void) | undefined;

  constructor(
    id: string,
    codec: Codec,
    private readonly execModel: JsExecModel,
    private readonly localRequire: unknown,
  ) {
    super(id, codec, true);
  }

  /** A worker's process lifetime does not follow its waiters (see `serve.ts`). */
  protected override get observesHolds(): boolean {
    return false;
  }

  /** Starts serving over `sink`; `onTerminate` runs once when the master is done with us. */
  attach(sink: FrameSink, onTerminate: () => void): void {
    this.sink = sink;
    this.onTerminate = onTerminate;
  }

  /** Bytes from the master. */
  feed(chunk: Uint8Array): void {
    this.receiveBytes(chunk);
  }

  /**
   * The master's stream ended (after `exit()`, or it went away): nothing more can arrive, so
   * receives end with EOFError, but running code may still send its results until the worker
   * exits, as execnet's "sendonly" channels do. If the master is gone, the failing output
   * stream ends the worker.
   */
  inputEnded(): void {
    const eof = new EOFError('the master closed the connection');
    for (const channel of [...this.channels.values()]) channel.endReceive(undefined, eof, false);
    this.terminate();
  }

  /** Resolves when no remote code runs, or after `ms`, whichever is first. */
  waitIdle(ms: number): Promise<void> {
    if (this.numExecuting === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  protected override get publicGateway(): unknown {
    return this;
  }

  protected override handleOther(message: Message): void {
    switch (message.code) {
      case MessageCode.CHANNEL_EXEC:
        this.startExec(message.channelId, message.payload);
        return;
      case MessageCode.STATUS: {
        const status = { numchannels: this.numChannels, numexecuting: this.numExecuting, execmodel: this.execModel };
        void this.writeMessage(MessageCode.CHANNEL_DATA, message.channelId, this.codec.encode(status));
        void this.writeMessage(MessageCode.CHANNEL_CLOSE, message.channelId, new Uint8Array(0));
        return;
      }
      case MessageCode.GATEWAY_TERMINATE:
        this.terminate();
        return;
      default:
        log(this.id, `ignored ${message.toString()}`);
    }
  }

  private terminate(): void {
    // `terminating` stays false: code finishing during the grace period still sends CHANNEL_CLOSE.
    const done = this.onTerminate;
    this.onTerminate = undefined;
    done?.();
  }

  private startExec(channelId: number, payload: Uint8Array): void {
    startParentWatchdog();
    const channel = this.channelFor(channelId);
    let run: () => Promise<void>;
    try {
      const request = parseExecPayload(this.decode(payload, this.strconfig));
      run =
        this.execModel === 'thread'
          ? () => this.executeInThread(channel, request)
          : () => this.execute(channel, request);
    } catch (error) {
      channel.closeNow(error as Error);
      return;
    }
    this.numExecuting++;
    if (this.execModel === 'main_thread_only') {
      // One at a time, in order; a failed exec does not poison the next (execnet defect #2).
      this.serial = this.serial.then(run, run);
    } else {
      void run();
    }
  }

  private async executeInThread(channel: Channel, request: ExecRequest): Promise<void> {
    log(this.id, `execution starts in a thread[${channel.id}]`);
    const sentBefore = this.stats.messagesSent;
    try {
      await runInThread(channel, request, this.codec, (id, bytes) => this.writeMessage(MessageCode.CHANNEL_DATA, id, bytes));
      if (this.stats.messagesSent > sentBefore) noteRoundTrip();
    } catch (error) {
      channel.closeNow(error as Error);
    } finally {
      this.execFinished(channel);
    }
  }

  private execFinished(channel: Channel): void {
    log(this.id, `execution finished[${channel.id}]`);
    this.numExecuting--;
    if (this.numExecuting === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private async execute(channel: Channel, request: ExecRequest): Promise<void> {
    log(this.id, `execution starts[${channel.id}]`);
    channel.executing = true;
    const sentBefore = this.stats.messagesSent;
    try {
      const fn = await compileRemote(request, this.localRequire);
      await fn(channel, request.kwargs);
      channel.executing = false;
      if (this.stats.messagesSent > sentBefore) noteRoundTrip();
      channel.closeNow();
    } catch (error) {
      channel.executing = false;
      // Like execnet: an EOFError from receive() means the master went away; not an error.
      if (error instanceof EOFError) channel.closeNow();
      else channel.closeNow(error instanceof Error ? error : errorText(String(error)));
    } finally {
      this.execFinished(channel);
    }
  }
}
