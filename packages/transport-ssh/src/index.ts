/**
 * @packageDocumentation
 * The `ssh` and `vagrant_ssh` transports of execnet for TypeScript: workers on other hosts,
 * started through SSH. `ssh` speaks SSH itself (ssh2): OpenSSH-style arguments, `~/.ssh/config`,
 * the agent, known_hosts, one shared connection per host, keepalive, and exact errors.
 *
 * @example
 * ```ts
 * import { makeGateway, registerTransport } from '@execnet/core'
 * import { sshTransport } from '@execnet/transport-ssh'
 * registerTransport(sshTransport())
 * const gw = await makeGateway('ssh=-p 2222 deploy@build-box')
 * const ch = gw.remoteExec('channel.send(require("node:os").hostname())')
 * console.log(await ch.receive()) // 'build-box'
 * await gw.terminate()
 * ```
 */
export { sshTransport } from './ssh-transport.js';
export type { SshOptions } from './ssh-transport.js';
export { vagrantSshTransport } from './vagrant-transport.js';
export type { VagrantSshOptions } from './vagrant-transport.js';
export {
  ConnectionError,
  CONNECTION_ERROR_CODE,
  SshAuthenticationError,
  SshHostKeyError,
  RemoteCommandNotFound,
  SshConfigError,
  SSH_CONFIG_ERROR_CODE,
} from './errors.js';
export type {
  ConnectionFailure,
  ConnectionErrorOptions,
  SshAuthenticationInfo,
  HostKeyProblem,
  SshHostKeyInfo,
  RemoteCommandNotFoundInfo,
  SshConfigErrorOptions,
} from './errors.js';
