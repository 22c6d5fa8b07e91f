/**
 * @packageDocumentation
 * The `socket` transport of execnet for TypeScript: gateways to workers of an
 * `execnet-socketserver` that clients authenticate to with a shared secret (HMAC
 * challenge-response both ways, optional TLS), and `socket//installvia=ID`, which starts such
 * a server through an existing gateway first.
 *
 * @example
 * ```ts
 * import { makeGateway, registerTransport } from '@execnet/core'
 * import { socketTransport, startSocketServer } from '@execnet/transport-socket'
 *
 * const secret = 'correct horse battery staple'
 * const server = await startSocketServer({ port: 0, secret })
 * registerTransport(socketTransport({ secret }))
 * const gw = await makeGateway(`socket=${server.address}`)
 * const ch = gw.remoteExec('channel.send(await channel.receive() * 2)')
 * await ch.send(21)
 * console.log(await ch.receive()) // 42
 * await gw.terminate()
 * await server.close()
 * ```
 */
export { socketTransport } from './socket-transport.js';
export type { SocketOptions } from './socket-transport.js';
export type { SocketTlsOptions } from './connect.js';
export { startSocketServer } from './start-server.js';
export type { SocketServer, SocketServerOptions } from './start-server.js';
export type { ConnectionOutcome, SocketServerEvent, SocketServerLog, WorkerExit } from './server/events.js';
export type { SecretInput } from './secret.js';
export { SocketConnectError, SocketServerError, SocketErrorCode } from './errors.js';
export type { SocketConnectInfo, SocketPeerKind } from './errors.js';
