/**
 * `pnpm bench`: runs benchmark sections, the TypeScript implementation and Python execnet
 * in the same invocation, each section side in a fresh process; prints a Markdown table
 * per section and writes `<out>/<section>.json` and `<out>/summary.md`.
 *
 * Options:
 *   --sections a,b   sections to run (default: all registered, see sections/index.ts);
 *                    sections with parts run each part in its own processes
 *   --quick          tiny sizes and short timings: a smoke test, numbers meaningless
 *                    (results go to tools/bench/results/quick unless --out is given)
 *   --out DIR        results directory (default tools/bench/results)
 *   --no-python      skip the Python execnet column
 *   --dist           measure the built packages (dist/, after `pnpm build`) instead of
 *                    their TypeScript sources; tsx adds a name-keeping helper to every
 *                    function created at run time, which slows per-call closures
 *   --list           list the sections and exit
 * Environment: EXECNET_BENCH_PYTHON, the Python that has execnet (default /usr/bin/python3);
 * EXECNET_BENCH_TIMEOUT, seconds one section child may run before it is killed (default 600).
 * Exit status 1 when a section failed to run or a check failed.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeChart } from './chart.js';
import { hostInfo, renderSection, type SectionRecord, sourceRevision, writeRecord, writeSummary } from './lib/report.js';
import { type Check, type SectionData, type SectionDef, type SectionEnvironment, targetMet } from './lib/section.js';
import { BENCH_DIR, type ChildResult, REPO_ROOT, runPySection, runTsSection } from './lib/spawn.js';
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
  if (values.dist) {
    const missing = ['core', 'serializer', 'transport-popen'].filter((p) => !existsSync(path.join(REPO_ROOT, 'packages', p, 'dist', 'index.js')));
    if (missing.length) throw new Error(`--dist needs the built packages (missing dist/ of ${missing.join(', ')}): run pnpm build first`);
  }
  return { sections, quick: values.quick, outDir, python: !values['no-python'], dist: values.dist };
}

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

/** What one side of a section produced: its figures (merged over parts) or why there are none. */
interface SideResult {
  data: SectionData | undefined;
  error?: string;
  checks: Check[];
}

/** Runs the TS side (and the matching Python side) of a section that has no parts. */
async function runWhole(def: SectionDef, opts: Options, env?: Record<string, string>): Promise<{ ts: SideResult; py: SideResult; pythonSkipped?: string }> {
  log(`${def.name}: TypeScript (${opts.dist ? 'built dist/' : 'sources via tsx'}) ...`);
  const ts = await runTsSection(def.name, opts.quick, opts.dist, undefined, env);
  if (!ts.ok) log(`${def.name}: TypeScript side failed: ${ts.error}`);
  let py: ChildResult | undefined;
  let pythonSkipped: string | undefined;
  if (!def.python) pythonSkipped = 'no Python counterpart';
  else if (!opts.python) pythonSkipped = 'skipped (--no-python)';
  else {
    log(`${def.name}: Python execnet ...`);
    py = await runPySection(def.python, opts.quick, env);
    if (!py.ok) {
      pythonSkipped = py.error;
      log(`${def.name}: Python execnet column skipped: ${py.error}`);
    }
  }
  const tsData = ts.ok ? ts.data : undefined;
  return {
    ts: {
      data: tsData,
      ...(ts.ok ? {} : { error: ts.error }),
      checks: Array.isArray(tsData?.checks) ? (tsData.checks as Check[]) : [],
    },
    py: { data: py?.ok ? py.data : undefined, checks: [] },
    ...(pythonSkipped ? { pythonSkipped } : {}),
  };
}

/** Copies the provenance keys of the first part that has them to the top of a merged result. */
function mergeParts(parts: Record<string, SectionData>, keys: readonly string[]): SectionData | undefined {
  const names = Object.keys(parts);
  if (names.length === 0) return undefined;
  const merged: SectionData = { ...parts };
  for (const key of keys) {
    const from = names.find((n) => parts[n]?.[key] !== undefined);
    if (from !== undefined) merged[key] = parts[from]![key];
  }
  return merged;
}

/**
 * Runs a section part by part: each part's TS script in a fresh process, then its Python
 * counterpart (if any) in another, so the two sides never run at the same time.
 */
async function runParts(def: SectionDef, opts: Options, env?: Record<string, string>): Promise<{ ts: SideResult; py: SideResult; pythonSkipped?: string }> {
  const tsParts: Record<string, SectionData> = {};
  const pyParts: Record<string, SectionData> = {};
  const tsErrors: string[] = [];
  const pyErrors: string[] = [];
  const checks: Check[] = [];
  let pythonUnavailable: string | undefined = opts.python ? undefined : 'skipped (--no-python)';
  const anyPython = def.parts!.some((p) => p.python);
  for (const part of def.parts!) {
    log(`${def.name}/${part.name}: TypeScript (${opts.dist ? 'built dist/' : 'sources via tsx'}) ...`);
    const ts = await runTsSection(def.name, opts.quick, opts.dist, part.name, env);
    if (ts.ok) {
      tsParts[part.name] = ts.data;
      if (Array.isArray(ts.data.checks)) for (const c of ts.data.checks as Check[]) checks.push({ ...c, name: `${part.name}: ${c.name}` });
    } else {
      log(`${def.name}/${part.name}: TypeScript side failed: ${ts.error}`);
      tsErrors.push(`${part.name}: ${ts.error}`);
    }
    if (part.python && !pythonUnavailable) {
      log(`${def.name}/${part.name}: Python execnet (${part.python}) ...`);
      const py = await runPySection(part.python, opts.quick, env);
      if (py.ok) pyParts[part.name] = py.data;
      else {
        log(`${def.name}/${part.name}: Python execnet skipped: ${py.error}`);
        pyErrors.push(`${part.python}: ${py.error}`);
        if (/not importable|not found/.test(py.error)) pythonUnavailable = py.error;
      }
    }
  }
  const pythonSkipped = !anyPython ? 'no Python counterpart' : pythonUnavailable ?? (pyErrors.length ? pyErrors.join('; ') : undefined);
  return {
    ts: { data: mergeParts(tsParts, ['node', 'quick']), ...(tsErrors.length ? { error: tsErrors.join('; ') } : {}), checks },
    py: { data: mergeParts(pyParts, ['python', 'execnet', 'python_executable', 'quick']), checks: [] },
    ...(pythonSkipped ? { pythonSkipped } : {}),
  };
}

async function runSection(def: SectionDef, opts: Options): Promise<SectionRecord> {
  const loadBefore = os.loadavg()[0]!;
  const revision = sourceRevision();
  let setup: SectionEnvironment | undefined;
  let result: Awaited<ReturnType<typeof runWhole>>;
  try {
    if (def.setup) {
      log(`${def.name}: setting up ...`);
      setup = await def.setup({ quick: opts.quick });
    }
    result = def.parts ? await runParts(def, opts, setup?.env) : await runWhole(def, opts, setup?.env);
  } catch (err) {
    const error = `setup failed: ${err instanceof Error ? err.message : String(err)}`;
    log(`${def.name}: ${error}`);
    result = { ts: { data: undefined, error, checks: [] }, py: { data: undefined, checks: [] }, pythonSkipped: error };
  } finally {
    try {
      await setup?.close();
    } catch (err) {
      log(`${def.name}: teardown failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const { ts, py, pythonSkipped } = result;
  const rows = def.rows(ts.data, py.data).map((r) => ({ ...r, met: targetMet(r) }));
  return {
    section: def.name,
    title: def.title,
    time: new Date().toISOString(),
    quick: opts.quick,
    build: opts.dist ? 'dist' : 'source',
    host: hostInfo(loadBefore),
    revision,
    ts: ts.data ?? null,
    ...(ts.error ? { tsError: ts.error } : {}),
    python: py.data ?? null,
    ...(pythonSkipped ? { pythonSkipped } : {}),
    rows,
    checks: [...ts.checks, ...(def.checks?.(ts.data, py.data) ?? [])],
    notes: [...(setup?.notes ?? []), ...(def.notes?.(ts.data, py.data) ?? [])],
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
  const chart = writeChart(opts.outDir);
  log(`results in ${path.relative(process.cwd(), opts.outDir) || '.'}; summary: ${path.relative(process.cwd(), summary)}; chart: ${path.relative(process.cwd(), chart)}`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
