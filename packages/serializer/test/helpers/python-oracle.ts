/**
 * Python execnet as a test oracle: one long-lived `/usr/bin/python3 oracle.py` per test file,
 * answering JSON-lines requests in order (so many requests can be in flight at once).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

/** Debian's python3-execnet is importable only by this interpreter (EXECNET_TEST_PYTHON overrides it). */
export const PYTHON = process.env.EXECNET_TEST_PYTHON ?? '/usr/bin/python3';
export const ORACLE_SCRIPT = fileURLToPath(new URL('./oracle.py', import.meta.url));

let probed: string | undefined | null = null;

/**
 * `undefined` when Python execnet is usable, else why not. Outside CI the caller may skip with
 * this reason; in CI (`CI=true`) {@link pythonSkipReason} returns false so the tests run and fail.
 */
export function pythonUnavailable(): string | undefined {
  if (probed !== null) return probed;
  const probe = spawnSync(PYTHON, ['-c', 'import execnet'], { encoding: 'utf8' });
  if (probe.error) probed = `${PYTHON} cannot run: ${probe.error.message}`;
  else if (probe.status !== 0) probed = `${PYTHON} cannot import execnet: ${probe.stderr.trim().split('\n').pop() ?? ''}`;
  else probed = undefined;
  return probed;
}

/** The `skip` option for tests needing Python execnet: a reason outside CI, never in CI. */
export function pythonSkipReason(): string | false {
  if (process.env.CI === 'true') return false;
  const reason = pythonUnavailable();
  return reason === undefined ? false : `python execnet unavailable (${reason}); in CI this fails`;
}

/** Python raised while answering. */
export class PythonError extends Error {}

interface Reply {
  ok: boolean;
  error?: string;
  hex?: string;
  repr?: string;
  equal?: boolean;
  version?: string;
}

/** What Python's `execnet.loads` made of some bytes. */
export interface LoadsResult {
  repr: string;
  /** Whether the loaded value equals the expected expression, types included. */
  equal: boolean | undefined;
}

export class PythonOracle {
  private readonly pending: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | undefined;
  private stderr = '';

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const waiter = this.pending.shift();
      if (waiter) waiter.resolve(JSON.parse(line) as Reply);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    const fail = (error: Error): void => {
      this.failure ??= error;
      for (const waiter of this.pending.splice(0)) waiter.reject(this.failure);
    };
    child.on('error', fail);
    child.on('exit', (code) => fail(new Error(`python oracle exited with ${code}: ${this.stderr}`)));
  }

  /** Starts the oracle; rejects if Python execnet is missing. */
  static async start(): Promise<PythonOracle> {
    const reason = pythonUnavailable();
    if (reason !== undefined) throw new Error(reason);
    const oracle = new PythonOracle(spawn(PYTHON, ['-u', ORACLE_SCRIPT], { stdio: 'pipe' }));
    await oracle.version();
    return oracle;
  }

  private request(req: Record<string, unknown>): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<Reply>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.child.stdin.write(`${JSON.stringify(req)}\n`);
    }).then((reply) => {
      if (!reply.ok) throw new PythonError(reply.error);
      return reply;
    });
  }

  /** `execnet.__version__`. */
  async version(): Promise<string> {
    return (await this.request({ op: 'version' })).version as string;
  }

  /** `execnet.dumps(eval(expr))`; rejects with {@link PythonError} if Python raises. */
  async dumps(expr: string): Promise<Buffer> {
    return Buffer.from((await this.request({ op: 'dumps', expr })).hex as string, 'hex');
  }

  /** `execnet.loads(bytes, **kwargs)`, compared type-exactly with `eval(expect)` when given. */
  async loads(bytes: Uint8Array, expect?: string, kwargs: Record<string, boolean> = {}): Promise<LoadsResult> {
    const reply = await this.request({ op: 'loads', hex: Buffer.from(bytes).toString('hex'), expect, kwargs });
    return { repr: reply.repr as string, equal: reply.equal };
  }

  /** Ends the process (closing stdin lets the script finish). */
  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    await exited;
  }
}
