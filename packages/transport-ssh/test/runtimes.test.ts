import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gatewayPool } from './helpers/gateways.js';
import { testRuntimes } from './helpers/runtimes.js';
import { useSshd } from './helpers/sshd.js';

const fixture = await useSshd();

describe('worker runtimes over ssh', { skip: fixture.skip }, () => {
  const open = gatewayPool();
  for (const runtime of testRuntimes()) {
    it(`${runtime.name}: bootstrap and a round trip`, { skip: runtime.skip }, async () => {
      assert.ok(runtime.path, `${runtime.name} is missing (CI=true: it must be installed)`);
      const gw = await open(`ssh=${fixture.sshd!.sshArgs()}//${runtime.kind}=${runtime.path}`);
      const code =
        runtime.kind === 'python'
          ? 'import sys\nchannel.send([channel.receive() * 2, sys.executable])'
          : 'channel.send([(await channel.receive()) * 2, process.execPath])';
      const ch = gw.remoteExec(code);
      await ch.send(21);
      const [doubled] = (await ch.receive({ timeout: 20_000 })) as [number, string];
      assert.equal(doubled, 42);
      await gw.terminate();
    });
  }
});
