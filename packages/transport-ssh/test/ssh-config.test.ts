import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isExecnetError } from '@execnet/core';
import { SshConfigError } from '@execnet/transport-ssh';
import { resolveTarget, type ResolveSettings } from '../src/resolve-target.js';
import { parseSshArgs } from '../src/ssh-args.js';
import { evaluateConfig, readConfigFile } from '../src/ssh-config.js';
import { gatewayPool, isolatedTransport, tempDir } from './helpers/gateways.js';
import { useSshd } from './helpers/sshd.js';

const fixture = await useSshd();

/** Resolution settings with a fresh home holding `config` as ~/.ssh/config. */
function homeWith(config: string, extra: Partial<ResolveSettings> = {}): ResolveSettings {
  const home = tempDir('execnet-ssh-home-');
  mkdirSync(join(home, '.ssh'), { recursive: true });
  writeFileSync(join(home, '.ssh', 'config'), config);
  return {
    home,
    localUser: 'localme',
    userConfigFile: join(home, '.ssh', 'config'),
    systemConfigFile: false,
    agent: false,
    defaultServerAliveInterval: 15,
    env: {},
    ...extra,
  };
}

const resolve = (args: string, settings: ResolveSettings, configFile?: string) => resolveTarget(parseSshArgs(args), settings, configFile);

describe('ssh_config', () => {
  it('applies Host patterns: first value wins, IdentityFile accumulates', () => {
    const settings = homeWith(`
# comment
Host web* !web-old
  HostName %h.example.com
  Port 2200
  User deploy
  IdentityFile ~/.ssh/web_key
Host *
  Port 2300
  User nobody
  IdentityFile %d/.ssh/all_%r@%h:%p
  ServerAliveInterval 5
  ServerAliveCountMax 4
  ConnectTimeout 7
`);
    const web = resolve('web1', settings);
    assert.equal(web.host, 'web1.example.com');
    assert.equal(web.port, 2200);
    assert.equal(web.user, 'deploy');
    assert.deepEqual(web.identityFiles, [
      join(settings.home, '.ssh/web_key'),
      join(settings.home, '.ssh/all_deploy@web1.example.com:2200'),
    ]);
    assert.equal(web.keepaliveInterval, 5000);
    assert.equal(web.keepaliveCountMax, 4);
    assert.equal(web.connectTimeout, 7000);

    const old = resolve('web-old', settings);
    assert.equal(old.host, 'web-old');
    assert.equal(old.port, 2300);
    assert.equal(old.user, 'nobody');
  });

  it('lets the command line win over the config, and -l/-o User over user@', () => {
    const settings = homeWith('Host h\n  Port 2200\n  User cfg\n');
    assert.equal(resolve('-p 1234 h', settings).port, 1234);
    assert.equal(resolve('-o Port=99 -p 1234 h', settings).port, 99);
    assert.equal(resolve('me@h', settings).user, 'me');
    assert.equal(resolve('-l other me@h', settings).user, 'other');
    assert.equal(resolve('h', settings).user, 'cfg');
  });

  it('uses defaults: port 22, local user, default keys and known_hosts, keepalive 15 s', () => {
    const settings = homeWith('');
    const target = resolve('plain', settings);
    assert.equal(target.port, 22);
    assert.equal(target.user, 'localme');
    assert.equal(target.identityFilesGiven, false);
    assert.ok(target.identityFiles.includes(join(settings.home, '.ssh/id_ed25519')));
    assert.deepEqual(target.hostKey.userFiles, [join(settings.home, '.ssh/known_hosts'), join(settings.home, '.ssh/known_hosts2')]);
    assert.equal(target.hostKey.strict, 'yes', "OpenSSH's default 'ask' is 'yes' here: nothing prompts");
    assert.equal(target.hostKey.name, 'plain');
    assert.equal(target.keepaliveInterval, 15000);
    assert.equal(target.keepaliveCountMax, 3);
    assert.equal(target.jump, undefined);
  });

  it('names non-22 ports [host]:port in known_hosts, or uses HostKeyAlias', () => {
    const settings = homeWith('Host aliased\n  HostKeyAlias other-name\n');
    assert.equal(resolve('-p 2222 h', settings).hostKey.name, '[h]:2222');
    assert.equal(resolve('aliased', settings).hostKey.name, 'other-name');
  });

  it('resolves ProxyJump hops through the config, later hops through earlier ones', () => {
    const settings = homeWith(`
Host inner
  HostName 10.0.0.5
  ProxyJump bastion
Host bastion
  HostName bastion.example.com
  User jumper
  Port 2022
`);
    const inner = resolve('inner', settings);
    assert.equal(inner.jump?.host, 'bastion.example.com');
    assert.equal(inner.jump?.user, 'jumper');
    assert.equal(inner.jump?.port, 2022);
    assert.equal(inner.jump?.jump, undefined);

    const chained = resolve('-J a@first:2201,second target', settings);
    assert.equal(chained.jump?.host, 'second');
    assert.equal(chained.jump?.jump?.host, 'first');
    assert.equal(chained.jump?.jump?.user, 'a');
    assert.equal(chained.jump?.jump?.port, 2201);
    assert.equal(resolve('-o ProxyJump=none inner', settings).jump, undefined);
  });

  it('refuses a ProxyJump loop', () => {
    const settings = homeWith('Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n');
    assert.throws(() => resolve('a', settings), (error) => isExecnetError(error));
  });

  it('follows Include (relative to ~/.ssh, with globs) and evaluates Match', () => {
    const settings = homeWith(`
Include conf.d/*.conf
Match host *.internal user admin
  Port 2400
Match originalhost short
  HostName short.internal
  User admin
`);
    mkdirSync(join(settings.home, '.ssh/conf.d'));
    writeFileSync(join(settings.home, '.ssh/conf.d/10-a.conf'), 'Host included\n  HostName from-include\n');
    writeFileSync(join(settings.home, '.ssh/conf.d/ignored.txt'), 'Host included\n  HostName wrong\n');
    assert.equal(resolve('included', settings).host, 'from-include');
    const short = resolve('short', settings);
    assert.equal(short.host, 'short.internal');
    assert.equal(short.user, 'admin');
    assert.equal(short.port, 22, 'the Match above ran before HostName and User were known');
    assert.equal(resolve('-l admin x.internal', settings).port, 2400);
  });

  it('reads only the -F file (or ssh_config=), which must exist', () => {
    const settings = homeWith('Host h\n  Port 1111\n');
    const other = join(settings.home, 'other_config');
    writeFileSync(other, 'Host h\n  Port 2222\n');
    assert.equal(resolve(`-F ${other} h`, settings).port, 2222);
    assert.equal(resolve('h', settings, other).port, 2222);
    assert.throws(() => resolve('-F /no/such/file h', settings), SshConfigError);
  });

  it('reports bad lines and unsupported ProxyCommand with file and line', () => {
    const settings = homeWith('Host h\n  Port notanumber\n');
    assert.throws(() => resolve('h', settings), (error) => error instanceof SshConfigError && error.line === 2);
    const proxy = homeWith('Host h\n  ProxyCommand nc %h %p\n');
    assert.throws(() => resolve('h', proxy), (error) => error instanceof SshConfigError && error.line === 2);
    assert.equal(resolve('other', proxy).host, 'other', 'a ProxyCommand for another host does not matter');
    const quote = homeWith('Host "h\n');
    assert.throws(() => resolve('h', quote), SshConfigError);
  });

  it('expands IdentityAgent and reads the agent from the environment', () => {
    const settings = homeWith('Host a\n  IdentityAgent ~/agent.sock\nHost n\n  IdentityAgent none\n', {
      agent: undefined,
      env: { SSH_AUTH_SOCK: '/run/agent' },
    });
    assert.equal(resolve('a', settings).agent, join(settings.home, 'agent.sock'));
    assert.equal(resolve('n', settings).agent, undefined);
    assert.equal(resolve('x', settings).agent, '/run/agent');
    assert.equal(resolve('-o IdentitiesOnly=yes x', settings).identitiesOnly, true);
  });

  it('parses the config entries with their blocks', () => {
    const settings = homeWith('Host a b\n  User x\nMatch all\n  Port 1\n');
    const entries = readConfigFile(settings.userConfigFile as string, { includeDir: settings.home, home: settings.home });
    assert.deepEqual(entries.map((entry) => [entry.keyword, entry.args, entry.line]), [
      ['user', ['x'], 2],
      ['port', ['1'], 4],
    ]);
    const values = evaluateConfig(entries, { originalHost: 'b', host: 'b', user: 'u', localUser: 'u' });
    assert.equal(values.first('user'), 'x');
    assert.equal(values.first('port'), '1');
  });

  const ssh = '/usr/bin/ssh';
  it('agrees with `ssh -G` on the values it shares', { skip: !existsSync(ssh) && process.env.CI !== 'true' && 'no ssh client' }, () => {
    const settings = homeWith('');
    const file = join(settings.home, 'oracle_config');
    writeFileSync(
      file,
      `
Host al*
  HostName real-%h.example
  User cfguser
  Port 2200
  ProxyJump hop1
Match host real-*
  ServerAliveInterval 9
Host *
  Port 2300
  User other
  StrictHostKeyChecking accept-new
  ConnectTimeout 4
`,
    );
    for (const args of ['alias', 'bar@alias', '-p 7 -l x alias', 'other', '-o Port=5 -p 6 alias', '-J a@b:3 alias']) {
      const oracle = Object.fromEntries(
        execFileSync(ssh, ['-G', '-F', file, ...args.split(' ')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
          .split('\n')
          .map((line) => [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)]),
      );
      const target = resolve(`-F ${file} ${args}`, settings);
      assert.equal(target.host, oracle.hostname, `${args}: hostname`);
      assert.equal(String(target.port), oracle.port, `${args}: port`);
      assert.equal(target.user, oracle.user, `${args}: user`);
      assert.equal(String(target.keepaliveInterval / 1000), oracle.serveraliveinterval === '0' ? '15' : oracle.serveraliveinterval, `${args}: serveraliveinterval`);
      assert.equal(String((target.connectTimeout ?? 0) / 1000), oracle.connecttimeout === 'none' ? '0' : oracle.connecttimeout, `${args}: connecttimeout`);
      assert.equal(target.hostKey.strict === 'yes' ? 'ask' : target.hostKey.strict, oracle.stricthostkeychecking === 'true' ? 'yes' : oracle.stricthostkeychecking, `${args}: stricthostkeychecking`);
      const jump = target.jump ? `${target.jump.alias}` : undefined;
      assert.equal(jump !== undefined, oracle.proxyjump !== undefined, `${args}: proxyjump`);
    }
  });
});

describe('ssh_config against the test sshd', { skip: fixture.skip }, () => {
  it('a Host alias from ~/.ssh/config reaches the server', async () => {
    const sshd = fixture.sshd!;
    const home = tempDir('execnet-ssh-home-');
    mkdirSync(join(home, '.ssh'));
    writeFileSync(
      join(home, '.ssh', 'config'),
      `Host testbox\n  HostName ${sshd.host}\n  Port ${sshd.port}\n  User ${sshd.user}\n  IdentityFile ${sshd.key}\n  UserKnownHostsFile ${sshd.knownHosts}\n  StrictHostKeyChecking yes\n`,
    );
    const gatewayOf = gatewayPool(isolatedTransport({ homeDir: home }));
    const gw = await gatewayOf('ssh=testbox');
    const ch = gw.remoteExec('channel.send(process.env.SSH_CONNECTION.split(" ")[3])');
    assert.equal(await ch.receive({ timeout: 10_000 }), String(sshd.port));
  });
});
