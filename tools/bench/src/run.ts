/**
 * `pnpm bench`: runs benchmark sections, the TypeScript implementation and Python execnet
 * in the same invocation, each section side in a fresh process; prints a Markdown table
 * per section and writes `<out>/<section>.json` and `<out>/summary.md`.
 *
 * Options:
 *   --sections a,b   sections to run (default: all registered, see sections/index.ts)
 *   --quick          tiny sizes and short timings: a smoke test, numbers meaningless
 *                    (results go to tools/bench/results/quick unless --out is given)
 *   --out DIR        results directory (default tools/bench/results)
 *   --no-python      skip the Python execnet column
 *   --dist           measure the built packages (dist/, after `pnpm build`) instead of
 *                    their TypeScript sources; tsx adds a name-keeping helper to every
 *                    function created at run time, which slows per-call closures
 *   --list           list the sections and exit
 * Environment: EXECNET_BENCH_PYTHON, the Python that has execnet (default /usr/bin/python3).
 * Exit status 1 when a section failed to run or a check failed.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { hostInfo, renderSection, type SectionRecord, writeRecord, writeSummary } from './lib/report.js';
import { type Check, type SectionDef, targetMet } from './lib/section.js';
import { BENCH_DIR, type ChildResult, runPySection, runTsSection } from './lib/spawn.js';
import { findSection, SECTIONS } from './sections/index.js';

/** Parsed command line. */
interface Options {
  sections: SectionDef[];
  quick: boolean;
  outDir: string;
  python: boolean;
  dist: boolean;
}

function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      sections: { type: 'string' },
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      'no-python': { type: 'boolean', default: false },
      dist: { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || values.list) {
    const list = SECTIONS.map((s) => `  ${s.name.padEnd(12)} ${s.title}`).join('\n');
    const usage = 'usage: pnpm bench [--sections a,b] [--quick] [--dist] [--no-python] [--out DIR] [--list]\n';
    process.stdout.write(`${values.help ? usage : ''}sections:\n${list}\n`);
    return undefined;
  }
  const names = values.sections ? values.sections.split(',').map((s) => s.trim()).filter(Boolean) : SECTIONS.map((s) => s.name);
  const sections: SectionDef[] = [];
  for (const name of names) {
    const def = findSection(name);
    if (!def) throw new Error(`unknown section '${name}'; available: ${SECTIONS.map((s) => s.name).join(', ')}`);
    sections.push(def);
  }
  const sub = [...(values.quick ? ['quick'] : []), ...(values.dist ? ['dist'] : [])].join('-');
  const defaultOut = path.join(BENCH_DIR, 'results', ...(sub ? [sub] : []));
  const outDir = values.out ? path.resolve(values.out) : defaultOut;
  return { sections, quick: values.quick, outDir, python: !values['no-python'], dist: values.dist };
}

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

async function runSection(def: SectionDef, opts: Options): Promise<SectionRecord> {
  log(`${def.name}: TypeScript (${opts.dist ? 'built dist/' : 'sources via tsx'}) ...`);
  const ts = await runTsSection(def.name, opts.quick, opts.dist);
  if (!ts.ok) log(`${def.name}: TypeScript side failed: ${ts.error}`);
  let py: ChildResult | undefined;
  let pythonSkipped: string | undefined;
  if (!def.python) pythonSkipped = 'no Python counterpart';
  else if (!opts.python) pythonSkipped = 'skipped (--no-python)';
  else {
    log(`${def.name}: Python execnet ...`);
    py = await runPySection(def.python, opts.quick);
    if (!py.ok) {
      pythonSkipped = py.error;
      log(`${def.name}: Python execnet column skipped: ${py.error}`);
    }
  }
  const tsData = ts.ok ? ts.data : undefined;
  const pyData = py?.ok ? py.data : undefined;
  const childChecks = Array.isArray(tsData?.checks) ? (tsData.checks as Check[]) : [];
  const rows = def.rows(tsData, pyData).map((r) => ({ ...r, met: targetMet(r) }));
  return {
    section: def.name,
    title: def.title,
    time: new Date().toISOString(),
    quick: opts.quick,
    build: opts.dist ? 'dist' : 'source',
    host: hostInfo(),
    ts: tsData ?? null,
    ...(ts.ok ? {} : { tsError: ts.error }),
    python: pyData ?? null,
    ...(pythonSkipped ? { pythonSkipped } : {}),
    rows,
    checks: [...childChecks, ...(def.checks?.(tsData, pyData) ?? [])],
  };
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  if (!opts) return 0;
  let failed = false;
  for (const def of opts.sections) {
    const rec = await runSection(def, opts);
    writeRecord(opts.outDir, rec);
    process.stdout.write('\n' + renderSection(rec) + '\n');
    if (rec.tsError || rec.checks.some((c) => c.ok === false)) failed = true;
  }
  const summary = writeSummary(opts.outDir, SECTIONS.map((s) => s.name));
  log(`results in ${path.relative(process.cwd(), opts.outDir) || '.'}; summary: ${path.relative(process.cwd(), summary)}`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
