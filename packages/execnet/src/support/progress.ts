import { MultiBar, type SingleBar } from 'cli-progress';

/** The bar objects a MultiBar hands out. */
type SingleBarLike = Pick<SingleBar, 'update' | 'setTotal'>;

/** How progress is shown: a live bar (`tty`), a line now and then (`plain`), or not at all. */
export type ProgressMode = 'tty' | 'plain' | 'none';

/** Where a transfer stands. */
export interface ProgressSnapshot {
  /** Bytes transferred so far (all targets). */
  bytes: number;
  /** Bytes to transfer in all, when known. */
  totalBytes: number;
  /** Files done so far (all targets). */
  files: number;
  /** Files to do in all, when known. */
  totalFiles: number;
}

/** Shows the progress of one transfer. */
export interface ProgressDisplay {
  /** The transfer advanced. Cheap: the display redraws at most every 100 ms (tty) or 1 s (plain). */
  update(snapshot: ProgressSnapshot): void;
  /** A message that must stay on screen (above the bar on a terminal). */
  log(line: string): void;
  /** The transfer ended: draws the final state and a summary line (none without a snapshot: it failed). */
  stop(snapshot?: ProgressSnapshot): void;
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  mode: ProgressMode;
  /** @default process.stderr */
  stream?: NodeJS.WriteStream;
  /** Milliseconds between plain lines. @default 1000 */
  plainInterval?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

/** Picks `tty` for a terminal and `plain` otherwise, unless the user forced a mode. */
export function resolveProgressMode(requested: string, stream: NodeJS.WriteStream = process.stderr): ProgressMode {
  if (requested === 'auto') return stream.isTTY ? 'tty' : 'plain';
  return requested as ProgressMode;
}

/**
 * Creates the progress display. On a terminal (`tty`) it is a cli-progress bar redrawn in
 * place, with log lines printed above it: `[████░░░░] 42% | 1.2 MiB/3.0 MiB | 7/20 files | 2.4 MiB/s | ETA 1s`. In `plain`
 * mode the same figures are printed as a line at most every `plainInterval`, then once at the
 * end; `none` prints only the final summary.
 */
export function createProgress(options: ProgressOptions): ProgressDisplay {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const started = now();
  const figures = (s: ProgressSnapshot) => describe(s, (now() - started) / 1000);
  const summary = (s: ProgressSnapshot): string => {
    const seconds = (now() - started) / 1000;
    return `${s.files} file${s.files === 1 ? '' : 's'}, ${formatBytes(s.bytes)} in ${formatSeconds(seconds)} (${formatBytes(rate(s.bytes, seconds))}/s)`;
  };

  if (options.mode === 'tty') {
    // A forced tty mode on a stream that is not a terminal still draws (for `--progress=tty`
    // through a pipe): cli-progress only moves the cursor on a stream that says it is a TTY.
    const terminal = stream.isTTY ? stream : ttyLike(stream);
    // A MultiBar (with one bar) because it can print lines above the bar (log).
    const bars = new MultiBar({
      stream: terminal,
      format: '{bar} {pct}% | {bytesText} | {files}/{totalFiles} files | {rateText} | ETA {etaText}',
      barsize: 24,
      barCompleteChar: '\u2588',
      barIncompleteChar: '\u2591',
      hideCursor: true,
      gracefulExit: false, // core owns SIGINT/SIGTERM (it ends the gateways)
      clearOnComplete: true,
      fps: 10,
    });
    let bar: SingleBarLike | undefined;
    const payload = (s: ProgressSnapshot) => {
      const f = figures(s);
      return { ...f, pct: String(f.percentage).padStart(3), files: s.files, totalFiles: s.totalFiles };
    };
    return {
      update(s) {
        if (!bar) bar = bars.create(Math.max(s.totalBytes, 1), s.bytes, payload(s));
        bar.setTotal(Math.max(s.totalBytes, 1));
        bar.update(s.bytes, payload(s));
      },
      log(line) {
        if (bar) bars.log(`${line}\n`);
        else terminal.write(`${line}\n`);
      },
      stop(s) {
        if (bar) {
          if (s) bar.update(s.bytes, payload(s));
          bars.update(); // flushes pending log lines
          bars.stop();
        }
        if (s) terminal.write(`${summary(s)}\n`);
      },
    };
  }

  const interval = options.plainInterval ?? 1000;
  let lastLine = -Infinity;
  const line = (s: ProgressSnapshot): string => {
    const f = figures(s);
    return `${f.percentage}% ${f.bytesText}, ${s.files}/${s.totalFiles} files, ${f.rateText}, ETA ${f.etaText}`;
  };
  return {
    update(s) {
      if (options.mode !== 'plain' || now() - lastLine < interval) return;
      lastLine = now();
      stream.write(`${line(s)}\n`);
    },
    log(text) {
      stream.write(`${text}\n`);
    },
    stop(s) {
      if (s) stream.write(`${summary(s)}\n`);
    },
  };
}

/** The figures shown for a snapshot after `seconds`. */
function describe(s: ProgressSnapshot, seconds: number) {
  const bytesPerSecond = rate(s.bytes, seconds);
  const remaining = Math.max(s.totalBytes - s.bytes, 0);
  const eta = remaining === 0 ? 0 : bytesPerSecond > 0 ? remaining / bytesPerSecond : Infinity;
  const percentage = s.totalBytes > 0 ? Math.floor((Math.min(s.bytes, s.totalBytes) / s.totalBytes) * 100) : 100;
  return {
    percentage,
    bytesText: `${formatBytes(s.bytes)}/${formatBytes(s.totalBytes)}`,
    rateText: `${formatBytes(bytesPerSecond)}/s`,
    etaText: formatSeconds(eta),
  };
}

function rate(bytes: number, seconds: number): number {
  return seconds > 0 ? bytes / seconds : 0;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `1536` → `1.5 KiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}

/** `75` → `1m15s`; Infinity → `?`. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole}s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** A stream that says it is a terminal and writes to `stream`. */
function ttyLike(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  // cli-progress and node:readline use only these three.
  const like = { isTTY: true, columns: stream.columns || 100, write: (chunk: string) => stream.write(chunk) };
  return like as unknown as NodeJS.WriteStream;
}
