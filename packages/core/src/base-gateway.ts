import type { Readable, Writable } from 'node:stream';
import type { Codec, DecodeOptions, StringOptions } from '@execnet/serializer';
import { Channel } from './channel.js';
import type { ChannelHost } from './channel-host.js';
import { createLog, debugEnabled } from './debug.js';
import { ExecnetError, GatewayClosedError, RemoteError } from './errors.js';
import { FrameParser } from './frame-parser.js';
import { encodeHeader, fillHeader, Message } from './message.js';
import { noteBigBufferSent } from './memory-nudge.js';
import { writePool } from './write-pool.js';
import { CHANNEL_ID_STEP, HEADER_SIZE, messageCodeName, MASTER_FIRST_CHANNEL_ID, MessageCode, WORKER_FIRST_CHANNEL_ID } from './protocol.js';

const log = createLog('core:gateway');
const resolved = Promise.resolve();
/** Above this many queued bytes the connection stops being read (unless a receive is waiting). */
const QUEUE_HIGH_WATER = 4 * 1024 * 1024;
const QUEUE_LOW_WATER = 1024 * 1024;
/** Payloads at least this big lend their memory to the bytes values decoded from them. */
const SHARE_PAYLOAD_MIN = 64 * 1024;
/**
 * The first frames after something was read (or after the last batch) are written at once;
 * after that a burst is collected into a buffer of BATCH_SIZE and written together at the end
 * of the tick (one write, not thousands). A request/reply exchange thus never waits for a tick.
 */
const DIRECT_FRAMES = 16;
const BATCH_SIZE = 64 * 1024;
/** Payloads at least this big are written apart from their header instead of copied. */
const BATCH_PAYLOAD_MAX = 16 * 1024;

/** Queues a write until `queue` is run: with no error it writes, with one it rejects. */
function deferWrite(queue: Array<(error?: Error) => void>, write: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve, reject) => queue.push((error) => (error ? reject(error) : write().then(resolve, reject))));
}

/** Traffic of one gateway: see `gateway.stats`. */
export interface GatewayStats {
  /** Bytes of frames written (header + payload); the bootstrap is not counted. */
  bytesSent: number;
  /** Bytes read from the worker after the handshake. */
  bytesReceived: number;
  messagesSent: number;
  messagesReceived: number;
}

/** The byte stream under a gateway, as the message layer sees it. */
export interface FrameSink {
  /**
   * Writes bytes; false means "wait for drain before writing more". `done`, when given, is
   * called once the stream no longer holds `chunk` (written, or the stream is gone).
   */
  write(chunk: Uint8Array, done?: () => void): boolean;
  /** `write` is done with a chunk when it calls `done`, so the chunk may be reused (see `Connection.copiesWrites`). */
  readonly copiesWrites: boolean;
  /** Bytes written but not yet taken by the OS. */
  pending(): number;
  /** Calls `callback` once when writing may go on. */
  onceDrain(callback: () => void): void;
  /** Stops or restarts reading (flow control of receive queues). */
  pause(): void;
  resume(): void;
}

/**
 * The sink of a gateway that writes frames to `output` and reads them from `input`.
 * @param copiesWrites `output` is done with a chunk when its write callback runs (see `Connection.copiesWrites`)
 */
export function streamSink(output: Writable, input: Readable, copiesWrites: boolean): FrameSink {
  return {
    write: (chunk, done) => output.write(chunk, done),
    pending: () => output.writableLength,
    copiesWrites,
    onceDrain: (callback) => output.once('drain', callback),
    pause: () => input.pause(),
    resume: () => input.resume(),
  };
}

/** A copy of `item` (`Buffer#slice` would be a view): what a sent value must be. */
function snapshot(item: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(item);
}

/** Channels default to execnet's channel string options: Python 2 `str` loads as text. */
const CHANNEL_STRCONFIG: StringOptions = { py2strAsPy3str: true, py3strAsPy2str: false };

/**
 * The message layer shared by both ends of a gateway: channel table, dispatch of incoming
 * frames, writing with backpressure and receive-side flow control.
 * execnet's BaseGateway + ChannelFactory, without the threads.
 */
export abstract class BaseGateway {
  /** Gateway id (`gw0`, or the spec's `id`; the worker's is `<id>-worker`). */
  id: string;
  protected readonly codec: Codec;
  protected readonly channels = new Map<number, Channel>();
  protected sink: FrameSink | undefined;
  protected strconfig: StringOptions = CHANNEL_STRCONFIG;
  /** Set once the connection ended; every channel op after that fails with it. */
  protected connectionError: Error | undefined;
  protected terminating = false;
  private nextChannelId: number;
  private readonly parser: FrameParser;
  private draining: Promise<void> | undefined;
  /** Ends the wait for 'drain' (on drain, or when the connection is gone). */
  private releaseDrain: (() => void) | undefined;
  private readonly batch = new Uint8Array(BATCH_SIZE);
  private batchLength = 0;
  private flushScheduled = false;
  private directFrames = 0;
  private queuedBytes = 0;
  private waitingReceivers = 0;
  private paused = false;
  private readonly refs;
  /** Encodes channel items as frames: with room for the header, and channels inside values. */
  private readonly frameEncoding;
  protected readonly host: ChannelHost;

  constructor(id: string, codec: Codec, isWorker: boolean) {
    this.id = id;
    this.codec = codec;
    this.nextChannelId = isWorker ? WORKER_FIRST_CHANNEL_ID : MASTER_FIRST_CHANNEL_ID;
    this.parser = new FrameParser((message) => this.dispatch(message));
    this.refs = {
      idOf: (value: object) => (value instanceof Channel && value.host === this.host ? value.id : undefined),
      fromId: (channelId: number) => this.channelFor(channelId),
      channelClass: Channel,
    };
    this.frameEncoding = { channels: this.refs, reserve: HEADER_SIZE };
    this.host = this.makeHost();
  }

  /** True while messages can still be sent. */
  get isOpen(): boolean {
    return this.connectionError === undefined && !this.terminating && this.sink !== undefined;
  }

  /**
   * Makes a channel without telling the peer; it learns of it when the channel is sent
   * inside a value.
   * @throws {GatewayClosedError} the connection is gone
   * @see execnet Gateway.newchannel
   */
  newChannel(): Channel {
    if (this.connectionError) throw this.connectionError;
    const id = this.nextChannelId;
    this.nextChannelId += CHANNEL_ID_STEP;
    return this.channelFor(id);
  }

  /** Feeds bytes read from the connection. A corrupt stream ends the gateway with a clear error. */
  protected receiveBytes(chunk: Uint8Array): void {
    this.counters.bytesReceived += chunk.byteLength;
    this.directFrames = 0;
    try {
      this.parser.push(chunk);
    } catch (error) {
      this.connectionLost(error as Error);
    }
  }

  /**
   * Writes one frame; resolves when the connection can take more. A big payload is written
   * after its header as it is, not copied into a frame.
   */
  protected writeMessage(code: MessageCode, channelId: number, payload: Uint8Array): Promise<void> {
    const length = payload.byteLength;
    if (length < BATCH_PAYLOAD_MAX) {
      const frame = Buffer.allocUnsafe(HEADER_SIZE + length);
      frame.set(payload, HEADER_SIZE);
      return this.writeFrame(code, channelId, frame);
    }
    const deferred = this.deferredWrites(code, channelId);
    if (deferred) return deferWrite(deferred, () => this.writeMessage(code, channelId, payload));
    const sink = this.openSink();
    this.countSent(code, channelId, length);
    // An encoding this big was made for this one message: the memory nudge counts it.
    if (length >= SHARE_PAYLOAD_MIN) noteBigBufferSent(length);
    this.flushWrites();
    sink.write(encodeHeader(code, channelId, length));
    this.noteWrite(sink.write(payload));
    return this.draining ?? resolved;
  }

  /**
   * Writes one frame made with room for its header (9 free bytes, then the payload: what the
   * codec makes with `reserve`); resolves when the connection can take more.
   */
  private writeFrame(code: MessageCode, channelId: number, frame: Uint8Array): Promise<void> {
    const deferred = this.deferredWrites(code, channelId);
    if (deferred) return deferWrite(deferred, () => this.writeFrame(code, channelId, frame));
    const sink = this.openSink();
    const length = frame.byteLength - HEADER_SIZE;
    this.countSent(code, channelId, length);
    fillHeader(frame, code, channelId);
    if (length >= BATCH_PAYLOAD_MAX) {
      if (length >= SHARE_PAYLOAD_MIN) noteBigBufferSent(length);
      this.flushWrites();
      this.noteWrite(sink.write(frame));
    } else if (this.directFrames < DIRECT_FRAMES && this.batchLength === 0) {
      // Written at once: a few sends followed by code that blocks the event loop still arrive.
      this.directFrames++;
      this.noteWrite(sink.write(frame));
    } else {
      if (this.batchLength + frame.byteLength > BATCH_SIZE) this.flushWrites();
      this.batch.set(frame, this.batchLength);
      this.batchLength += frame.byteLength;
      this.scheduleTick();
    }
    return this.draining ?? resolved;
  }

  /**
   * Writes a big bytes item as one CHANNEL_DATA frame: the codec's framing around a copy of the
   * item (a snapshot, as `send` promises). Where the stream is done with a chunk once its write
   * completes, the copy is made in reused buffers: a bulk sender then makes no garbage.
   */
  private writeBytesItem(channelId: number, item: Uint8Array): Promise<void> {
    const deferred = this.deferredWrites(MessageCode.CHANNEL_DATA, channelId);
    if (deferred) {
      const copy = snapshot(item);
      return deferWrite(deferred, () => this.writeBytesItem(channelId, copy));
    }
    const sink = this.openSink();
    const { prefix, suffix } = this.codec.bytesFraming(item.byteLength);
    const length = prefix.byteLength + item.byteLength + suffix.byteLength;
    this.countSent(MessageCode.CHANNEL_DATA, channelId, length);
    this.flushWrites();
    const header = encodeHeader(MessageCode.CHANNEL_DATA, channelId, length);
    sink.write(header);
    sink.write(prefix);
    let accepted: boolean;
    if (sink.copiesWrites) {
      accepted = writePool.writeCopied(item, (chunk, done) => sink.write(chunk, done), () => sink.pending());
    } else {
      noteBigBufferSent(item.byteLength);
      accepted = sink.write(snapshot(item));
    }
    if (suffix.byteLength) accepted = sink.write(suffix);
    this.noteWrite(accepted);
    return this.draining ?? resolved;
  }

  /**
   * Where a message must wait instead of being written now (the master's channels whose
   * CHANNEL_EXEC is still being prepared); undefined: write now.
   */
  protected deferredWrites(_code: MessageCode, _channelId: number): Array<(error?: Error) => void> | undefined {
    return undefined;
  }

  private openSink(): FrameSink {
    if (!this.sink || this.connectionError) throw this.connectionError ?? new GatewayClosedError({ gatewayId: this.id, exitCode: null, signal: null, reason: 'not connected' });
    return this.sink;
  }

  private countSent(code: MessageCode, channelId: number, length: number): void {
    if (debugEnabled) log(this.id, 'sent', `<Message ${messageCodeName(code) ?? code} channel=${channelId} lendata=${length}>`);
    this.counters.messagesSent++;
    this.counters.bytesSent += HEADER_SIZE + length;
  }

  /**
   * After a write the stream refused to buffer more: until its 'drain', writers get a promise.
   * The listener is added right away, since a later one could miss the event.
   */
  private noteWrite(accepted: boolean): void {
    if (accepted || this.draining || !this.sink) return;
    // A send waiting for 'drain' is something waiting for the peer: keep the master alive.
    this.hold(1);
    this.draining = new Promise<void>((resolve) => {
      this.releaseDrain = () => {
        if (!this.draining) return;
        this.draining = undefined;
        this.releaseDrain = undefined;
        this.hold(-1);
        resolve();
      };
      this.sink!.onceDrain(() => this.releaseDrain?.());
    });
  }

  /**
   * Writes the frames collected so far. Small frames written in one tick go out as one chunk,
   * so a burst of sends costs one write instead of one each; call this before ending the stream.
   */
  flushWrites(): void {
    if (this.batchLength === 0 || !this.sink) return;
    const chunk = this.batch.slice(0, this.batchLength);
    this.batchLength = 0;
    this.noteWrite(this.sink.write(chunk));
  }

  private scheduleTick(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(this.flushTick);
  }

  private readonly flushTick = (): void => {
    this.flushScheduled = false;
    this.directFrames = 0;
    if (!this.connectionError) this.flushWrites();
  };

  /** Returns the channel for an id, making it if needed (ids received inside values). */
  protected channelFor(id: number): Channel {
    let channel = this.channels.get(id);
    if (!channel) {
      channel = new Channel(this.host, id, this.strconfig);
      this.channels.set(id, channel);
    }
    return channel;
  }

  /** Decodes a payload with this gateway's codec and channel table. */
  protected decode(payload: Uint8Array, strconfig: StringOptions): unknown {
    // Big payloads were assembled into their own buffer: their bytes values can share it. Small
    // ones are views of a read chunk, which a shared bytes value would keep alive.
    const share = payload.byteLength >= SHARE_PAYLOAD_MIN;
    let options = strconfig === this.lastStrconfig ? this.lastDecodeOptions : this.decodeOptions.get(strconfig);
    if (!options) {
      options = [
        { ...strconfig, channels: this.refs, copyBytes: true },
        { ...strconfig, channels: this.refs, copyBytes: false },
      ];
      this.decodeOptions.set(strconfig, options);
    }
    this.lastStrconfig = strconfig;
    this.lastDecodeOptions = options;
    return this.codec.decode(payload, options[share ? 1 : 0]);
  }

  /** Decode options per string configuration (copying, sharing), made once: this is per message. */
  private readonly decodeOptions = new WeakMap<StringOptions, [DecodeOptions, DecodeOptions]>();
  /** The last lookup of {@link decodeOptions} (a stream of items mostly has one configuration). */
  private lastStrconfig: StringOptions | undefined;
  private lastDecodeOptions: [DecodeOptions, DecodeOptions] | undefined;

  private readonly counters: GatewayStats = { bytesSent: 0, bytesReceived: 0, messagesSent: 0, messagesReceived: 0 };

  /** Traffic counters of this gateway's connection (frames, headers included). */
  get stats(): Readonly<GatewayStats> {
    return { ...this.counters };
  }

  /** Number of channels that are still open. */
  get numChannels(): number {
    return this.channels.size;
  }

  /** Handles a message; the worker adds STATUS, GATEWAY_TERMINATE and CHANNEL_EXEC. */
  protected dispatch(message: Message): void {
    if (debugEnabled) log(this.id, 'received', message.toString());
    this.counters.messagesReceived++;
    const { code, channelId, payload } = message;
    switch (code) {
      case MessageCode.CHANNEL_DATA: {
        const channel = this.channels.get(channelId);
        if (!channel) {
          log(this.id, `dropped data for unknown channel ${channelId}`);
          return;
        }
        let item: unknown;
        try {
          item = this.decode(payload, channel.strconfig);
        } catch (error) {
          // A bad item ends its channel only, not the whole gateway (execnet defect: it did).
          channel.endReceive(undefined, error as Error, false);
          channel.closeNow(error as Error);
          return;
        }
        channel.deliver(item, payload.byteLength);
        return;
      }
      case MessageCode.CHANNEL_CLOSE:
        this.channels.get(channelId)?.endReceive(undefined, undefined, true);
        return;
      case MessageCode.CHANNEL_CLOSE_ERROR: {
        const channel = this.channels.get(channelId);
        let text: string;
        try {
          text = String(this.decode(payload, this.strconfig));
        } catch (error) {
          text = `undecodable remote error: ${(error as Error).message}`;
        }
        if (channel) channel.endReceive(new RemoteError(this.mapRemoteError(text, channel)), undefined, true);
        else log(this.id, `remote error on unknown channel ${channelId}: ${text}`);
        return;
      }
      case MessageCode.CHANNEL_LAST_MESSAGE:
        this.channels.get(channelId)?.endReceive(undefined, undefined, false);
        return;
      case MessageCode.RECONFIGURE: {
        const [py2strAsPy3str, py3strAsPy2str] = this.decode(payload, this.strconfig) as [boolean, boolean];
        const config = { py2strAsPy3str: Boolean(py2strAsPy3str), py3strAsPy2str: Boolean(py3strAsPy2str) };
        if (channelId === 0) this.strconfig = config;
        else this.channelFor(channelId).strconfig = config;
        return;
      }
      default:
        this.handleOther(message);
    }
  }

  /** Number of things waiting for the peer; the master keeps its process alive while above 0. */
  protected holds = 0;
  /** What {@link holdsChanged} said last. */
  private held = false;
  private releaseScheduled = false;

  /**
   * Counts a waiter in or out; see {@link holdsChanged}. Becoming busy is reported at once;
   * becoming idle only if it lasts until the event loop's next turn, so a receive loop that
   * waits again at once (one waiter in and out per item) does not switch it back and forth.
   */
  protected hold(delta: number): void {
    this.holds += delta;
    if (!this.observesHolds) return;
    if (this.holds > 0) {
      if (!this.held) {
        this.held = true;
        this.holdsChanged(true);
      }
    } else if (this.held && !this.releaseScheduled) {
      this.releaseScheduled = true;
      setImmediate(this.releaseIfIdle);
    }
  }

  private readonly releaseIfIdle = (): void => {
    this.releaseScheduled = false;
    if (this.holds === 0 && this.held) {
      this.held = false;
      this.holdsChanged(false);
    }
  };

  /** Called when the gateway starts or stops having waiters (if {@link observesHolds}). */
  protected holdsChanged(_busy: boolean): void {}

  /** False where nothing listens to {@link holdsChanged}: waiters are then only counted. */
  protected get observesHolds(): boolean {
    return true;
  }

  /** Lets the master rewrite remote stack traces (source maps of shipped modules). */
  protected mapRemoteError(text: string, _channel: Channel): string {
    return text;
  }

  /** Messages only one side understands. */
  protected abstract handleOther(message: Message): void;

  /** The public object channels report as their `gateway`. */
  protected abstract get publicGateway(): unknown;

  /**
   * The connection ended (`error` says why). Every channel still receiving ends with that
   * error, so pending receives reject instead of hanging.
   */
  protected connectionLost(error: Error): void {
    if (this.connectionError) return;
    this.connectionError = error;
    this.releaseDrain?.(); // no 'drain' will come; senders waiting for one go on (and fail on their next send)
    log(this.id, 'connection ended:', error.message);
    for (const channel of [...this.channels.values()]) channel.endReceive(undefined, error, false);
    this.channels.clear();
    this.resumeIfPaused();
  }

  private makeHost(): ChannelHost {
    const self = this;
    return {
      get gateway() {
        return self.publicGateway;
      },
      get isOpen() {
        return self.isOpen;
      },
      encode: (value) => this.codec.encode(value, { channels: this.refs }),
      sendMessage: (code, channelId, payload) => this.writeMessage(code, channelId, payload),
      sendItem: (channelId, item) => {
        // A big bytes item is framed around one copy of itself, not copied into an encoding twice.
        if (item instanceof Uint8Array && item.byteLength >= BATCH_PAYLOAD_MAX) return this.writeBytesItem(channelId, item);
        return this.writeFrame(MessageCode.CHANNEL_DATA, channelId, this.codec.encode(item, this.frameEncoding));
      },
      channelClosed: (channel) => {
        if (this.channels.get(channel.id) === channel) this.channels.delete(channel.id);
      },
      queued: (bytes) => {
        this.queuedBytes += bytes;
        this.updateFlow();
      },
      dequeued: (bytes) => {
        this.queuedBytes -= bytes;
        this.updateFlow();
      },
      receiverWaiting: (delta) => {
        this.waitingReceivers += delta;
        this.updateFlow();
        this.hold(delta);
      },
      hold: (delta) => this.hold(delta),
    };
  }

  /**
   * Stops reading while receive queues hold more than the high-water mark, so a fast sender
   * is slowed down instead of filling memory. Reading goes on while any receive() waits, so
   * waiting on one channel never deadlocks behind another channel's full queue.
   */
  private updateFlow(): void {
    if (!this.sink) return;
    if (!this.paused && this.queuedBytes > QUEUE_HIGH_WATER && this.waitingReceivers === 0 && !this.connectionError) {
      this.paused = true;
      this.sink.pause();
    } else if (this.paused && (this.queuedBytes < QUEUE_LOW_WATER || this.waitingReceivers > 0)) {
      this.resumeIfPaused();
    }
  }

  private resumeIfPaused(): void {
    if (!this.paused) return;
    this.paused = false;
    this.sink?.resume();
  }
}

/** Error for an operation on a gateway that is no longer usable. */
export function gatewayGone(id: string, reason: string): ExecnetError {
  return new GatewayClosedError({ gatewayId: id, exitCode: null, signal: null, reason });
}
