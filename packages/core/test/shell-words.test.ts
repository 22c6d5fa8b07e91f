import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SpecError } from '../src/errors.js';
import { splitShellWords } from '../src/shell-words.js';
import { XSpec } from '../src/xspec.js';

describe('splitShellWords', () => {
  // execnet testing/test_gateway.py test_popen_args: python= is split with shlex rules
  const popenArgs: Array<[string, string[]]> = [
    ['popen//python=python', ['python']],
    ['popen//python=sudo -u test python', ['sudo', '-u', 'test', 'python']],
    ['popen//python=/hans\\ alt/bin/python', ['/hans alt/bin/python']],
    ['popen//python="/u/test me/python" -e', ['/u/test me/python', '-e']],
  ];
  for (const [spec, expected] of popenArgs) {
    it(`splits the python= of ${spec}`, () => {
      const python = new XSpec(spec).python;
      assert.equal(typeof python, 'string');
      assert.deepEqual(splitShellWords(python as string), expected);
    });
  }

  it('test_popen_with_sudo_python', () => {
    const spec = new XSpec('popen//python=sudo python3//id=gw0');
    assert.deepEqual(splitShellWords(spec.python as string), ['sudo', 'python3']);
  });

  // Expected values produced by Python's shlex.split.
  const table: Array<[string, string[]]> = [
    ['', []],
    ['   \t\n ', []],
    ['a  b\tc\nd', ['a', 'b', 'c', 'd']],
    ['a"b c"d', ['ab cd']],
    ["'a b' \"c d\"", ['a b', 'c d']],
    ['""', ['']],
    ["a '' b", ['a', '', 'b']],
    ["'it''s'", ['its']],
    ["'\\n'", ['\\n']],
    ['"a\\"b"', ['a"b']],
    ['"a\\\\b"', ['a\\b']],
    ['"a\\$b"', ['a\\$b']],
    ['a\\"b', ['a"b']],
    ["a\\'b", ["a'b"]],
    ['\\ lead', [' lead']],
    ['-p 22100 user@host', ['-p', '22100', 'user@host']],
    ['-i ~/.ssh/id_rsa -o "ProxyCommand=ssh -W %h:%p jump" host', ['-i', '~/.ssh/id_rsa', '-o', 'ProxyCommand=ssh -W %h:%p jump', 'host']],
  ];
  for (const [line, expected] of table) {
    it(`splits ${JSON.stringify(line)}`, () => {
      assert.deepEqual(splitShellWords(line), expected);
    });
  }

  it('rejects unclosed quotes and a trailing backslash', () => {
    for (const line of ['"abc', "'abc", 'a "b', 'abc\\', '"abc\\']) {
      assert.throws(() => splitShellWords(line), SpecError, line);
    }
  });
});
