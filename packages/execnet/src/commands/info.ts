import { Group, isExecnetError, type RemoteInfo, type RemoteStatus } from 'execnet';
import { ExitCode, UsageError } from '../support/exit-codes.js';
import { exitCodeFor } from '../support/report-error.js';
import { formatTable } from '../support/table.js';

/** Options of `execnet info`. */
export interface InfoCommandOptions {
  /** `--json`: one JSON object per spec and line instead of the table. */
  json?: boolean;
  /** `--timeout MS`: how long each worker may take to start. */
  timeout?: number;
}

/** What `execnet info` finds out about one spec. */
export interface SpecReport {
  spec: string;
  id?: string;
  info?: RemoteInfo;
  status?: RemoteStatus;
  /** Why the spec failed; `exitCode` is what the command exits with for it. */
  error?: { name: string; code: string | undefined; message: string; exitCode: ExitCode };
}

const HEADER = ['SPEC', 'ID', 'PID', 'EXECUTABLE', 'VERSION', 'PLATFORM', 'EXECMODEL', 'CHANNELS', 'CWD'];

/**
 * `execnet info SPEC...`: starts one gateway per spec (all at once), asks each for
 * `remoteInfo()` and `remoteStatus()`, and prints one table row per spec; a spec that fails
 * gets a row with its error.
 * @returns 0 when every spec answered, else the exit code of the first failure (3 for gateways)
 */
export async function infoCommand(specs: string[], options: InfoCommandOptions): Promise<ExitCode> {
  if (specs.length === 0) throw new UsageError('give at least one SPEC');
  const group = new Group();
  let reports: SpecReport[];
  try {
    reports = await Promise.all(specs.map((spec) => probe(group, spec, options.timeout)));
  } finally {
    await group.terminate({ timeout: 2000 });
  }
  if (options.json) {
    for (const report of reports) process.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    process.stdout.write(formatTable(HEADER, reports.map(row)));
  }
  const failed = reports.find((report) => report.error);
  return failed ? failed.error!.exitCode : ExitCode.OK;
}

async function probe(group: Group, spec: string, timeout: number | undefined): Promise<SpecReport> {
  try {
    const gw = await group.makeGateway(spec, { timeout, onOutput: (text) => void process.stderr.write(text) });
    // One after the other, so the status does not count the channel of remoteInfo.
    const info = await gw.remoteInfo();
    const status = await gw.remoteStatus();
    return { spec, id: gw.id, info, status };
  } catch (error) {
    const e = error as Error;
    return {
      spec,
      error: {
        name: e?.name ?? 'Error',
        code: isExecnetError(error) ? error.code : (e as NodeJS.ErrnoException)?.code,
        message: (e?.message ?? String(error)).split('\n')[0]!,
        exitCode: exitCodeFor(error),
      },
    };
  }
}

function row(report: SpecReport): string[] {
  if (report.error) return [report.spec, '-', `error: ${report.error.message}`];
  const { info, status } = report;
  return [
    report.spec,
    report.id ?? '',
    String(info!.pid),
    info!.executable,
    info!.version,
    info!.platform,
    status!.execModel,
    String(status!.numChannels),
    info!.cwd,
  ];
}
