import { PassThrough, Writable } from 'node:stream';
import { SpecError } from './errors.js';
import { splitShellWords } from './shell-words.js';
import type { Gateway } from './gateway.js';
import type { Connection, ExitStatus } from './registry.js';
import type { WorkerCommand } from './worker-command.js';
import type { XSpec } from './xspec.js';

/** Stands for "the forwarder's default executable" in an argv sent to it. */
const DEFAULT_EXECUTABLE = '\u0000default';

/**
 * Runs on the forwarder (a JavaScript worker): starts the sub-worker as its own child process
 * and relays bytes both ways over the channel — bytes items are protocol data; `['out', name,
 * text]` is the sub-worker's output; `['exit', code, signal, error]` ends it. From the master,
 * `'closeWrite'` ends the sub-worker's input and `'kill'` kills it; the master going away kills it too.
 * (A plain function: its source is what is sent, so it uses nothing from this module.)
 */
async function execnetForwarder(channel: any, kwargs: any): Promise<void> {
  const { spawn } = require('child_process');
  const fds = kwargs.protocol === 'fds';
  const runtimeDefault = kwargs.runtime === 'node' ? process.execPath : kwargs.runtime === 'python' ? 'python3' : kwargs.runtime;
  const argv = kwargs.argv.map((word: string) => (word === '\u0000default' ? runtimeDefault : word));
  const child = spawn(argv[0], argv.slice(1), { stdio: fds ? ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'] });
  const toWorker = fds ? child.stdio[4] : child.stdin;
  const fromWorker = fds ? child.stdio[3] : child.stdout;
  let spawnError: string | null = null;
  child.on('error', (error: Error) => {
    spawnError = error.message;
  });
  toWorker.on('error', () => undefined);
  const forwardOutput = (stream: any, name: string) =>
    stream?.on('data', (data: Buffer) => channel.send(['out', name, data.toString()]).catch(() => undefined));
  if (fds) forwardOutput(child.stdout, 'stdout');
  forwardOutput(child.stderr, 'stderr');
  fromWorker.on('data', (chunk: Buffer) => {
    fromWorker.pause();
    channel.send(chunk).then(
      () => fromWorker.resume(),
      () => child.kill('SIGKILL'),
    );
  });
  const ended = new Promise<[number | null, string | null]>((resolve) => child.on('close', (code: number | null, signal: string | null) => resolve([code, signal])));
  channel.setCallback(
    (item: unknown) => {
      if (item instanceof Uint8Array) toWorker.write(item);
      else if (item === 'closeWrite') toWorker.end();
      else if (item === 'kill' || item === null) child.kill('SIGKILL');
    },
    { endMarker: null },
  );
  const [code, signal] = await ended;
  await channel.send(['exit', code, signal, spawnError]).catch(() => undefined);
}

/**
 * An ssh sub-gateway is started by the forwarder's own `ssh` client, as Python execnet's proxy
 * does (`ssh -C [-F config] ARGS REMOTECMD`): the worker's shell command moves the protocol onto
 * the session's stdin/stdout, which are the ssh process's.
 */
function sshThroughForwarder(spec: XSpec, worker: WorkerCommand): { argv: string[]; protocol: 'stdio' } {
  const words = splitShellWords(spec.ssh ?? '');
  if (words.length === 0) throw new SpecError('ssh= needs a host', { spec: String(spec), item: 'ssh=' });
  const config = spec.sshConfig ? ['-F', spec.sshConfig] : [];
  const remoteDefault = worker.runtime === 'python' ? 'python3' : worker.runtime;
  return { argv: ['ssh', '-C', ...config, ...words, worker.shellCommand(remoteDefault)], protocol: 'stdio' };
}

/**
 * Opens a connection to a new worker through `forwarder`, a gateway of the same group
 * (spec key `via=ID`, execnet's proxy gateways): the forwarder starts the worker as its own
 * subprocess and relays the bytes over a channel.
 * @throws {SpecError} the forwarder is missing, not a JavaScript worker, or the sub spec is not popen or ssh
 */
export function openViaConnection(spec: XSpec, forwarder: Gateway | undefined, worker: WorkerCommand): Connection {
  if (!forwarder) throw new SpecError(`no gateway '${spec.via}' in this group to go through`, { spec: String(spec), item: `via=${spec.via}` });
  if (forwarder.remoteKind !== 'js') {
    throw new SpecError(`via=${spec.via}: gateways go through JavaScript workers only`, { spec: String(spec), item: `via=${spec.via}` });
  }
  if (spec.transportName !== 'popen' && spec.transportName !== 'ssh') {
    throw new SpecError(`via=${spec.via}: only popen and ssh gateways can be started through another gateway`, { spec: String(spec), item: spec.transportName });
  }
  const sub = spec.transportName === 'ssh' ? sshThroughForwarder(spec, worker) : { argv: worker.argv(DEFAULT_EXECUTABLE), protocol: worker.protocol };
  const channel = forwarder.remoteExec(execnetForwarder, { argv: sub.argv, protocol: sub.protocol, runtime: worker.runtime });
  const readable = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let status: ExitStatus = { code: null, signal: null };
  let resolveExit!: (status: ExitStatus) => void;
  const exited = new Promise<ExitStatus>((resolve) => (resolveExit = resolve));
  const end = Symbol('end');
  channel.setCallback(
    (item) => {
      if (item instanceof Uint8Array) {
        readable.write(item);
      } else if (Array.isArray(item) && item[0] === 'out') {
        (item[1] === 'stdout' ? stdout : stderr).write(String(item[2]));
      } else if (Array.isArray(item) && item[0] === 'exit') {
        status = { code: item[1] as number | null, signal: item[2] as string | null };
        if (item[3]) stderr.write(`cannot start ${worker.argv(DEFAULT_EXECUTABLE)[0]} on ${forwarder.id}: ${String(item[3])}\n`);
      } else if (item === end) {
        let forwarderError: Error | undefined;
        channel.waitClose().catch((error: Error) => {
          forwarderError = error;
          stderr.write(`via ${forwarder.id}: ${error.message.split('\n')[0]}\n`);
        }).finally(() => {
          // The forwarder's own error (its GatewayClosedError when it died) becomes the cause.
          if (forwarderError) readable.destroy(forwarderError);
          else readable.end();
          stdout.end();
          stderr.end();
          resolveExit(status);
        });
      }
    },
    { endMarker: end },
  );
  const writable = new Writable({
    write(chunk: Uint8Array, _encoding, callback) {
      try {
        channel.send(chunk).then(() => callback(), callback);
      } catch (error) {
        callback(error as Error);
      }
    },
    final(callback) {
      try {
        channel.send('closeWrite').then(() => callback(), () => callback());
      } catch {
        callback();
      }
    },
  });
  return {
    readable,
    writable,
    stdout: sub.protocol === 'fds' ? stdout : undefined,
    stderr,
    command: `${spec} (through ${forwarder.id})`,
    remoteAddress: spec.transportName === 'ssh' ? spec.ssh : forwarder.remoteAddress,
    kill: () => {
      try {
        void channel.send('kill').catch(() => undefined);
      } catch {
        // The forwarder is gone, and the worker with it.
      }
    },
    wait: () => exited,
  };
}
