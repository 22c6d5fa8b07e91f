import type { Codec, DecodeOptions, EncodeOptions, StringOptions } from './codec.js';
import { decodeExecnet } from './execnet-decoder.js';
import { ExecnetEncoder } from './execnet-encoder.js';
import { LoadError } from './errors.js';
import { FormatVersion, Opcode } from './opcodes.js';

const shared = new ExecnetEncoder();

function encodeWith(value: unknown, options: EncodeOptions | undefined, prefix: number | undefined): Uint8Array {
  const encoder = shared.busy ? new ExecnetEncoder() : shared;
  return encoder.encode(value, options?.channels, prefix, options?.reserve ?? 0);
}

/**
 * Python execnet's own format, as used in message payloads (no version byte).
 * Mandatory with Python workers.
 */
export const execnetCodec: Codec = {
  name: 'execnet',
  encode: (value, options) => encodeWith(value, options, undefined),
  decode: (bytes, options) => decodeSafely(bytes, 0, options),
  bytesFraming: (length) => {
    const prefix = new Uint8Array(5);
    prefix[0] = Opcode.BYTES;
    new DataView(prefix.buffer).setInt32(1, length);
    return { prefix, suffix: STOP_ONLY };
  },
};

const STOP_ONLY = Uint8Array.of(Opcode.STOP);

/** Any failure while decoding is a LoadError, whatever its origin, so untrusted input has one error type. */
function decodeSafely(bytes: Uint8Array, start: number, options: DecodeOptions | undefined): unknown {
  try {
    return decodeExecnet(bytes, start, options);
  } catch (error) {
    if (error instanceof LoadError) throw error;
    throw new LoadError(`cannot load: ${(error as Error)?.message ?? String(error)}`, undefined, { cause: error });
  }
}

/** Options of {@link dumps}. */
export interface DumpsOptions extends EncodeOptions {
  /**
   * Format version byte: 1 is read by Python execnet up to 1.9, 2 by execnet 2.0 and later
   * (the body is the same; each generation refuses the other's byte). @default 2
   */
  version?: FormatVersion;
}

/** Options of {@link loads}. */
export interface LoadsOptions extends DecodeOptions, StringOptions {}

/**
 * Serializes a value into execnet's format, byte for byte what Python's `execnet.dumps` writes.
 * @throws {DumpError} for values outside the value model, cycles, lone surrogates
 * @example
 * dumps({ a: [1, 2, tuple(3)] })  // Python: execnet.loads(...) == {'a': [1, 2, (3,)]}
 * @see execnet dumps
 */
export function dumps(value: unknown, options?: DumpsOptions): Uint8Array {
  const version = options?.version ?? FormatVersion.V2;
  if (version !== FormatVersion.V1 && version !== FormatVersion.V2) {
    throw new RangeError(`unsupported format version ${String(version)}, expected 1 or 2`);
  }
  return encodeWith(value, options, version);
}

/**
 * Deserializes bytes written by {@link dumps} or by Python's `execnet.dumps` (version 1 or 2).
 * Any input either gives a value or throws `LoadError`.
 * @throws {LoadError} for truncated, corrupt or too deeply nested input
 * @see execnet loads
 */
export function loads(bytes: Uint8Array, options?: LoadsOptions): unknown {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('loads expects a Uint8Array');
  const version = bytes[0];
  if (version !== FormatVersion.V1 && version !== FormatVersion.V2) {
    const shown = version === undefined ? 'empty input' : `0x${version.toString(16).padStart(2, '0')}`;
    throw new LoadError(`cannot load: wrong format version (${shown}), expected 0x01 or 0x02`, 0);
  }
  return decodeSafely(bytes, 1, options);
}
