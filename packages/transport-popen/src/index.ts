/**
 * @packageDocumentation
 * The `popen` transport of execnet for TypeScript: workers as local subprocesses.
 *
 * @example
 * ```ts
 * import { makeGateway, registerTransport } from '@execnet/core'
 * import { popenTransport } from '@execnet/transport-popen'
 * registerTransport(popenTransport())
 * const gw = await makeGateway('popen')
 * const ch = gw.remoteExec('channel.send(process.pid)')
 * console.log(await ch.receive())
 * await gw.terminate()
 * ```
 */
export { popenTransport } from './popen.js';
export type { PopenOptions } from './popen.js';
