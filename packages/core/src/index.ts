/**
 * @packageDocumentation
 * The core of execnet for TypeScript: gateways to worker processes, channels multiplexed
 * over one byte stream, remote execution, groups, and the transport registry. Wire-compatible
 * with Python execnet.
 *
 * @example
 * ```ts
 * import { makeGateway, registerTransport } from '@execnet/core'
 * import { popenTransport } from '@execnet/transport-popen'
 * registerTransport(popenTransport())
 * const gw = await makeGateway('popen')
 * const ch = gw.remoteExec('channel.send(await channel.receive() * 2)')
 * await ch.send(21)
 * console.log(await ch.receive()) // 42
 * await gw.terminate()
 * ```
 */
export { Channel } from './channel.js';
export type { CallbackOptions, ReceiveOptions } from './channel.js';
export type { ChannelFileMode, ChannelFileOptions } from './channel-file.js';
export { Gateway } from './gateway.js';
export type { GatewayStats } from './base-gateway.js';
export { BundleError } from './module-bundle.js';
export type { OutputHandler, RemoteInfo, RemoteStatus, TerminateOptions } from './gateway.js';
export { Group, defaultGroup, makeGateway } from './group.js';
export type { GroupOptions, TerminateReport } from './group.js';
export { MultiChannel, ReceiveQueue } from './multi-channel.js';
export type { ReceiveQueueOptions } from './multi-channel.js';
export type { MakeGatewayOptions } from './make-gateway.js';
export type { PythonCode, RemoteCode } from './remote-exec.js';
export { registerTransport, getTransport, isTransport, transportSymbol } from './registry.js';
export type { Connection, ExitStatus, OpenContext, Transport } from './registry.js';
export type { WorkerCommand } from './worker-command.js';
export { LOADER_SOURCE, WORKER_IN_FD, WORKER_OUT_FD, jsWorkerCommand } from './worker-command.js';
export { locatePythonExecnet, pythonExecnetModuleSource, pythonStringLiteral } from './python-worker.js';
export type { PythonExecnet } from './python-worker.js';
/** @internal For the in-memory transport of `@execnet/testkit`: serves a worker over Node streams. */
export { serveWorker } from './worker/serve.js';
export type { ServeWorkerConfig, ServeWorkerOptions } from './worker/serve.js';
export { XSpec, isXSpec } from './xspec.js';
export type { RuntimeKind, RuntimeSpec, XSpecValue } from './xspec.js';
export type { WaitOptions } from './wait.js';
export {
  ExecnetError,
  isExecnetError,
  ExecnetErrorCode,
  RemoteError,
  TimeoutError,
  EOFError,
  ChannelClosedError,
  GatewayClosedError,
  HostNotFound,
  AuthenticationError,
  HostKeyError,
  SpecError,
  ProtocolError,
  BootstrapError,
  ClosureError,
} from './errors.js';
export { MessageCode, HEADER_SIZE, MAX_PAYLOAD } from './protocol.js';
export { Message, encodeFrame, encodeHeader } from './message.js';
export { FrameParser, FrameReader, frameReadingSocket } from './frame-parser.js';
export type { ReadInPlace } from './frame-parser.js';
export { splitShellWords } from './shell-words.js';
export { createLog } from './debug.js';
export {
  dumps,
  loads,
  Tuple,
  tuple,
  FrozenSet,
  Complex,
  Float,
  DataFormatError,
  DumpError,
  LoadError,
  isDataFormatError,
} from '@execnet/serializer';
export type { StringOptions } from '@execnet/serializer';
