import { SpecError } from './errors.js';

const WHITESPACE = ' \t\r\n';

/**
 * Splits a command line into words the way Python's `shlex.split` does (POSIX mode), so
 * `python=` and ssh argument strings mean the same as in Python execnet.
 *
 * - whitespace separates words; adjacent quoted and unquoted parts join into one word;
 * - `'...'` is literal; `"..."` is literal except that `\"` and `\\` are escapes;
 * - outside quotes, a backslash makes the next character literal (`/hans\ alt/python`);
 * - `""` yields an empty word. No variables, globs or comments.
 *
 * @throws {SpecError} on an unclosed quote or a trailing backslash
 * @example
 * splitShellWords('"/u/test me/python" -e') // ['/u/test me/python', '-e']
 */
export function splitShellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false; // true once a word has started, even if it is still empty ("")
  let quote = ''; // the open quote character, or ''
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quote === "'") {
      if (char === "'") quote = '';
      else word += char;
    } else if (quote === '"') {
      if (char === '"') {
        quote = '';
      } else if (char === '\\') {
        if (i + 1 >= line.length) break; // reported as unclosed quote below
        const next = line[++i]!;
        // shlex: inside double quotes only the quote and the backslash itself are escapable
        word += next === '"' || next === '\\' ? next : `\\${next}`;
      } else {
        word += char;
      }
    } else if (WHITESPACE.includes(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (char === '\\') {
      if (i + 1 >= line.length) {
        throw new SpecError(`no escaped character after trailing backslash in ${JSON.stringify(line)}`);
      }
      word += line[++i];
      inWord = true;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote !== '') throw new SpecError(`no closing quotation in ${JSON.stringify(line)}`);
  if (inWord) words.push(word);
  return words;
}
