/**
 * `Symbol.asyncDispose`, or Node's registered stand-in where the runtime lacks it (Node 18),
 * so `await using` finds the same key either way.
 */
export const asyncDispose: symbol = (Symbol as { asyncDispose?: symbol }).asyncDispose ?? Symbol.for('nodejs.asyncDispose');
