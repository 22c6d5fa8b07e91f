/*
 * The meta package's surface: it re-exports every public value of the packages it gathers
 * (the same objects, not copies), and importing it registers every transport.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as execnet from 'execnet';
import * as serializer from '@execnet/serializer';
import * as core from '@execnet/core';
import * as popen from '@execnet/transport-popen';
import * as ssh from '@execnet/transport-ssh';
import * as socket from '@execnet/transport-socket';
import * as rsync from '@execnet/rsync';
import { PACKAGE_DIR, REPO_ROOT, runNode } from './helpers.js';

/** Core exports marked @internal (for testkit), left out on purpose (with their types ServeWorker*). */
const INTERNAL = new Set(['serveWorker']);

describe('execnet re-exports', () => {
  const packages = { '@execnet/serializer': serializer, '@execnet/core': core, '@execnet/transport-popen': popen, '@execnet/transport-ssh': ssh, '@execnet/transport-socket': socket, '@execnet/rsync': rsync };
  for (const [name, module] of Object.entries(packages)) {
    it(`every public value of ${name}, as the same object`, () => {
      const missing: string[] = [];
      for (const [key, value] of Object.entries(module)) {
        if (INTERNAL.has(key)) continue;
        if (!(key in execnet)) missing.push(key);
        else assert.equal((execnet as Record<string, unknown>)[key], value, `${key} is another object`);
      }
      assert.deepEqual(missing, [], `execnet does not re-export ${missing.join(', ')} of ${name}`);
    });
  }

  it('every public type of each package (read from its src/index.ts)', () => {
    const ours = readFileSync(join(PACKAGE_DIR, 'src', 'index.ts'), 'utf8');
    const missing: string[] = [];
    for (const folder of ['serializer', 'core', 'transport-popen', 'transport-ssh', 'transport-socket', 'rsync']) {
      const index = readFileSync(join(PACKAGE_DIR, '..', folder, 'src', 'index.ts'), 'utf8');
      const types = [...index.matchAll(/export type \{([^}]*)\}/g)].flatMap((m) => m[1]!.split(',').map((name) => name.trim()).filter(Boolean));
      for (const name of types) {
        if (!name.startsWith('ServeWorker') && !new RegExp(`\\b${name}\\b`).test(ours)) missing.push(`${folder}: ${name}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('nothing else', () => {
    const known = new Set(Object.values(packages).flatMap((module) => Object.keys(module)));
    assert.deepEqual(Object.keys(execnet).filter((key) => !known.has(key)), []);
  });
});

describe('execnet registers the transports', () => {
  for (const [name, pkg] of [
    ['popen', '@execnet/transport-popen'],
    ['ssh', '@execnet/transport-ssh'],
    ['vagrant_ssh', '@execnet/transport-ssh'],
    ['socket', '@execnet/transport-socket'],
  ] as const) {
    it(`${name} (${pkg})`, async () => {
      const transport = await execnet.getTransport(name);
      assert.ok(execnet.isTransport(transport));
      assert.equal(transport.name, name);
    });
  }

  it('by itself: from a directory where core could not import a transport package on demand', async () => {
    // In the temp directory nothing resolves @execnet/transport-*, so only register.ts can
    // have registered them; core alone knows none there.
    const tsx = pathToFileURL(join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
    const probe = (entry: string) => `
      const m = await import(${JSON.stringify(pathToFileURL(join(PACKAGE_DIR, entry)).href)});
      const found = [];
      for (const name of ['popen', 'ssh', 'vagrant_ssh', 'socket']) {
        try { await m.getTransport(name); found.push(name); } catch (e) { found.push(e.code); }
      }
      console.log(found.join(' '));`;
    const flags = ['--import', tsx, '--conditions=@execnet/source', '--input-type=module', '-e'];
    const withExecnet = await runNode([...flags, probe('src/index.ts')], { cwd: tmpdir() });
    assert.equal(withExecnet.stdout.trim(), 'popen ssh vagrant_ssh socket', withExecnet.stderr);
    const coreOnly = await runNode([...flags, probe('../core/src/index.ts')], { cwd: tmpdir() });
    assert.equal(coreOnly.stdout.trim(), 'ERR_EXECNET_SPEC ERR_EXECNET_SPEC ERR_EXECNET_SPEC ERR_EXECNET_SPEC', coreOnly.stderr);
  });

  it("import { makeGateway } from 'execnet' just works", async () => {
    const gw = await execnet.makeGateway('popen');
    try {
      const ch = gw.remoteExec('channel.send(await channel.receive() * 2)');
      await ch.send(21);
      assert.equal(await ch.receive(), 42);
    } finally {
      await gw.terminate();
    }
  });
});
