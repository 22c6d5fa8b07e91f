import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { SpecError } from '@execnet/core';

let located: Promise<string> | undefined;

/**
 * The source of `execnet/gateway_base.py` of the Python execnet installed on this (the
 * master's) machine, found as core finds it for Python workers: `EXECNET_PYTHON`, then
 * `python3`, `/usr/bin/python3` and `python`. It is what a Python socket worker runs, sent
 * at run time as Python execnet does; nothing of it is copied into this package.
 * @throws {SpecError} no interpreter here can import execnet
 */
export function gatewayBaseSource(): Promise<string> {
  located ??= (async () => {
    const candidates = [process.env.EXECNET_PYTHON, 'python3', '/usr/bin/python3', 'python'].filter(Boolean) as string[];
    for (const python of candidates) {
      const source = await probe(python);
      if (source !== undefined) return source;
    }
    located = undefined;
    throw new SpecError(
      `python socket gateways need Python execnet on this machine: none of ${candidates.join(', ')} can import execnet ` +
        `(install python3-execnet or \`pip install execnet\`, or set EXECNET_PYTHON)`,
      { item: 'python' },
    );
  })();
  return located;
}

function probe(python: string): Promise<string | undefined> {
  const script = 'import execnet.gateway_base as m; print(m.__file__)';
  return new Promise((resolve) => {
    execFile(python, ['-c', script], { timeout: 10_000 }, (error, stdout) => {
      if (error) return resolve(undefined);
      readFile(stdout.trim(), 'utf8').then(resolve, () => resolve(undefined));
    });
  });
}

/**
 * A single-quoted Python string literal for `text`, in ASCII only (the server decodes the
 * line it reads as Python source, so anything else is escaped), on one line.
 */
export function pythonLiteral(text: string): string {
  let out = "'";
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\' || ch === "'") out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else if (c <= 0xff) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c <= 0xffff) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += `\\U${c.toString(16).padStart(8, '0')}`;
  }
  return `${out}'`;
}
