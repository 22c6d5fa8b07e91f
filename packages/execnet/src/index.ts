/**
 * @packageDocumentation
 * execnet for TypeScript in one package: gateways to worker processes on this machine or other
 * hosts, remote execution, channels, groups, directory sync (RSync) and Python execnet's
 * serializer — with every transport registered (`popen`, `ssh`, `vagrant_ssh`, `socket`) and
 * the `execnet` command line tool.
 *
 * @example
 * ```ts
 * import { makeGateway } from 'execnet'
 * const gw = await makeGateway('popen')
 * const ch = gw.remoteExec('channel.send(await channel.receive() * 2)')
 * await ch.send(21)
 * console.log(await ch.receive()) // 42
 * await gw.terminate()
 * ```
 */
import './register.js';

// ---- @execnet/serializer ----------------------------------------------------------------
export {
  dumps,
  loads,
  execnetCodec,
  msgpackCodec,
  MsgpackExtension,
  Tuple,
  tuple,
  isTuple,
  FrozenSet,
  isFrozenSet,
  Complex,
  Float,
  DataFormatError,
  DumpError,
  LoadError,
  isDataFormatError,
  Opcode,
  FormatVersion,
} from '@execnet/serializer';
export type {
  DumpsOptions,
  LoadsOptions,
  Codec,
  CodecName,
  ChannelRefs,
  DecodeOptions,
  EncodeOptions,
  StringOptions,
} from '@execnet/serializer';

// ---- @execnet/core ----------------------------------------------------------------------
export {
  Channel,
  Gateway,
  BundleError,
  Group,
  defaultGroup,
  makeGateway,
  MultiChannel,
  ReceiveQueue,
  registerTransport,
  getTransport,
  isTransport,
  transportSymbol,
  XSpec,
  isXSpec,
  jsWorkerCommand,
  locatePythonExecnet,
  pythonExecnetModuleSource,
  pythonStringLiteral,
  LOADER_SOURCE,
  WORKER_IN_FD,
  WORKER_OUT_FD,
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
  MessageCode,
  HEADER_SIZE,
  MAX_PAYLOAD,
  Message,
  encodeFrame,
  encodeHeader,
  FrameParser,
  FrameReader,
  frameReadingSocket,
  splitShellWords,
  createLog,
} from '@execnet/core';
export type {
  CallbackOptions,
  ReceiveOptions,
  ChannelFileMode,
  ChannelFileOptions,
  GatewayStats,
  OutputHandler,
  RemoteInfo,
  RemoteStatus,
  TerminateOptions,
  GroupOptions,
  TerminateReport,
  ReceiveQueueOptions,
  MakeGatewayOptions,
  PythonCode,
  PythonExecnet,
  RemoteCode,
  Connection,
  ExitStatus,
  OpenContext,
  Transport,
  WorkerCommand,
  RuntimeKind,
  RuntimeSpec,
  XSpecValue,
  WaitOptions,
  ReadInPlace,
} from '@execnet/core';

// ---- @execnet/transport-popen -----------------------------------------------------------
export { popenTransport } from '@execnet/transport-popen';
export type { PopenOptions } from '@execnet/transport-popen';

// ---- @execnet/transport-socket ----------------------------------------------------------
export { socketTransport, startSocketServer, SocketConnectError, SocketServerError, SocketErrorCode } from '@execnet/transport-socket';
export type {
  SocketOptions,
  SocketTlsOptions,
  SocketServer,
  SocketServerOptions,
  ConnectionOutcome,
  SocketServerEvent,
  SocketServerLog,
  WorkerExit,
  SecretInput,
  SocketConnectInfo,
  SocketPeerKind,
} from '@execnet/transport-socket';

// ---- @execnet/transport-ssh -------------------------------------------------------------
export {
  sshTransport,
  vagrantSshTransport,
  ConnectionError,
  CONNECTION_ERROR_CODE,
  SshAuthenticationError,
  SshHostKeyError,
  RemoteCommandNotFound,
  SshConfigError,
  SSH_CONFIG_ERROR_CODE,
} from '@execnet/transport-ssh';
export type {
  SshOptions,
  VagrantSshOptions,
  ConnectionFailure,
  ConnectionErrorOptions,
  SshAuthenticationInfo,
  HostKeyProblem,
  SshHostKeyInfo,
  RemoteCommandNotFoundInfo,
  SshConfigErrorOptions,
} from '@execnet/transport-ssh';

// ---- @execnet/rsync ---------------------------------------------------------------------
export {
  RSync,
  PathFilter,
  RSyncError,
  RSyncErrorCode,
  isRSyncError,
  NoTargetsError,
  SourceError,
  DestinationError,
  UnreadableFileError,
  VanishedFileError,
  SpecialFileError,
  RemoteFileError,
  UnsupportedError,
  TargetError,
  SyncError,
} from '@execnet/rsync';
export type {
  RSyncOptions,
  SendOptions,
  TargetOptions,
  RSyncCallback,
  Change,
  ChangeAction,
  ProgressEvent,
  SyncReport,
  TargetReport,
  PathErrorOptions,
  RemoteFileErrorOptions,
  SpecialFileErrorOptions,
  SyncErrorOptions,
  TargetErrorOptions,
} from '@execnet/rsync';
