import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExecnetErrorCode, isExecnetError } from '@execnet/core';
import { parseSshArgs, parseDestination } from '../src/ssh-args.js';

const specError = (error: unknown) => isExecnetError(error) && error.code === ExecnetErrorCode.SPEC;

describe('parseSshArgs', () => {
  it('takes the destination alone', () => {
    const args = parseSshArgs('myhost');
    assert.equal(args.host, 'myhost');
    assert.equal(args.destinationUser, undefined);
    assert.deepEqual(args.options, []);
  });

  it('splits user@host', () => {
    const args = parseSshArgs('me@myhost');
    assert.equal(args.host, 'myhost');
    assert.equal(args.destinationUser, 'me');
  });

  it('understands an ssh:// destination with a port', () => {
    const args = parseSshArgs('ssh://me@myhost:2200');
    assert.deepEqual([args.host, args.destinationUser, args.destinationPort], ['myhost', 'me', 2200]);
  });

  it('maps -p, -l, -i, -J, -C, -4 to their ssh_config keywords, in order', () => {
    const args = parseSshArgs('-p 5000 -l user -i ~/key1 -i /k2 -J jump -C -4 myhost');
    assert.deepEqual(args.options, [
      ['port', '5000'],
      ['user', 'user'],
      ['identityfile', '~/key1'],
      ['identityfile', '/k2'],
      ['proxyjump', 'jump'],
      ['compression', 'yes'],
      ['addressfamily', 'inet'],
    ]);
    assert.equal(args.host, 'myhost');
  });

  it('accepts values joined to their flag and switch clusters', () => {
    const args = parseSshArgs('-Cqp5000 -oPort=7 -lroot host');
    assert.deepEqual(args.options, [
      ['compression', 'yes'],
      ['port', '5000'],
      ['port', '7'],
      ['user', 'root'],
    ]);
  });

  it('takes -o Name=value and -o "Name value", keywords case-insensitive', () => {
    const args = parseSshArgs(
      '-o StrictHostKeyChecking=accept-new -o "UserKnownHostsFile /tmp/kh" -o ConnectTimeout=5 -o ServerAliveInterval=1 -o serveralivecountmax=2 -o User=u -o IdentityFile=/k -o Port=22 h',
    );
    assert.deepEqual(args.options, [
      ['stricthostkeychecking', 'accept-new'],
      ['userknownhostsfile', '/tmp/kh'],
      ['connecttimeout', '5'],
      ['serveraliveinterval', '1'],
      ['serveralivecountmax', '2'],
      ['user', 'u'],
      ['identityfile', '/k'],
      ['port', '22'],
    ]);
  });

  it('takes -F FILE apart; the first one wins', () => {
    const args = parseSshArgs('-F /etc/a -F /etc/b host');
    assert.equal(args.configFile, '/etc/a');
  });

  it('accepts harmless switches and ignored options', () => {
    const args = parseSshArgs('-q -v -T -x -A -o LogLevel=ERROR -o BatchMode=yes host');
    assert.equal(args.host, 'host');
  });

  it('keeps quoted words with spaces', () => {
    const args = parseSshArgs(`-i '/path with space/key' host`);
    assert.deepEqual(args.options, [['identityfile', '/path with space/key']]);
  });

  for (const [spec, why] of [
    ['', 'no destination'],
    ['-p 22', 'no destination'],
    ['-p', 'flag without value'],
    ['-p x host', 'bad port'],
    ['-p 70000 host', 'port out of range'],
    ['-o Port=abc host', 'bad port in -o'],
    ['host uptime', 'a remote command'],
    ['-L 8080:localhost:80 host', 'port forwarding'],
    ['-N host', 'no command'],
    ['-Z host', 'unknown flag'],
    ['-o ProxyCommand=nc host', 'ProxyCommand'],
    ['-o NoSuchOption=1 host', 'unknown -o keyword'],
    ['-o StrictHostKeyChecking=maybe host', 'bad StrictHostKeyChecking'],
    ['-o ServerAliveInterval=soon host', 'bad interval'],
    ['-o Port host', '-o without value'],
    ['@host', 'empty user'],
    ["'unclosed host", 'unclosed quote'],
  ] as const) {
    it(`rejects ${why}: '${spec}'`, () => {
      assert.throws(() => parseSshArgs(spec), specError);
    });
  }
});

describe('parseDestination', () => {
  it('splits [user@]host[:port] of jump hosts', () => {
    assert.deepEqual(parseDestination('u@jump:2222', 'x', true), { host: 'jump', user: 'u', port: 2222 });
    assert.deepEqual(parseDestination('[::1]:22', 'x', true), { host: '::1', user: undefined, port: 22 });
    assert.deepEqual(parseDestination('jump', 'x', true), { host: 'jump', user: undefined, port: undefined });
  });
});
