/**
 * The section contract. A section is measured by a TypeScript child script
 * (`src/sections/<name>.ts`, one JSON object on stdout) and optionally by the matching
 * section of `python/py_bench.py` (Python execnet). Its {@link SectionDef} turns both
 * results into table rows and cross-checks. Register new sections in `src/sections/index.ts`.
 */

/** The JSON object one side of a section printed. */
export type SectionData = Record<string, unknown>;

/** A goal for a row, checked against either its ratio or its TypeScript value. */
export interface Target {
  /** Which figure of the row the goal applies to. */
  on: 'ratio' | 'ts';
  /** `>=`: at least `value`; `<=`: at most `value`. */
  op: '>=' | '<=';
  /** The bound. For `on: 'ratio'` it is a factor, e.g. 5 for "≥ 5x". */
  value: number;
}

/** One line of a section's table. Missing numbers print as "–". */
export interface Row {
  /** What is measured, e.g. "execnet codec encode, STANDARD_PAYLOAD". */
  figure: string;
  /** Unit of `ts` and `py`, e.g. "payloads/s". */
  unit: string;
  /** Figure of the TypeScript implementation (or of a Node reference such as raw msgpackr). */
  ts?: number;
  /** The same figure for Python execnet. */
  py?: number;
  /** A ratio, usually `ts / py`; ratio-only rows state the quotient in `figure`. */
  ratio?: number;
  /** Goal for this row, if any. */
  target?: Target;
}

/** A correctness check. `ok: null` means it could not run (e.g. Python was skipped). */
export interface Check {
  /** What is checked. */
  name: string;
  /** Passed, failed, or not run. */
  ok: boolean | null;
  /** Why it failed or was not run. */
  detail?: string;
}

/**
 * One run of a section that is measured in several fresh processes (e.g. one per transfer
 * direction and codec, so that each gets its own peak RSS). The TS script is started with
 * `--part <name>`; the Python section, if any, with `--section <python>`.
 */
export interface SectionPart {
  /** Part name, also the key of its figures: use letters, digits and `_` only. */
  name: string;
  /** Section of `python/py_bench.py` measured right after this part, if any. */
  python?: string;
}

/**
 * Something a section needs on both sides (e.g. a throwaway sshd or a socket server), set up by
 * the harness before the section's children start and torn down after the last one.
 */
export interface SectionEnvironment {
  /** Variables added to the environment of the section's TS and Python children. */
  env: Record<string, string>;
  /** Remarks for the report (where the resource came from). */
  notes?: string[];
  /** Stops what `setup` started. */
  close(): void | Promise<void>;
}

/** Definition of one benchmark section, as listed in the registry. */
export interface SectionDef {
  /** Section name: the TS script is `src/sections/<name>.ts`; also the results file name. */
  name: string;
  /** One-line description for the report. */
  title: string;
  /** Name of the section in `python/py_bench.py`, when Python execnet is measured too. */
  python?: string;
  /**
   * Measure the section in several runs, each in fresh processes. Then `ts` and `py` of
   * `rows`/`checks` hold one object per part name (`ts.r2l_execnet.MB_per_s`), plus
   * `node` / `python` / `execnet` copied from the first part that has them; `python` above
   * is ignored.
   */
  parts?: readonly SectionPart[];
  /**
   * Figures and ratios to print. `ts` is undefined when the TS child failed, `py` when
   * Python execnet was skipped or failed; rows must tolerate both.
   */
  rows(ts: SectionData | undefined, py: SectionData | undefined): Row[];
  /** Checks that need both sides (the TS child reports its own in `checks`). */
  checks?(ts: SectionData | undefined, py: SectionData | undefined): Check[];
  /** Remarks printed under the table (environment, definitions), one Markdown line each. */
  notes?(ts: SectionData | undefined, py: SectionData | undefined): string[];
  /**
   * Prepares what both sides need (run by the harness, in its own process, before the first
   * child); its `env` goes to every child of the section, `close()` runs after the last one.
   * A rejection is reported as the section's failure.
   */
  setup?(opts: { quick: boolean }): Promise<SectionEnvironment>;
}

/** Options passed to a section's TypeScript measurement. */
export interface MeasureOptions {
  /** Tiny sizes and short timings: a smoke test, numbers meaningless. */
  quick: boolean;
  /** The part to measure (`--part`), for sections with {@link SectionDef.parts}. */
  part?: string;
}

/**
 * Read a number at a dotted path (`'execnet.encode_ops_per_s'`) of a section result;
 * undefined when the result or the key is missing or not a number.
 */
export function num(data: SectionData | undefined, path: string): number | undefined {
  let cur: unknown = data;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return typeof cur === 'number' && Number.isFinite(cur) ? cur : undefined;
}

/** Read a string at a dotted path, like {@link num}. */
export function str(data: SectionData | undefined, path: string): string | undefined {
  let cur: unknown = data;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return typeof cur === 'string' ? cur : undefined;
}

/** `a / b`, or undefined when either is missing or `b` is 0. */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}

/** A row comparing a TS figure with the same Python execnet figure (ratio = ts / py). */
export function vsPython(figure: string, unit: string, ts: number | undefined, py: number | undefined, target?: Target): Row {
  return { figure, unit, ts, py, ratio: ratio(ts, py), target };
}

/** A ratio-only row, e.g. "execnet codec encode ÷ raw msgpackr pack". */
export function ratioRow(figure: string, numerator: number | undefined, denominator: number | undefined, target?: Target): Row {
  return { figure, unit: 'x', ratio: ratio(numerator, denominator), target };
}

/** The numbers of a list at a dotted path of a section result, joined for a note ('–' if absent). */
export function listAt(data: SectionData | undefined, path: string): string {
  const xs = path.split('.').reduce<unknown>((o, key) => (o as Record<string, unknown> | undefined)?.[key], data);
  return Array.isArray(xs) ? xs.join(' / ') : '–';
}

/** A goal "ratio ≥ value". */
export function atLeastX(value: number): Target {
  return { on: 'ratio', op: '>=', value };
}

/** A goal "TS value ≥ value". */
export function atLeast(value: number): Target {
  return { on: 'ts', op: '>=', value };
}

/** A goal "ratio ≤ value". */
export function atMostX(value: number): Target {
  return { on: 'ratio', op: '<=', value };
}

/** A goal "TS value ≤ value". */
export function atMost(value: number): Target {
  return { on: 'ts', op: '<=', value };
}

/** Whether a row meets its target: true, false, or undefined (no target or no figure). */
export function targetMet(row: Row): boolean | undefined {
  const t = row.target;
  if (!t) return undefined;
  const v = t.on === 'ratio' ? row.ratio : row.ts;
  if (v === undefined) return undefined;
  return t.op === '>=' ? v >= t.value : v <= t.value;
}
