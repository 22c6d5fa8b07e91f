/**
 * @packageDocumentation
 * Test helpers of execnet for TypeScript (private to this repository): an in-memory
 * transport whose workers run inside the test process, and (under the subpath
 * `@execnet/testkit/transport-compliance`) the compliance suite every transport runs.
 *
 * @example
 * ```ts
 * import { Group, registerTransport } from '@execnet/core'
 * import { memoryTransport } from '@execnet/testkit'
 * registerTransport(memoryTransport())
 * const group = new Group()
 * const gw = await group.makeGateway('memory')
 * const ch = gw.remoteExec('channel.send(await channel.receive() * 2)')
 * await ch.send(21)
 * console.log(await ch.receive()) // 42
 * await group.terminate()
 * ```
 */
export { createMemoryIOPair, memoryTransport } from './memory-transport.js';
export type { MemoryIOPair, MemoryTransportOptions } from './memory-transport.js';
export { gatewayPool, processExists, sleep } from './gateway-pool.js';
export type { GatewayPoolOptions, OpenGateway } from './gateway-pool.js';
