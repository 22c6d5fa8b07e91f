import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { SpecError, transportSymbol, type Connection, type ExitStatus, type OpenContext, type Transport, type XSpec } from '@execnet/core';
import { ConnectionPool, type Lease } from './connection-pool.js';
import { sshLog } from './debug.js';
import { remoteWorkerCommand } from './remote-command.js';
import { resolveTarget, type ResolveSettings } from './resolve-target.js';
import { parseSshArgs } from './ssh-args.js';
import type { ExecChannel } from './ssh-connection.js';
import { connectWorker, type WorkerProcess } from './worker-connection.js';

const log = sshLog('transport');

/** Options of {@link sshTransport}. */
export interface SshOptions {
  /** Home directory: `~` in paths, `~/.ssh/config`, default keys and known_hosts. @default os.homedir() */
  homeDir?: string;
  /** The user's ssh_config, read unless the spec gives `-F` or `ssh_config=`; `false` reads none. @default '~/.ssh/config' */
  userConfigFile?: string | false;
  /** The system-wide ssh_config; `false` reads none. @default '/etc/ssh/ssh_config' */
  systemConfigFile?: string | false;
  /** The ssh-agent socket when ssh_config names no `IdentityAgent`; `false` never uses an agent. @default process.env.SSH_AUTH_SOCK */
  agent?: string | false;
  /** The local user name: the default remote user, and `%u`. @default os.userInfo().username */
  localUser?: string;
  /**
   * Let gateways to the same host, port, user and settings share one SSH connection, with one
   * channel each. The connection closes with its last gateway. @default true
   */
  shareConnections?: boolean;
  /** Milliseconds for the SSH handshake and authentication after the TCP connect. @default 20000 */
  readyTimeout?: number;
  /**
   * Keepalive probe interval in **seconds** when neither the spec nor ssh_config sets
   * `ServerAliveInterval` (OpenSSH's default is 0, off; a gateway should not hang on a dead
   * host, so ours probes). 0 turns it off. @default 15
   */
  serverAliveInterval?: number;
}

/** How long a killed worker's channel may take to report its end before it is closed. */
const KILL_GRACE_MS = 2000;

class SshTransport implements Transport {
  readonly [transportSymbol] = true as const;
  readonly [Symbol.toStringTag] = '@execnet/transport-ssh';
  readonly name = 'ssh';
  private readonly pool: ConnectionPool;

  constructor(private readonly options: SshOptions) {
    this.pool = new ConnectionPool({ share: options.shareConnections ?? true, readyTimeout: options.readyTimeout ?? 20_000 });
  }

  async open(spec: XSpec, context: OpenContext): Promise<Connection> {
    const value = spec.ssh;
    if (value === undefined) throw new SpecError(`spec '${spec}' has no ssh=ARGS`, { spec: String(spec), item: 'ssh' });
    const args = parseSshArgs(value);
    const target = resolveTarget(args, this.settings(), spec.sshConfig);
    const command = remoteWorkerCommand(context.worker);
    const where = `${target.user}@${target.host}:${target.port}`;
    const display = `ssh ${target.port === 22 ? '' : `-p ${target.port} `}${target.user}@${target.host} ${command.display}`;
    log(`${spec}: ${display}`);
    const { lease, channel } = await this.pool.exec(target, command.line, context.signal);
    let lostError: Error | undefined;
    lease.onLost((error) => (lostError = error));
    const proc = channelProcess(channel, lease);
    const worker = await connectWorker({ process: proc, command, display, where, signal: context.signal, earlyExit: () => lostError });
    lease.onLost((error) => worker.fail(error));
    return worker.connection;
  }

  private settings(): ResolveSettings {
    const home = this.options.homeDir ?? homedir();
    return {
      home,
      localUser: this.options.localUser ?? userInfo().username,
      userConfigFile: this.options.userConfigFile ?? join(home, '.ssh', 'config'),
      systemConfigFile: this.options.systemConfigFile ?? '/etc/ssh/ssh_config',
      agent: this.options.agent,
      defaultServerAliveInterval: this.options.serverAliveInterval ?? 15,
      env: process.env,
    };
  }
}

/** An exec channel as a worker process; the lease is given back when the channel closes. */
function channelProcess(channel: ExecChannel, lease: Lease): WorkerProcess {
  let status: ExitStatus | undefined;
  let killed = false;
  const exited = new Promise<ExitStatus>((resolve) => {
    channel.onExit((exit) => resolve((status = exit)));
    channel.onClose(() => {
      lease.release();
      resolve((status ??= { code: null, signal: killed ? 'SIGKILL' : null }));
    });
    lease.onLost(() => resolve((status ??= { code: null, signal: null })));
  });
  return {
    stdout: channel.stream,
    stdin: channel.stream,
    stderr: channel.stderr,
    exited,
    kill: (remotePid) => {
      if (status || killed) return;
      killed = true;
      // OpenSSH honours signal requests only in privilege-separated sessions (not for root
      // logins), so the worker is also killed by pid from a second channel on the connection.
      channel.signal('KILL');
      if (remotePid !== undefined && !lease.session.isClosed) {
        lease.session.exec(`kill -9 ${remotePid} 2>/dev/null`).then(
          (killer) => {
            killer.stream.resume();
            killer.stderr.resume();
          },
          (error: Error) => log(`cannot kill remote pid ${remotePid}: ${error.message}`),
        );
        // If nothing reports the end, closing the channel gives the worker EOF at least.
        setTimeout(() => channel.close(), KILL_GRACE_MS).unref();
      } else {
        channel.close();
      }
    },
    ref: () => lease.ref(),
    unref: () => lease.unref(),
  };
}

/**
 * The `ssh` transport: workers on other hosts, reached with SSH (ssh2, no `ssh` binary needed).
 * `ssh=ARGS` takes OpenSSH-style arguments (`-p`, `-l`, `-i`, `-F`, `-J`, `-o Name=value`,
 * `user@host`); `~/.ssh/config`, the agent, default keys and known_hosts work as with OpenSSH.
 * Gateways to the same host and user share one connection.
 *
 * Opening a gateway through it (`makeGateway('ssh=…')`) rejects with:
 * @throws {SpecError} bad or unsupported `ssh=` words
 * @throws {SshConfigError} an unreadable or unsupported ssh_config file
 * @throws {HostNotFound} the host name does not resolve
 * @throws {ConnectionError} refused, timed out, unreachable or closed connection
 * @throws {SshAuthenticationError} no credential accepted (lists the methods tried)
 * @throws {SshHostKeyError} changed, unknown (strict) or revoked host key
 * @throws {RemoteCommandNotFound} the runtime is missing on the remote host
 * @example
 * registerTransport(sshTransport())
 * const gw = await makeGateway('ssh=-p 2222 me@build-host//node=/opt/node/bin/node')
 */
export function sshTransport(options: SshOptions = {}): Transport {
  return new SshTransport(options);
}
