/**
 * Driving Python from TypeScript: a Python execnet worker (`python=` key) runs Python source,
 * and values cross in execnet's own format (execnet docs: "Instantiate gateways through
 * sockets/ssh/popen", "remote_exec with a module or function"). The master needs Python with
 * execnet installed (Debian: python3-execnet); the worker side needs only Python.
 *
 *   node --import tsx --conditions=@execnet/source examples/python-worker.ts [PYTHON]
 */
import { Complex, FrozenSet, makeGateway, tuple } from 'execnet';

const python = process.argv[2] ?? process.env['EXAMPLE_PYTHON'] ?? '/usr/bin/python3';
const gw = await makeGateway(`popen//python=${python}`);
console.log('python worker:', (await gw.remoteInfo()).version, (await gw.remoteStatus()).execModel);

// Python source; `channel` is in scope as in Python execnet.
const ch = gw.remoteExec(`
import sys
while True:
    item = channel.receive()
    if item is None:
        break
    channel.send((type(item).__name__, item))
`);
for (const value of [42, 2n ** 100n, 1.5, 'text', new Uint8Array([1, 2]), [1, 2], tuple('a', 1), { k: 'v' }, new Set([1]), new FrozenSet([2]), new Complex(1, -2), true]) {
  await ch.send(value);
  const [typeName, back] = (await ch.receive()) as [string, unknown];
  console.log(`python sees ${typeName}:`, back);
}
await ch.send(null);
await ch.waitClose();

// A function of the source, called with keyword arguments (Python execnet's remote_exec(module, **kwargs)).
const fib = gw.remoteExec({
  source: `
def fib(channel, n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    channel.send(a)
`,
  call: 'fib',
  kwargs: { n: 90 },
});
console.log('fib(90) computed in Python:', await fib.receive());

// A Python exception arrives as a RemoteError with the Python traceback.
try {
  await gw.remoteExec('raise ValueError("from Python")').receive();
} catch (error) {
  const formatted = (error as { formatted?: string }).formatted ?? '';
  console.log('remote error:', (error as Error).name, formatted.trim().split('\n').at(-1));
}
await gw.terminate();
