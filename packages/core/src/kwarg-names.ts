const identifier = /^[A-Za-z_$][\w$]*$/;
/** Names that cannot be parameters (or would shadow what the code needs). */
const reserved = new Set(
  ('break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'yield let static implements interface package private protected public await arguments eval channel kwargs require')
    .split(' '),
);

/**
 * The kwargs that a source-string `remoteExec` gets as variables of their own: those whose
 * names are identifiers and not reserved (`delete` stays reachable as `kwargs.delete`). The
 * master checks the code with the same parameters the worker compiles it with.
 */
export function kwargVariableNames(kwargs: Record<string, unknown>): string[] {
  return Object.keys(kwargs).filter((name) => identifier.test(name) && !reserved.has(name));
}
