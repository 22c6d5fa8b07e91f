import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { UnsupportedError } from './errors.js';

let located: Promise<string> | undefined;

/**
 * The source of Python execnet's own `execnet/rsync_remote.py`, read from the execnet installed
 * on this (the master's) machine, as core finds it for Python workers: `EXECNET_PYTHON`, then
 * `python3`, `/usr/bin/python3` and `python`. Nothing of it is copied into this package. Run as a
 * module on the worker, it calls `serve_rsync(channel)` (its `__name__ == '__channelexec__'` guard).
 * @throws {UnsupportedError} no interpreter here can import `execnet.rsync_remote`
 */
export function pythonRemoteSource(): Promise<string> {
  located ??= (async () => {
    const candidates = [process.env.EXECNET_PYTHON, 'python3', '/usr/bin/python3', 'python'].filter(Boolean) as string[];
    for (const python of candidates) {
      const source = await probe(python);
      if (source !== undefined) return source;
    }
    located = undefined;
    throw new UnsupportedError(
      `rsync to a Python worker needs Python execnet on this machine: none of ${candidates.join(', ')} can import execnet.rsync_remote`,
    );
  })();
  return located;
}

function probe(python: string): Promise<string | undefined> {
  const script = 'import execnet.rsync_remote as m; print(m.__file__)';
  return new Promise((resolve) => {
    execFile(python, ['-c', script], { timeout: 10_000 }, (error, stdout) => {
      if (error) return resolve(undefined);
      readFile(stdout.trim(), 'utf8').then(resolve, () => resolve(undefined));
    });
  });
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
