import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AuthenticationError,
  BootstrapError,
  ChannelClosedError,
  ClosureError,
  EOFError,
  ExecnetError,
  ExecnetErrorCode,
  GatewayClosedError,
  HostKeyError,
  HostNotFound,
  ProtocolError,
  RemoteError,
  SpecError,
  TimeoutError,
  isExecnetError,
} from '../src/errors.js';

const cases: Array<[ExecnetError, string, string]> = [
  [new ExecnetError('x'), 'ExecnetError', 'ERR_EXECNET'],
  [new RemoteError('Traceback'), 'RemoteError', 'ERR_EXECNET_REMOTE'],
  [new TimeoutError('no item after 10 ms'), 'TimeoutError', 'ERR_EXECNET_TIMEOUT'],
  [new EOFError(), 'EOFError', 'ERR_EXECNET_EOF'],
  [new ChannelClosedError(7), 'ChannelClosedError', 'ERR_EXECNET_CHANNEL_CLOSED'],
  [new GatewayClosedError({ gatewayId: 'gw0' }), 'GatewayClosedError', 'ERR_EXECNET_GATEWAY_CLOSED'],
  [new HostNotFound('nohost'), 'HostNotFound', 'ERR_EXECNET_HOST_NOT_FOUND'],
  [new AuthenticationError('denied'), 'AuthenticationError', 'ERR_EXECNET_AUTHENTICATION'],
  [new HostKeyError('mismatch'), 'HostKeyError', 'ERR_EXECNET_HOST_KEY'],
  [new SpecError('bad'), 'SpecError', 'ERR_EXECNET_SPEC'],
  [new ProtocolError('bad frame'), 'ProtocolError', 'ERR_EXECNET_PROTOCOL'],
  [new BootstrapError({ command: 'node -e x' }), 'BootstrapError', 'ERR_EXECNET_BOOTSTRAP'],
  [new ClosureError('f', ['secret']), 'ClosureError', 'ERR_EXECNET_CLOSURE'],
];

describe('error classes', () => {
  for (const [error, name, code] of cases) {
    it(`${name} has its name, code, brand and base class`, () => {
      assert.ok(error instanceof ExecnetError);
      assert.ok(error instanceof Error);
      assert.equal(error.name, name);
      assert.equal(error.code, code);
      assert.ok(isExecnetError(error));
      // name lives on the prototype, non-enumerable (execa style)
      assert.ok(!Object.keys(error).includes('name'));
      assert.ok(!Object.prototype.hasOwnProperty.call(error, 'name'));
      assert.ok(typeof error.stack === 'string' && error.stack.includes(name));
    });
  }

  it('codes are unique and listed in ExecnetErrorCode', () => {
    const codes = cases.map(([error]) => error.code);
    assert.equal(new Set(codes).size, codes.length);
    assert.deepEqual(new Set(codes), new Set(Object.values(ExecnetErrorCode)));
  });

  it('passes cause through', () => {
    const cause = new Error('root');
    for (const error of [
      new ExecnetError('x', { cause }),
      new RemoteError('t', { cause }),
      new TimeoutError('t', { cause, timeout: 5 }),
      new EOFError('e', { cause }),
      new ChannelClosedError(1, undefined, { cause }),
      new GatewayClosedError({ gatewayId: 'g' }, { cause }),
      new HostNotFound('h', undefined, { cause }),
      new AuthenticationError('a', { cause }),
      new HostKeyError('k', { cause }),
      new SpecError('s', { cause }),
      new ProtocolError('p', { cause }),
      new BootstrapError({ command: 'c' }, { cause }),
    ]) {
      assert.equal(error.cause, cause, error.name);
    }
  });
});

describe('isExecnetError', () => {
  it('rejects foreign values', () => {
    for (const value of [new Error('x'), new TypeError('x'), null, undefined, 'ERR_EXECNET', 42, {}]) {
      assert.equal(isExecnetError(value), false);
    }
  });

  it('accepts an error branded by another copy of the package', () => {
    // Another copy shares the Symbol.for registry key but not the class.
    const foreign = Object.assign(new Error('x'), { [Symbol.for('@execnet/error')]: true });
    assert.equal(foreign instanceof ExecnetError, false);
    assert.equal(isExecnetError(foreign), true);
  });

  it('covers subclasses defined outside core', () => {
    class SshConnectError extends ExecnetError {
      override readonly code = 'ERR_EXECNET_SSH_CONNECT';
    }
    const error = new SshConnectError('refused');
    assert.ok(isExecnetError(error));
    assert.equal(error.code, 'ERR_EXECNET_SSH_CONNECT');
  });
});

describe('context fields', () => {
  it('RemoteError keeps the remote text intact', () => {
    const text = 'Traceback (most recent call last):\n  File "<remote exec>", line 2\nValueError: boom\n';
    const error = new RemoteError(text);
    assert.equal(error.formatted, text);
    assert.equal(error.message, text);
  });

  it('TimeoutError and EOFError carry their context', () => {
    assert.equal(new TimeoutError('t', { timeout: 250 }).timeout, 250);
    assert.equal(new TimeoutError('t').timeout, undefined);
    assert.equal(new EOFError(undefined, { channelId: 3 }).channelId, 3);
    assert.ok(new EOFError().message.length > 0);
  });

  it('ChannelClosedError, HostNotFound, host errors', () => {
    assert.equal(new ChannelClosedError(9).channelId, 9);
    assert.equal(new HostNotFound('me@host').host, 'me@host');
    assert.equal(new HostNotFound().host, undefined);
    assert.equal(new AuthenticationError('a', { host: 'h1' }).host, 'h1');
    assert.equal(new HostKeyError('k', { host: 'h2' }).host, 'h2');
  });

  it('SpecError and ProtocolError', () => {
    const spec = new SpecError('s', { spec: 'popen//', item: '' });
    assert.equal(spec.spec, 'popen//');
    assert.equal(spec.item, '');
    const protocol = new ProtocolError('p', { messageCode: 42, channelId: 5 });
    assert.equal(protocol.messageCode, 42);
    assert.equal(protocol.channelId, 5);
  });

  it('GatewayClosedError derives its reason and keeps the stderr tail', () => {
    const tail = ['Error: boom', '    at main.js:1'];
    const error = new GatewayClosedError({ gatewayId: 'gw0', exitCode: 3, stderrTail: tail });
    tail.push('later');
    assert.equal(error.gatewayId, 'gw0');
    assert.equal(error.exitCode, 3);
    assert.equal(error.signal, null);
    assert.deepEqual(error.stderrTail, ['Error: boom', '    at main.js:1']);
    assert.ok(error.message.includes('gw0'));
    for (const line of error.stderrTail) assert.ok(error.message.includes(line));
    assert.ok(error.reason.includes('3'));

    const killed = new GatewayClosedError({ gatewayId: 'gw1', signal: 'SIGKILL' });
    assert.equal(killed.exitCode, null);
    assert.equal(killed.signal, 'SIGKILL');
    assert.deepEqual(killed.stderrTail, []);
    assert.ok(killed.reason.includes('SIGKILL'));
    assert.equal(new GatewayClosedError({ gatewayId: 'g', reason: 'custom' }).reason, 'custom');
  });

  it('BootstrapError names the command and how the worker ended', () => {
    const error = new BootstrapError({ command: 'node -e boot', exitCode: 127, stderrTail: ['node: not found'] });
    assert.equal(error.command, 'node -e boot');
    assert.equal(error.exitCode, 127);
    assert.equal(error.signal, null);
    assert.deepEqual(error.stderrTail, ['node: not found']);
    assert.ok(error.message.includes('node -e boot'));
    assert.ok(error.message.includes('node: not found'));
    assert.ok(error.reason.includes('127'));
  });
});
