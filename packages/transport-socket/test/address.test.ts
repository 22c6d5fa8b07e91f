import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatHostPort, isLoopback, parseHostPort } from '../src/address.js';

describe('parseHostPort', () => {
  it('IPv4, host names and bracketed IPv6', () => {
    assert.deepEqual(parseHostPort('127.0.0.1:8888'), { host: '127.0.0.1', port: 8888 });
    assert.deepEqual(parseHostPort('build-host.example:22'), { host: 'build-host.example', port: 22 });
    assert.deepEqual(parseHostPort('[::1]:8888'), { host: '::1', port: 8888 });
    assert.deepEqual(parseHostPort('[fe80::1]:1'), { host: 'fe80::1', port: 1 });
  });

  it('a default port, and port 0 only when allowed', () => {
    assert.deepEqual(parseHostPort('localhost', { defaultPort: 8888 }), { host: 'localhost', port: 8888 });
    assert.deepEqual(parseHostPort('[::1]', { defaultPort: 0, allowZero: true }), { host: '::1', port: 0 });
    assert.deepEqual(parseHostPort('0.0.0.0:0', { allowZero: true }), { host: '0.0.0.0', port: 0 });
    assert.throws(() => parseHostPort('127.0.0.1:0'));
  });

  it('rejects what is not HOST:PORT', () => {
    for (const bad of ['127.0.0.1', ':8888', '::1:8888', '[::1', '[::1]8888', '[nothost]:1', 'h:65536', 'h:-1', 'h:12ab', 'h:']) {
      assert.throws(() => parseHostPort(bad), Error, bad);
    }
  });
});

describe('formatHostPort and isLoopback', () => {
  it('brackets IPv6 only', () => {
    assert.equal(formatHostPort('::1', 80), '[::1]:80');
    assert.equal(formatHostPort('127.0.0.1', 80), '127.0.0.1:80');
    assert.equal(formatHostPort('localhost', 80), 'localhost:80');
  });

  it('loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', 'LOCALHOST', 'a.localhost', '::ffff:127.0.0.1']) assert.equal(isLoopback(host), true, host);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'example.org', '128.0.0.1', '::2']) assert.equal(isLoopback(host), false, host);
  });
});
