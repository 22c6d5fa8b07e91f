import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ExecnetError, isExecnetError } from '@execnet/core';
import {
  DestinationError,
  isRSyncError,
  NoTargetsError,
  RemoteFileError,
  RSyncError,
  RSyncErrorCode,
  SourceError,
  SpecialFileError,
  SyncError,
  TargetError,
  UnreadableFileError,
  UnsupportedError,
  VanishedFileError,
} from '@execnet/rsync';

describe('rsync errors', () => {
  const target = { gatewayId: 'gw0', destDir: '/d' };
  const all = [
    new NoTargetsError(),
    new SourceError('x', { path: '/s' }),
    new DestinationError('x', target),
    new UnreadableFileError('x', { path: '/s/f' }),
    new VanishedFileError('x', { path: '/s/f' }),
    new SpecialFileError('x', { path: '/s/p', kind: 'fifo' }),
    new RemoteFileError('x', { ...target, path: 'f', errno: 'EACCES' }),
    new UnsupportedError('x'),
    new TargetError('x', target),
    new SyncError('x', { failures: [new TargetError('y', target)], report: { targets: [], problems: [] } }),
  ];

  it('have distinct stable codes, all listed in RSyncErrorCode', () => {
    const codes = all.map((e) => e.code);
    assert.equal(new Set(codes).size, codes.length);
    for (const code of codes) assert.ok((Object.values(RSyncErrorCode) as string[]).includes(code), code);
  });

  it('are rsync errors and execnet errors, by class and by brand', () => {
    for (const error of all) {
      assert.ok(error instanceof RSyncError);
      assert.ok(error instanceof ExecnetError);
      assert.ok(isRSyncError(error));
      assert.ok(isExecnetError(error));
      assert.equal(error.name, error.constructor.name);
      assert.ok(!Object.keys(error).includes('name'), 'name stays off the instance');
    }
    assert.equal(isRSyncError(new Error('x')), false);
    assert.equal(isRSyncError(null), false);
  });

  it('carry their context', () => {
    const special = all[5] as SpecialFileError;
    assert.deepEqual([special.path, special.kind], ['/s/p', 'fifo']);
    const remote = all[6] as RemoteFileError;
    assert.deepEqual([remote.gatewayId, remote.destDir, remote.path, remote.errno], ['gw0', '/d', 'f', 'EACCES']);
    const sync = all[9] as SyncError;
    assert.equal(sync.cause, sync.failures[0]);
  });

  it('NoTargetsError keeps execnet\'s message', () => {
    assert.match(new NoTargetsError().message, /no targets available/);
  });
});
