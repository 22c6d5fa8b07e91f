/**
 * Cleanup with `await using` (explicit resource management): gateways, groups and channels
 * implement `Symbol.asyncDispose`, so leaving the block terminates them — also when the block
 * throws. tsx/esbuild compile `await using` for Node 18 and 20; Node 24 runs it natively.
 * Without the syntax, call `await gw[Symbol.asyncDispose]()` (or `gw.terminate()`) in `finally`.
 *
 *   node --import tsx --conditions=@execnet/source examples/await-using.ts
 */
import { Group, makeGateway } from 'execnet';

let pid: number | undefined;
{
  await using gw = await makeGateway('popen');
  pid = gw.pid;
  await using ch = gw.remoteExec('channel.send(process.pid); await new Promise(() => {})');
  console.log('worker runs:', (await ch.receive()) === pid);
} // ch closes, then gw terminates (in reverse order of declaration)
console.log('after the block, worker is gone:', !isAlive(pid!));

// Errors do not leak workers either.
let groupPids: number[] = [];
try {
  await using group = await Group.create(['popen', 'popen']);
  groupPids = [...group].map((gw) => gw.pid!);
  throw new Error('something went wrong while the group was up');
} catch (error) {
  console.log('caught:', (error as Error).message);
}
console.log('group workers gone:', groupPids.length === 2 && groupPids.every((p) => !isAlive(p)));

function isAlive(processId: number): boolean {
  try {
    process.kill(processId, 0);
    return true;
  } catch {
    return false;
  }
}
