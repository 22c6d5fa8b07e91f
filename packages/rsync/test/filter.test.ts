import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PathFilter } from '@execnet/rsync';

describe('PathFilter', () => {
  const keeps = (filter: PathFilter, rel: string, isDir = false) => filter.accepts(rel, rel.split('/').at(-1) as string, isDir);

  it('keeps everything without patterns', () => {
    const filter = new PathFilter();
    assert.equal(filter.isEmpty, true);
    assert.equal(keeps(filter, 'a/b.pyc'), true);
  });

  it('a pattern without a slash matches a name at any depth', () => {
    const filter = new PathFilter([], ['*.pyc', 'core']);
    assert.equal(keeps(filter, 'x.pyc'), false);
    assert.equal(keeps(filter, 'deep/er/x.pyc'), false);
    assert.equal(keeps(filter, 'x.py'), true);
    assert.equal(keeps(filter, 'a/core'), false);
    assert.equal(keeps(filter, 'a/core.txt'), true);
  });

  it('a pattern with a slash matches the path from the root; a leading slash is optional', () => {
    const filter = new PathFilter([], ['/build', 'docs/*.md']);
    assert.equal(keeps(filter, 'build', true), false);
    assert.equal(keeps(filter, 'src/build', true), true);
    assert.equal(keeps(filter, 'docs/a.md'), false);
    assert.equal(keeps(filter, 'docs/sub/a.md'), true);
  });

  it('a trailing slash matches directories only', () => {
    const filter = new PathFilter([], ['cache/']);
    assert.equal(keeps(filter, 'cache', true), false);
    assert.equal(keeps(filter, 'cache', false), true);
  });

  it('** crosses directories, ? is one character, [..] a class', () => {
    const filter = new PathFilter([], ['a/**/z', 'f?le', 'x[0-9]', 'y[!a]']);
    assert.equal(keeps(filter, 'a/z'), false);
    assert.equal(keeps(filter, 'a/b/c/z'), false);
    assert.equal(keeps(filter, 'file'), false);
    assert.equal(keeps(filter, 'fiile'), true);
    assert.equal(keeps(filter, 'x7'), false);
    assert.equal(keeps(filter, 'xa'), true);
    assert.equal(keeps(filter, 'yb'), false);
    assert.equal(keeps(filter, 'ya'), true);
  });

  it('include patterns win over exclude patterns', () => {
    const filter = new PathFilter(['keep.log'], ['*.log']);
    assert.equal(keeps(filter, 'a.log'), false);
    assert.equal(keeps(filter, 'keep.log'), true);
  });

  it('special characters are literal', () => {
    const filter = new PathFilter([], ['a+b (1).txt', '$x.{y}']);
    assert.equal(keeps(filter, 'a+b (1).txt'), false);
    assert.equal(keeps(filter, 'aab (1).txt'), true);
    assert.equal(keeps(filter, '$x.{y}'), false);
  });

  it('rejects empty patterns', () => {
    assert.throws(() => new PathFilter([], ['']), TypeError);
  });
});
