/**
 * @packageDocumentation
 * Directory sync over execnet channels: Python execnet's `RSync`, for JavaScript workers
 * (streamed in bounded chunks, delta transfer of changed large files, exact modes and
 * mtimes, symlinks, empty directories, delete, filters, dry-run, progress, parallel
 * fan-out) and for Python workers (execnet's own `rsync_remote`, reference protocol).
 *
 * @example
 * ```ts
 * import { makeGateway, registerTransport } from '@execnet/core'
 * import { popenTransport } from '@execnet/transport-popen'
 * import { RSync } from '@execnet/rsync'
 * registerTransport(popenTransport())
 * const gw = await makeGateway('popen')
 * const report = await new RSync('/tmp/rsync-example/src', { verbose: false })
 *   .addTarget(gw, '/tmp/rsync-example/copy', { delete: true })
 *   .send()
 * console.log(report.targets[0].filesTransferred)
 * await gw.terminate()
 * ```
 */
export { RSync } from './rsync.js';
export type { RSyncOptions, SendOptions, TargetOptions } from './rsync.js';
export type { RSyncCallback } from './target.js';
export type { Change, ChangeAction, ProgressEvent, SyncReport, TargetReport } from './report.js';
export { PathFilter } from './filter.js';
export {
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
} from './errors.js';
export type { PathErrorOptions, RemoteFileErrorOptions, SpecialFileErrorOptions, SyncErrorOptions, TargetErrorOptions } from './errors.js';
