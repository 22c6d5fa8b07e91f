import { Group, isRSyncError, RSync, type ProgressEvent, type SyncReport } from 'execnet';
import { ExitCode, UsageError } from '../support/exit-codes.js';
import { createProgress, formatBytes, resolveProgressMode, type ProgressSnapshot } from '../support/progress.js';

/** Options of `execnet rsync`, as the command line gives them. */
export interface RSyncCommandOptions {
  /** `--delete`: remove what the source does not have. */
  delete?: boolean;
  /** `--dry-run`: compare only (JavaScript workers). */
  dryRun?: boolean;
  /** `--exclude PATTERN`, repeatable. */
  exclude?: string[];
  /** `--include PATTERN`, repeatable. */
  include?: string[];
  /** `--progress auto|tty|plain|none`. */
  progress?: string;
  /** `--verbose`: a line per file sent. */
  verbose?: boolean;
  /** `--timeout MS`: how long each worker may take to start. */
  timeout?: number;
}

/** One `SPEC:DEST` argument. */
export interface RSyncTarget {
  spec: string;
  dest: string;
}

/**
 * Splits `SPEC:DEST` at the last colon, so specs with colons (`socket=HOST:PORT`, `env:X=1`)
 * work: `popen:/tmp/copy`, `ssh=me@host:build/src`, `socket=127.0.0.1:8888:/srv/copy`.
 * @throws {UsageError} no colon, or an empty spec or destination
 */
export function parseTarget(text: string): RSyncTarget {
  const at = text.lastIndexOf(':');
  const spec = text.slice(0, Math.max(at, 0));
  const dest = at < 0 ? '' : text.slice(at + 1);
  if (!spec || !dest) throw new UsageError(`'${text}' is not SPEC:DEST (e.g. popen:/tmp/copy, ssh=me@host:build)`);
  return { spec, dest };
}

/**
 * `execnet rsync SRC SPEC:DEST...`: mirrors the directory SRC to DEST on each gateway with
 * RSync, showing progress on stderr (a live bar on a terminal, a line a second otherwise) and
 * printing one result line per target on stdout.
 * @returns 0; errors (a failed target: SyncError) are thrown and reported by the caller
 */
export async function rsyncCommand(source: string, targetArgs: string[], options: RSyncCommandOptions): Promise<ExitCode> {
  const targets = targetArgs.map(parseTarget);
  const mode = resolveProgressMode(options.progress ?? 'auto');
  const group = new Group();
  try {
    const gateways = await Promise.all(
      targets.map((target) => group.makeGateway(target.spec, { timeout: options.timeout, onOutput: (text) => void process.stderr.write(text) })),
    );
    const display = createProgress({ mode });
    const latest = new Map<string, ProgressEvent>();
    const rsync = new RSync(source, {
      verbose: options.verbose ? (line) => display.log(line) : false,
      include: options.include,
      exclude: options.exclude,
      onProgress: (event) => {
        latest.set(`${event.gatewayId}\0${event.destDir}`, event);
        display.update(sumProgress(latest.values()));
      },
      onProblem: (error) => display.log(`warning: ${error.message}`),
    });
    gateways.forEach((gw, i) => rsync.addTarget(gw, targets[i]!.dest, { delete: options.delete }));
    let report: SyncReport;
    try {
      report = await rsync.send({ dryRun: options.dryRun });
    } catch (error) {
      // Some targets failed: show what the others did, then report the failure.
      const partial = isRSyncError(error) && 'report' in error ? (error.report as SyncReport) : undefined;
      display.stop(partial && finalProgress(partial));
      if (partial) printReport(partial);
      throw error;
    }
    display.stop(finalProgress(report));
    printReport(report);
    return ExitCode.OK;
  } finally {
    await group.terminate({ timeout: 2000 });
  }
}

function sumProgress(events: Iterable<ProgressEvent>): ProgressSnapshot {
  const sum: ProgressSnapshot = { bytes: 0, totalBytes: 0, files: 0, totalFiles: 0 };
  for (const event of events) {
    sum.bytes += event.bytesDone;
    sum.totalBytes += event.bytesTotal;
    sum.files += event.filesDone;
    sum.totalFiles += event.filesTotal;
  }
  return sum;
}

function finalProgress(report: SyncReport): ProgressSnapshot {
  const done = report.targets.filter((target) => !target.error);
  const bytes = done.reduce((n, target) => n + target.bytesTotal, 0);
  const files = done.reduce((n, target) => n + target.filesRequested, 0);
  return { bytes, totalBytes: bytes, files, totalFiles: files };
}

/** One line per target: `gw0:/tmp/copy  12 changes, 3 files sent (1.2 MiB, 640 KiB reused)`. */
function printReport(report: SyncReport): void {
  for (const target of report.targets) {
    const where = `${target.gatewayId}:${target.destDir}`;
    if (target.error) {
      process.stdout.write(`${where}  failed: ${target.error.message.split('\n')[0]}\n`);
      continue;
    }
    const reused = target.matchedBytes ? `, ${formatBytes(target.matchedBytes)} reused` : '';
    const verb = target.dryRun ? 'would change' : 'changes';
    process.stdout.write(
      `${where}  ${target.changes.length} ${verb}, ${target.filesTransferred} files sent (${formatBytes(target.literalBytes)}${reused})` +
        `${target.problems.length ? `, ${target.problems.length} problems` : ''}\n`,
    );
  }
}
