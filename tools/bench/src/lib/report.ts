/**
 * Result files and Markdown rendering: `results/<section>.json` for each section run,
 * and `results/summary.md` with one table per section found in the results directory.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Check, type Row, type SectionData, type Target, targetMet } from './section.js';
import { REPO_ROOT } from './spawn.js';

/** Everything recorded about one section run; the content of `results/<section>.json`. */
export interface SectionRecord {
  section: string;
  title: string;
  /** ISO time the section finished. */
  time: string;
  quick: boolean;
  /** What the TS side ran: the TypeScript sources through tsx, or the built `dist/`. */
  build: 'source' | 'dist';
  host: { cpu: string; ncpu: number; kernel: string; node: string; memGiB?: number; loadavg1?: number };
  /** The commit measured, and whether the measured packages had uncommitted changes. */
  revision?: { commit: string; dirtyPackages: boolean };
  /** The TS child's JSON, or null with `tsError`. */
  ts: SectionData | null;
  tsError?: string;
  /** Python execnet's JSON, null with `pythonSkipped` (or undefined: not measured). */
  python: SectionData | null;
  pythonSkipped?: string;
  rows: (Row & { met?: boolean })[];
  checks: Check[];
  /** Remarks printed under the table (see {@link SectionDef.notes}). */
  notes?: string[];
}

/** Description of this machine for the record. */
export function hostInfo(loadavg1 = os.loadavg()[0]!): SectionRecord['host'] {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? '',
    ncpu: cpus.length,
    kernel: os.release(),
    node: process.version,
    memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadavg1: Math.round(loadavg1 * 100) / 100,
  };
}

/** The packages the sections measure; uncommitted changes elsewhere do not matter. */
/** Everything the sections measure: all workspace packages (transports, rsync, ...). */
const MEASURED_PACKAGES = ['packages'];

/**
 * The git commit of the repository and whether the measured packages differ from it
 * (undefined outside git).
 */
export function sourceRevision(): SectionRecord['revision'] {
  try {
    const git = (...args: string[]): string => execFileSync('git', ['-C', REPO_ROOT, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return { commit: git('rev-parse', '--short', 'HEAD'), dirtyPackages: git('status', '--porcelain', '--', ...MEASURED_PACKAGES).length > 0 };
  } catch {
    return undefined;
  }
}

/** Format a figure like the reference tables: thousands separators, 2–4 significant decimals. */
export function fmt(x: number | undefined): string {
  if (x === undefined) return '–';
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toFixed(4);
}

function fmtRatio(x: number | undefined): string {
  if (x === undefined) return '–';
  return (Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2)) + 'x';
}

function fmtTarget(t: Target | undefined, unit: string): string {
  if (!t) return '';
  const op = t.op === '>=' ? '≥' : '≤';
  return t.on === 'ratio' ? `${op} ${t.value}x` : `${op} ${fmt(t.value)} ${unit}`;
}

const esc = (s: string): string => s.replace(/\|/g, '\\|');

/** Render rows as a Markdown table: figure, unit, TS, Python execnet, ratio, target, met. */
export function renderTable(rows: readonly Row[]): string {
  const lines = [
    '| figure | unit | TS | Python execnet | ratio | target | met |',
    '|---|---|--:|--:|--:|---|:-:|',
  ];
  for (const r of rows) {
    const met = targetMet(r);
    const mark = met === undefined ? (r.target ? '–' : '') : met ? '✓' : '✗';
    lines.push(
      `| ${esc(r.figure)} | ${r.unit} | ${fmt(r.ts)} | ${fmt(r.py)} | ${fmtRatio(r.ratio)} | ${fmtTarget(r.target, r.unit)} | ${mark} |`,
    );
  }
  return lines.join('\n');
}

/** Render checks as a bullet list (empty string when there are none). */
export function renderChecks(checks: readonly Check[]): string {
  return checks
    .map((c) => `- ${c.ok === null ? 'skipped' : c.ok ? 'ok' : 'FAILED'}: ${c.name}${c.detail ? ` (${c.detail})` : ''}`)
    .join('\n');
}

/** Markdown for one section: heading, provenance line, table, checks, notes. */
export function renderSection(rec: SectionRecord): string {
  const py = rec.python;
  const pyDesc = py
    ? `Python ${String(py.python ?? '?')} / execnet ${String(py.execnet ?? '?')}${rec.pythonSkipped ? ` (${rec.pythonSkipped})` : ''}`
    : `Python execnet: ${rec.pythonSkipped ?? 'not measured'}`;
  const parts = [
    `## ${rec.section}: ${rec.title}`,
    '',
    `${rec.time}${rec.quick ? ', **--quick (numbers meaningless)**' : ''}; ` +
      `TS ${rec.build === 'dist' ? 'built dist/' : 'sources via tsx'} on Node ${rec.host.node}; ${pyDesc}; ` +
      `${rec.host.ncpu} x ${rec.host.cpu}` +
      (rec.host.loadavg1 !== undefined ? `; 1-min load average ${rec.host.loadavg1} before the section` : '') +
      (rec.revision ? `; commit ${rec.revision.commit}${rec.revision.dirtyPackages ? ' with uncommitted changes in the measured packages' : ''}` : ''),
    '',
  ];
  if (rec.tsError) parts.push(`**TypeScript side failed:** ${rec.tsError}`, '');
  parts.push(renderTable(rec.rows), '');
  if (rec.notes?.length) parts.push(...rec.notes.map((n) => `- ${n}`), '');
  const checks = renderChecks(rec.checks);
  if (checks) parts.push('Checks:', '', checks, '');
  return parts.join('\n');
}

/** Write `results/<section>.json`. */
export function writeRecord(outDir: string, rec: SectionRecord): string {
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${rec.section}.json`);
  writeFileSync(file, JSON.stringify(rec, null, 1) + '\n');
  return file;
}

/** `; commit X` or, when sections were measured at different commits, `; commits X (a, b), Y (c)`. */
function commitsLine(records: readonly SectionRecord[]): string {
  const bySha = new Map<string, string[]>();
  for (const r of records) {
    if (!r.revision) continue;
    const key = `${r.revision.commit}${r.revision.dirtyPackages ? ' with uncommitted changes in packages/' : ''}`;
    bySha.set(key, [...(bySha.get(key) ?? []), r.section]);
  }
  if (bySha.size === 0) return '';
  if (bySha.size === 1) return `; commit ${[...bySha.keys()][0]}`;
  return `; commits ${[...bySha].map(([sha, names]) => `${sha} (${names.join(', ')})`).join(', ')}`;
}

/**
 * Write `results/summary.md` from every `<section>.json` in `outDir`, in registry
 * order, so sections run in separate invocations accumulate. Each section's TS and
 * Python figures come from one invocation; compare ratios, not absolute figures.
 */
export function writeSummary(outDir: string, sectionOrder: readonly string[]): string {
  const records: SectionRecord[] = [];
  for (const name of sectionOrder) {
    const file = path.join(outDir, `${name}.json`);
    if (existsSync(file)) records.push(JSON.parse(readFileSync(file, 'utf8')) as SectionRecord);
  }
  const parts = [
    '# Benchmark results',
    '',
    'Generated by `pnpm bench` (tools/bench). TS and Python execnet are measured in the same',
    'invocation, each section in fresh processes; ratios are TS / Python unless the figure says otherwise.',
    'MB = 10^6 bytes, MiB = 2^20 bytes. Figures are medians of repeated runs.',
    '',
  ];
  const first = records[0];
  if (first) {
    const times = records.map((r) => r.time).sort();
    const h = first.host;
    parts.push(
      `Measured ${times[0]!.slice(0, 10)}` +
        (times.length > 1 && times.at(-1)!.slice(0, 10) !== times[0]!.slice(0, 10) ? ` to ${times.at(-1)!.slice(0, 10)}` : '') +
        ` on ${h.ncpu} x ${h.cpu}${h.memGiB ? `, ${h.memGiB} GiB RAM` : ''}, Linux ${h.kernel}, Node ${h.node}` +
        commitsLine(records) +
        '.',
      '',
    );
  }
  for (const rec of records) parts.push(renderSection(rec));
  const out = path.join(outDir, 'summary.md');
  writeFileSync(out, parts.join('\n'));
  return out;
}
