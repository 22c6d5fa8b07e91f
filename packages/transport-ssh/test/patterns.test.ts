import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchPattern, matchPatternList } from '../src/patterns.js';

describe('host patterns', () => {
  it('* matches any run, ? exactly one character, case-insensitively', () => {
    assert.equal(matchPattern('web1.example.com', '*.example.com'), true);
    assert.equal(matchPattern('example.com', '*.example.com'), false);
    assert.equal(matchPattern('WEB1', 'web?'), true);
    assert.equal(matchPattern('web12', 'web?'), false);
    assert.equal(matchPattern('a+b(c)', 'a+b(c)'), true, 'regex characters are literal');
    assert.equal(matchPattern('[h]:2222', '[h]:2222'), true);
  });

  it('a list matches when some pattern does and no negated one does', () => {
    assert.equal(matchPatternList('web1', ['web*', '!web-old']), true);
    assert.equal(matchPatternList('web-old', ['web*', '!web-old']), false);
    assert.equal(matchPatternList('other', ['!web-old']), false, 'only negations never match');
    assert.equal(matchPatternList('x', []), false);
  });
});
