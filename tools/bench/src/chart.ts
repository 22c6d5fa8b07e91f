/**
 * Renders the speed of this implementation relative to Python execnet, from the section
 * results in tools/bench/results/*.json, as one SVG bar chart (results/ratios.svg).
 * Run: node --import tsx tools/bench/src/chart.ts [resultsDir]
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Row {
  figure: string;
  unit: string;
  ts?: number | null;
  py?: number | null;
}

interface Bar {
  label: string;
  speedup: number;
}

const RATE = /\/s$/;
const TIME = /^(ms|µs|us|s)$/;

/** TS speed relative to Python for one row: rates divide as they are, times the other way round. */
export function speedup(row: Row): number | undefined {
  if (typeof row.ts !== 'number' || typeof row.py !== 'number' || row.ts <= 0 || row.py <= 0) return undefined;
  if (RATE.test(row.unit)) return row.ts / row.py;
  if (TIME.test(row.unit)) return row.py / row.ts;
  return undefined;
}

/** Collects one bar per TS-vs-Python row of every section result in `dir`. */
export function collectBars(dir: string): Bar[] {
  const bars: Bar[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const result = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { section: string; rows?: Row[]; quick?: boolean };
    if (result.quick) continue;
    for (const row of result.rows ?? []) {
      // Sub-rows (indented) and derived figures stay in the tables; the chart shows the main ones.
      if (/^\s/.test(row.figure) || /peak RSS|RSS before|exit\(\) call|\braw\b/.test(row.figure)) continue;
      const value = speedup(row);
      if (value !== undefined) bars.push({ label: `${result.section}: ${row.figure}`, speedup: value });
    }
  }
  return bars;
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A horizontal bar chart on a log scale, with the 1x line (as fast as Python execnet) marked. */
export function renderSvg(bars: Bar[], title: string): string {
  const rowHeight = 18;
  const labelWidth = 600;
  const plotWidth = 420;
  const top = 40;
  const height = top + bars.length * rowHeight + 40;
  const min = 0.1;
  const max = Math.max(10, ...bars.map((b) => b.speedup)) * 1.2;
  const x = (v: number) => labelWidth + ((Math.log10(Math.max(v, min)) - Math.log10(min)) / (Math.log10(max) - Math.log10(min))) * plotWidth;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + plotWidth + 80}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${escape(title)}</text>`,
  ];
  for (const tick of [0.1, 0.5, 1, 2, 5, 10, 20, 50, 100].filter((t) => t <= max)) {
    parts.push(`<line x1="${x(tick)}" y1="${top - 6}" x2="${x(tick)}" y2="${height - 30}" stroke="${tick === 1 ? '#333' : '#ddd'}"/>`);
    parts.push(`<text x="${x(tick)}" y="${height - 16}" text-anchor="middle">${tick}x</text>`);
  }
  bars.forEach((bar, i) => {
    const y = top + i * rowHeight;
    const color = bar.speedup >= 1 ? '#2b8a3e' : '#c92a2a';
    parts.push(`<text x="${labelWidth - 8}" y="${y + 12}" text-anchor="end">${escape(bar.label.length > 95 ? `${bar.label.slice(0, 94)}…` : bar.label)}</text>`);
    parts.push(`<rect x="${x(min)}" y="${y + 3}" width="${Math.max(1, x(bar.speedup) - x(min))}" height="${rowHeight - 6}" fill="${color}"/>`);
    parts.push(`<text x="${x(bar.speedup) + 4}" y="${y + 12}">${bar.speedup >= 10 ? bar.speedup.toFixed(0) : bar.speedup.toFixed(2)}x</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Writes results/ratios.svg; returns its path. */
export function writeChart(dir: string): string {
  const out = join(dir, 'ratios.svg');
  writeFileSync(out, renderSvg(collectBars(dir), 'Speed relative to Python execnet (log scale; right of 1x is faster)'));
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = process.argv[2] ?? fileURLToPath(new URL('../results', import.meta.url));
  console.log(`wrote ${writeChart(dir)}`);
}
