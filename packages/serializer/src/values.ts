/**
 * The parts of Python's value model that JavaScript has no native type for.
 * They let a value survive a round trip through Python unchanged.
 */

const tupleSymbol = Symbol.for('@execnet/tuple');
const frozenSetSymbol = Symbol.for('@execnet/frozenset');
const complexSymbol = Symbol.for('@execnet/complex');
const floatSymbol = Symbol.for('@execnet/float');

/**
 * A Python `tuple`: an array that serializes as a tuple, not a list.
 * Create one with {@link tuple} or `Tuple.from(iterable)`.
 * @example
 * dumps(tuple(1, 'a'))   // a Python (1, 'a')
 */
export class Tuple<T = unknown> extends Array<T> {

  /** Build a tuple from any iterable. */
  static override from<U>(items: Iterable<U> | ArrayLike<U>): Tuple<U> {
    const source = Array.from(items);
    const t = new Tuple<U>();
    for (let i = 0; i < source.length; i++) t.push(source[i] as U);
    return t;
  }

  // Derived arrays (map, filter, slice) are plain arrays: a tuple is a value, not a container kind.
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
}
// The brand lives on the prototype, so instances carry no extra own property.
Object.defineProperty(Tuple.prototype, tupleSymbol, { value: true });

/**
 * Make a {@link Tuple} of the given items. Mixed items infer a union: `tuple(1, 'a')` is a
 * `Tuple<number | string>` (a plain `T[]` parameter would reject them).
 */
export function tuple<T extends unknown[]>(...items: T): Tuple<T[number]>;
export function tuple<T>(...items: T[]): Tuple<T>;
export function tuple(...items: unknown[]): Tuple {
  const t = new Tuple();
  for (let i = 0; i < items.length; i++) t.push(items[i]);
  return t;
}

/** True for a {@link Tuple} from any copy of this package. */
export function isTuple(value: unknown): value is Tuple {
  return Array.isArray(value) && (value as unknown as Record<symbol, unknown>)[tupleSymbol] === true;
}

/**
 * A Python `frozenset`: a `Set` that serializes as a frozenset. It is not frozen in
 * JavaScript; the class only records the Python type.
 */
export class FrozenSet<T = unknown> extends Set<T> {}
Object.defineProperty(FrozenSet.prototype, frozenSetSymbol, { value: true });

/** True for a {@link FrozenSet} from any copy of this package. */
export function isFrozenSet(value: unknown): value is FrozenSet {
  return value instanceof Set && (value as unknown as Record<symbol, unknown>)[frozenSetSymbol] === true;
}

/** A Python `complex` number. */
export class Complex {
  constructor(
    /** Real part. */
    readonly re: number,
    /** Imaginary part. */
    readonly im: number,
  ) {}

  toString(): string {
    return `(${this.re}${this.im < 0 || Object.is(this.im, -0) ? '-' : '+'}${Math.abs(this.im)}j)`;
  }
}

Object.defineProperty(Complex.prototype, complexSymbol, { value: true });

/** True for a {@link Complex} from any copy of this package. */
export function isComplex(value: unknown): value is Complex {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[complexSymbol] === true;
}

/**
 * Forces a number to be sent as a Python `float` even when it is integral
 * (`new Float(3)` arrives as `3.0`, a plain `3` as the int `3`). Loading gives back a plain number.
 */
export class Float {
  constructor(readonly value: number) {}

  valueOf(): number {
    return this.value;
  }
}
Object.defineProperty(Float.prototype, floatSymbol, { value: true });

/** True for a {@link Float} from any copy of this package. */
export function isFloat(value: unknown): value is Float {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[floatSymbol] === true;
}
