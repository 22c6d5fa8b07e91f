import { pythonExecnetModuleSource } from '@execnet/core';
import { UnsupportedError } from './errors.js';

let located: Promise<string> | undefined;

/**
 * The source of Python execnet's own `execnet/rsync_remote.py`, read from the execnet installed
 * on this (the master's) machine, the one core's Python workers come from (`EXECNET_PYTHON`,
 * then `python3`, `/usr/bin/python3` and `python`). Nothing of it is copied into this package.
 * Run as a module on the worker, it calls `serve_rsync(channel)` (its `__name__ ==
 * '__channelexec__'` guard).
 * @throws {UnsupportedError} no interpreter here can import execnet, or it has no rsync_remote
 */
export function pythonRemoteSource(): Promise<string> {
  located ??= pythonExecnetModuleSource('rsync_remote').catch((error: unknown) => {
    located = undefined;
    throw new UnsupportedError(`rsync to a Python worker needs Python execnet's rsync_remote on this machine: ${(error as Error).message}`, { cause: error });
  });
  return located;
}

/**
 * Python run before execnet's remote side: reports whether the destination exists and is not a
 * directory. execnet would unlink such a file and put the directory in its place; we refuse.
 */
export const PYTHON_DEST_CHECK = `
import os
dest = channel.receive()
channel.send(bool(os.path.lexists(dest) and not os.path.isdir(dest)))
`;
