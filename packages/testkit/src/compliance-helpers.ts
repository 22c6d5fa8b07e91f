/** Assertions and bounded waits shared by the cases of the transport compliance suite. */
import assert from 'node:assert/strict';
import { isExecnetError, transportSymbol, type Connection, type Transport } from '@execnet/core';

/** A wait that should succeed: a round trip, a worker start. */
export const STEP_MS = 20_000;
/** Something that must happen promptly: noticing a kill or a death, ending after exit. */
export const PROMPT_MS = 8_000;

/** The connections a transport opened, so cases can check that none outlives them. */
export interface Recorder {
  opened: Connection[];
  /** Called with each new connection before core sees it. */
  onOpen: ((connection: Connection) => void) | undefined;
}

/** The transport under test, recording each connection it opens (same name, same behavior). */
export function recording(transport: Transport, recorder: Recorder): Transport {
  return {
    [transportSymbol]: true,
    [Symbol.toStringTag]: transport[Symbol.toStringTag],
    name: transport.name,
    async open(spec, context) {
      const connection = await transport.open(spec, context);
      recorder.opened.push(connection);
      recorder.onOpen?.(connection);
      return connection;
    },
  };
}

/** Every connection's worker has ended (no orphan), within a bound. */
export async function noWorkerLeft(connections: readonly Connection[]): Promise<void> {
  await Promise.all(connections.map((connection) => within(connection.wait(), PROMPT_MS, `worker ${connection.pid ?? connection.command} still running after the case`)));
}

/** Resolves or rejects like `promise`, or fails the case after `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new assert.AssertionError({ message: `${what}: not settled within ${ms} ms` })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Waits for a promise's outcome without throwing. */
export async function settle<T>(promise: Promise<T>): Promise<{ rejected: false; value: T } | { rejected: true; value: unknown }> {
  try {
    return { rejected: false, value: await promise };
  } catch (error) {
    return { rejected: true, value: error };
  }
}

/** Asserts that `promise` rejects (within a bound) with an execnet error of this `code`; returns the error. */
export async function assertCode(promise: Promise<unknown>, code: string): Promise<unknown> {
  const result = await settle(within(promise, STEP_MS + 1000, `waiting for ${code}`));
  if (!result.rejected) assert.fail(`expected ${code}, but it resolved with ${String(result.value)}`);
  const error = result.value;
  if (!isExecnetError(error)) assert.fail(`expected ${code}, got ${String(error)}`);
  assert.equal(error.code, code);
  return error;
}

/** Asserts that `fn` throws an execnet error of this `code` synchronously. */
export function assertThrowsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (error: unknown) => isExecnetError(error) && error.code === code);
}

/** Byte-exact comparison of a received item (Buffer under Node) with the expected bytes. */
export function assertBytes(actual: unknown, expected: Uint8Array): void {
  assert.ok(actual instanceof Uint8Array, `expected bytes, got ${typeof actual}`);
  assert.equal(actual.byteLength, expected.byteLength, 'length');
  if (Buffer.compare(Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength), Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength)) !== 0) {
    const at = actual.findIndex((byte, i) => byte !== expected[i]);
    assert.fail(`bytes differ first at offset ${at}`);
  }
}

/** Bytes whose value at index `i` is `byteAt(i)`. */
export function pattern(length: number, byteAt: (i: number) => number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = byteAt(i);
  return out;
}

/** Polls `condition` until it holds, or fails after `ms`. */
export async function eventually(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
