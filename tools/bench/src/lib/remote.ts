/**
 * Gateways for the sections that measure the TypeScript implementation end to end: popen
 * gateways to Node workers, the codec variants, part names, and memory probes for both ends.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { type Gateway, makeGateway, registerTransport } from '@execnet/core';
import { popenTransport } from '@execnet/transport-popen';

registerTransport(popenTransport());

/** The two codecs a JavaScript worker can speak. */
export type CodecName = 'execnet' | 'msgpack';
export const CODECS: readonly CodecName[] = ['execnet', 'msgpack'];

/**
 * Spec of a popen gateway: `'popen'` (the default codec, whatever it is) without a codec,
 * otherwise `'popen//codec=<codec>'`, so a figure keeps its meaning if the default changes.
 */
export function popenSpec(codec?: CodecName): string {
  return codec ? `popen//codec=${codec}` : 'popen';
}

/** Opens a popen gateway to a Node worker. */
export function openGateway(codec?: CodecName): Promise<Gateway> {
  return makeGateway(popenSpec(codec));
}

/** Splits a part name like `r2l_msgpack` into its direction and codec. */
export function parsePart(part: string | undefined): { direction: 'r2l' | 'l2r'; codec: CodecName } | undefined {
  const m = /^(r2l|l2r)_(execnet|msgpack)$/.exec(part ?? '');
  return m ? { direction: m[1] as 'r2l' | 'l2r', codec: m[2] as CodecName } : undefined;
}

/** Promise that resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A field of /proc/self/status in KiB (`VmRSS`, `VmHWM`), or undefined off Linux. */
export function procStatusKiB(field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resets this process's peak RSS (VmHWM) to its current RSS (`echo 5 > /proc/self/clear_refs`,
 * Linux ≥ 4.0), so a later VmHWM is the peak of what happened in between. False if unsupported.
 */
export function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * The same probes as source text for remote code (which has `require` in scope):
 * `__status(field)` in KiB, `__resetPeak()` and `__usage()` (process.memoryUsage() in MiB).
 */
export const REMOTE_MEMORY_PROBES = `
const __fs = require('fs');
const __status = (field) => { const m = new RegExp('^' + field + ':\\\\s+(\\\\d+)', 'm').exec(__fs.readFileSync('/proc/self/status', 'utf8')); return m ? Number(m[1]) : -1; };
const __resetPeak = () => { try { __fs.writeFileSync('/proc/self/clear_refs', '5'); return true; } catch { return false; } };
const __usage = () => { const m = process.memoryUsage(), r = (x) => Math.round(x / 104857.6) / 10; return { rss: r(m.rss), heapTotal: r(m.heapTotal), heapUsed: r(m.heapUsed), external: r(m.external), arrayBuffers: r(m.arrayBuffers) }; };
`;

/** process.memoryUsage() in MiB (one decimal), as `__usage()` reports it for the remote. */
export function memoryUsageMiB(): Record<string, number> {
  const m = process.memoryUsage();
  const r = (x: number): number => Math.round(x / 104857.6) / 10;
  return { rss: r(m.rss), heapTotal: r(m.heapTotal), heapUsed: r(m.heapUsed), external: r(m.external), arrayBuffers: r(m.arrayBuffers) };
}

/** KiB to MiB, one decimal. */
export function kibToMiB(kib: number | undefined): number | undefined {
  return kib === undefined || kib < 0 ? undefined : Math.round((kib / 1024) * 10) / 10;
}
