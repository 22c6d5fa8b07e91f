/**
 * Entry-point helper for a section's TypeScript child process: parses `--quick`, runs the
 * measurement, adds wall time and peak RSS, and prints exactly one JSON object on stdout.
 */
import { type MeasureOptions, type SectionData } from './section.js';
import { maxRssMiB, now, round } from './measure.js';

/**
 * Run `measure` as this process's only job and print its result as JSON. Adds
 * `section_wall_s`, `max_rss_MiB` (peak RSS of this process) and `node`. On an exception
 * prints it on stderr and exits with status 1. `--part NAME` is passed on as `opts.part`.
 */
export function runSectionMain(measure: (opts: MeasureOptions) => SectionData | Promise<SectionData>): void {
  const quick = process.argv.includes('--quick');
  const partAt = process.argv.indexOf('--part');
  const part = partAt >= 0 ? process.argv[partAt + 1] : undefined;
  const t0 = now();
  Promise.resolve()
    .then(() => measure({ quick, part }))
    .then((data) => {
      const out: SectionData = {
        ...data,
        quick,
        ...(part === undefined ? {} : { part }),
        node: process.version,
        section_wall_s: round((now() - t0) / 1000, 2),
        max_rss_MiB: maxRssMiB(),
      };
      process.stdout.write(JSON.stringify(out) + '\n', () => process.exit(0));
    })
    .catch((err: unknown) => {
      process.stderr.write(`section failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    });
}
