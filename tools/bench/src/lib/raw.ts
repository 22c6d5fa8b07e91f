/**
 * The raw Node limits the TypeScript implementation is compared with, measured in the same
 * process as the implementation so both see the same machine state. Definitions and helper
 * children mirror the reference `node_limits.mjs` (`raw-child.mjs` holds the children):
 * spawn+exit of `node -e 0`, an 8-byte ping-pong with a node echo child over child stdio,
 * a framed-msgpackr blast from a child, and 1 MiB stdio writes in both directions.
 * Child stdio is `child_process` `'pipe'`, i.e. an AF_UNIX socketpair, like the gateway's.
 */
import { type ChildProcessWithoutNullStreams, spawn, type SpawnOptions } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Unpackr } from 'msgpackr';
import { median, now } from './measure.js';

const RAW_CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'raw-child.mjs');
const MiB = 1 << 20;

/** `process.env` without NODE_EXTRA_CA_CERTS (Node parses that CA bundle at every start). */
export function envWithoutExtraCa(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

/** Milliseconds from spawn() until the child's 'exit' event (stdio ignored). */
export function spawnExit(cmd: string, args: readonly string[], opts: SpawnOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const c = spawn(cmd, args, { stdio: 'ignore', ...opts });
    c.on('error', reject);
    c.on('exit', (code) => (code === 0 ? resolve(now() - t0) : reject(new Error(`${cmd} exited ${code}`))));
  });
}

function startRaw(role: string, ...args: string[]): { child: ChildProcessWithoutNullStreams; exited: Promise<unknown> } {
  const child = spawn(process.execPath, [RAW_CHILD, role, ...args], { stdio: ['pipe', 'pipe', 'inherit'] }) as unknown as ChildProcessWithoutNullStreams;
  return { child, exited: once(child, 'exit') };
}

/** Result of a ping-pong measurement: median of the inner repetitions, in µs per round trip. */
export interface RttResult {
  us_per_roundtrip: number;
  inner_reps_us: number[];
}

/** A started node echo child: `ping()` sends 8 bytes and resolves when they are back. */
export interface RawEcho {
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a node echo child for 8-byte ping-pongs over its stdio (node_limits.mjs `stdio_rtt`). */
export function startRawEcho(): RawEcho {
  const { child, exited } = startRaw('echo');
  let got = 0;
  let resolveFn: (() => void) | null = null;
  child.stdout.on('data', (d: Buffer) => {
    got += d.length;
    if (got >= 8) {
      got -= 8;
      const f = resolveFn;
      resolveFn = null;
      f?.();
    }
  });
  const msg = Buffer.alloc(8, 1);
  return {
    ping: () =>
      new Promise((res) => {
        resolveFn = res;
        child.stdin.write(msg);
      }),
    close: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

/**
 * 8-byte ping-pong with a node echo child over its stdio: `warmup` round trips, then `reps`
 * repetitions of `n` timed ones (node_limits.mjs `stdio_rtt`: 200, 3 x 10,000).
 */
export async function rawStdioRtt(n: number, warmup = 200, reps = 3): Promise<RttResult> {
  const echo = startRawEcho();
  for (let i = 0; i < warmup; i++) await echo.ping();
  const xs: number[] = [];
  for (let k = 0; k < reps; k++) {
    const t0 = now();
    for (let i = 0; i < n; i++) await echo.ping();
    xs.push(((now() - t0) * 1000) / n);
  }
  await echo.close();
  return { us_per_roundtrip: median(xs), inner_reps_us: xs };
}

/**
 * Items/s of the framed-msgpackr prototype (node_limits.mjs `stdio_framed`): a child packs
 * `n` items of `kind` into [u32 len][msgpack] frames, coalesced into ~64 KiB writes; this
 * process splits and unpacks every frame. Timed from the 'go' byte to the final null frame.
 */
export async function rawFramedBlast(kind: 'int' | 'str' | 'dict', n: number): Promise<number> {
  const unpackr = new Unpackr({ useRecords: false });
  const { child, exited } = startRaw('framed-blast', String(n), kind);
  await new Promise((r) => setTimeout(r, 300));
  let pending: Buffer | null = null;
  let count = 0;
  let finished!: (t: number) => void;
  const done = new Promise<number>((res) => (finished = res));
  child.stdout.on('data', (d: Buffer) => {
    const buf = pending ? Buffer.concat([pending, d]) : d;
    let off = 0;
    while (buf.length - off >= 4) {
      const len = buf.readUInt32LE(off);
      if (buf.length - off - 4 < len) break;
      const item: unknown = unpackr.unpack(buf.subarray(off + 4, off + 4 + len));
      off += 4 + len;
      if (item === null) finished(now());
      else count++;
    }
    pending = off < buf.length ? buf.subarray(off) : null;
  });
  const t0 = now();
  child.stdin.write('g');
  const t1 = await done;
  child.stdin.end();
  await exited;
  if (count !== n) throw new Error(`framed blast: got ${count} of ${n} items`);
  return Math.round(n / ((t1 - t0) / 1000));
}

/** MB/s of `nMiB` x 1 MiB child process.stdout.write (honouring 'drain') into this process. */
export async function rawStdioC2p(nMiB: number): Promise<{ MB_per_s: number; seconds: number }> {
  const total = nMiB * MiB;
  const { child, exited } = startRaw('pipe-writer', String(nMiB));
  await new Promise((r) => setTimeout(r, 300));
  let got = 0;
  const t0 = now();
  const t1 = await new Promise<number>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= total) resolve(now());
    });
    child.stdin.write('g');
  });
  child.stdin.end();
  await exited;
  const s = (t1 - t0) / 1000;
  return { MB_per_s: total / s / 1e6, seconds: s };
}

/** MB/s of `nMiB` x 1 MiB child.stdin.write (honouring 'drain') from this process to a counting child. */
export async function rawStdioP2c(nMiB: number): Promise<{ MB_per_s: number; seconds: number }> {
  const total = nMiB * MiB;
  const { child, exited } = startRaw('pipe-reader', String(nMiB));
  const [ready] = (await once(child.stdout, 'data')) as [Buffer];
  if (String(ready) !== 'R') throw new Error('pipe-reader not ready');
  const buf = Buffer.alloc(MiB, 0x5a);
  const done = once(child.stdout, 'data');
  const t0 = now();
  for (let i = 0; i < nMiB; i++) {
    if (!child.stdin.write(buf)) await once(child.stdin, 'drain');
  }
  await done;
  const t1 = now();
  child.stdin.end();
  await exited;
  const s = (t1 - t0) / 1000;
  return { MB_per_s: total / s / 1e6, seconds: s };
}

function vmKiB(field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/**
 * As {@link rawStdioC2p}, but this process copies the stream into a fresh 1 MiB buffer per
 * MiB, as any receiver that hands each item to its user as a buffer of its own must, and drops
 * it: the raw limit of receiving 1 MiB items, in MB/s, and the RSS growth that garbage causes
 * (VmHWM reset just before the transfer, minus VmRSS then).
 */
export async function rawStdioC2pItems(nMiB: number): Promise<{ MB_per_s: number; seconds: number; rss_growth_MiB: number }> {
  const total = nMiB * MiB;
  const { child, exited } = startRaw('pipe-writer', String(nMiB));
  await new Promise((r) => setTimeout(r, 300));
  let got = 0;
  let item: Uint8Array | undefined;
  let filled = 0;
  const before = vmKiB('VmRSS');
  writeFileSync('/proc/self/clear_refs', '5');
  const t0 = now();
  const t1 = await new Promise<number>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      got += d.length;
      let at = 0;
      while (at < d.length) {
        item ??= Buffer.allocUnsafeSlow(MiB);
        const n = Math.min(MiB - filled, d.length - at);
        item.set(d.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled === MiB) {
          item = undefined;
          filled = 0;
        }
      }
      if (got >= total) resolve(now());
    });
    child.stdin.write('g');
  });
  const growth = (vmKiB('VmHWM') - before) / 1024;
  child.stdin.end();
  await exited;
  const s = (t1 - t0) / 1000;
  return { MB_per_s: total / s / 1e6, seconds: s, rss_growth_MiB: growth };
}
