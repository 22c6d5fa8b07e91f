/**
 * OpenSSH's host pattern matching (`match.c`): `*` matches any run of characters, `?` exactly
 * one, everything else literally and case-insensitively.
 */
export function matchPattern(name: string, pattern: string): boolean {
  const source = pattern
    .toLowerCase()
    .split('')
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[\\^$.+()[\]{}|]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's').test(name.toLowerCase());
}

/**
 * A list of patterns as in `Host a b !c` (space separated) or known_hosts `a,b,!c`: true when
 * some pattern matches and no negated (`!`) pattern does.
 */
export function matchPatternList(name: string, patterns: readonly string[]): boolean {
  let matched = false;
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) {
      if (matchPattern(name, pattern.slice(1))) return false;
    } else if (matchPattern(name, pattern)) {
      matched = true;
    }
  }
  return matched;
}
