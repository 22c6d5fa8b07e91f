/*
 * The examples of README.md and of the `@packageDocumentation` block, repeated so they cannot go
 * stale. They reach the test sshd instead of `localhost` / `build-box`.
 */
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import { makeGateway, registerTransport } from '@execnet/core';
import { sshTransport } from '@execnet/transport-ssh';
import { useSshd } from './helpers/sshd.js';

const fixture = await useSshd();

describe('README examples', { skip: fixture.skip }, () => {
  const spec = `ssh=${fixture.sshd?.sshArgs()}`;

  it('README: hostname and Node version of the remote worker', async () => {
    registerTransport(sshTransport())
    const gw = await makeGateway(spec)
    const ch = gw.remoteExec('channel.send([require("node:os").hostname(), process.version])')
    const [name, version] = (await ch.receive()) as [string, string]
    assert.equal(name, hostname()) // the test sshd runs on this machine
    assert.match(version, /^v\d+\./)
    await gw.terminate()
  });

  it('@packageDocumentation: the remote hostname', async () => {
    registerTransport(sshTransport())
    const gw = await makeGateway(spec)
    const ch = gw.remoteExec('channel.send(require("node:os").hostname())')
    assert.equal(await ch.receive(), hostname())
    await gw.terminate()
  });
});
