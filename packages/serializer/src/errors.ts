/** Brand shared by every serializer error; survives the ESM/CJS dual-package hazard. */
const dataFormatErrorSymbol = Symbol.for('@execnet/data-format-error');

/**
 * Base class of every serializer error.
 *
 * `instanceof` can fail when two copies of the package are loaded (ESM and CJS);
 * {@link isDataFormatError} works across copies and realms.
 * @see execnet DataFormatError
 */
export class DataFormatError extends Error {
  declare readonly name: 'DataFormatError' | 'DumpError' | 'LoadError';
  readonly code: string = 'ERR_EXECNET_DATA_FORMAT';
  readonly [dataFormatErrorSymbol] = true;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
Object.defineProperty(DataFormatError.prototype, 'name', { value: 'DataFormatError', writable: true, configurable: true });

/**
 * A value cannot be serialized: an unsupported type, a cycle, a string that is not
 * valid UTF-16, or a container too deep or too long for the format.
 * @see execnet DumpError
 */
export class DumpError extends DataFormatError {
  declare readonly name: 'DumpError';
  override readonly code: 'ERR_EXECNET_DUMP' = 'ERR_EXECNET_DUMP';
  /** Where in the value the problem is, e.g. `[2].when`; empty for the top level. */
  readonly path: string;

  constructor(message: string, path = '', options?: ErrorOptions) {
    super(path ? `${message} at ${path}` : message, options);
    this.path = path;
  }
}
Object.defineProperty(DumpError.prototype, 'name', { value: 'DumpError', writable: true, configurable: true });

/**
 * Bytes cannot be deserialized: truncated, corrupt, an unknown opcode or version,
 * too deeply nested. Loading untrusted bytes only ever throws this class.
 * @see execnet LoadError
 */
export class LoadError extends DataFormatError {
  declare readonly name: 'LoadError';
  override readonly code: 'ERR_EXECNET_LOAD' = 'ERR_EXECNET_LOAD';
  /** Byte offset in the input where the problem was found, when known. */
  readonly offset: number | undefined;

  constructor(message: string, offset?: number, options?: ErrorOptions) {
    super(offset === undefined ? message : `${message} at offset ${offset}`, options);
    this.offset = offset;
  }
}
Object.defineProperty(LoadError.prototype, 'name', { value: 'LoadError', writable: true, configurable: true });

/** True for any serializer error, from any copy of this package. */
export function isDataFormatError(error: unknown): error is DataFormatError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[dataFormatErrorSymbol] === true;
}
