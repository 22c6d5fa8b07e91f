import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import {
  BootstrapError,
  HostNotFound,
  SpecError,
  transportSymbol,
  type Connection,
  type ExitStatus,
  type OpenContext,
  type Transport,
  type XSpec,
} from '@execnet/core';
import { remoteWorkerCommand } from './remote-command.js';
import { connectWorker, type WorkerProcess } from './worker-connection.js';

/** Options of {@link vagrantSshTransport}. */
export interface VagrantSshOptions {
  /** The `vagrant` executable, looked up on PATH unless it is a path. @default 'vagrant' */
  executable?: string;
  /** Where vagrant runs, i.e. the folder of the Vagrantfile. @default process.cwd() */
  cwd?: string;
}

class VagrantSshTransport implements Transport {
  readonly [transportSymbol] = true as const;
  readonly [Symbol.toStringTag] = '@execnet/transport-ssh';
  readonly name = 'vagrant_ssh';

  constructor(private readonly options: VagrantSshOptions) {}

  async open(spec: XSpec, context: OpenContext): Promise<Connection> {
    const machine = spec.vagrantSsh;
    if (machine === undefined) throw new SpecError(`spec '${spec}' has no vagrant_ssh=NAME`, { spec: String(spec), item: 'vagrant_ssh' });
    const command = remoteWorkerCommand(context.worker);
    const executable = this.options.executable ?? 'vagrant';
    // spec §4.4: vagrant ssh NAME -- -C [-F ssh_config] REMOTECMD
    const argv = ['ssh', machine, '--', '-C', ...(spec.sshConfig ? ['-F', spec.sshConfig] : []), command.line];
    const display = `${executable} ssh ${machine} -- ${command.display}`;
    const child = spawn(executable, argv, { cwd: this.options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `${executable} not found on PATH` : String((error as Error).message);
      throw new BootstrapError({ command: display, reason }, { cause: error });
    }
    const proc = childProcess(child);
    const worker = await connectWorker({
      process: proc,
      command,
      display,
      where: `vagrant machine ${machine}`,
      signal: context.signal,
      // ssh exits with 255 for its own failures (unknown host, refused, authentication).
      earlyExit: (status, tail) =>
        status.code === 255 ? new HostNotFound(machine, `cannot reach vagrant machine ${machine}: ssh failed${tail.length ? `: ${tail[tail.length - 1]}` : ''}`) : undefined,
    });
    return worker.connection;
  }
}

function childProcess(child: ChildProcessWithoutNullStreams): WorkerProcess {
  const exited = new Promise<ExitStatus>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const handles = [child.stdin, child.stdout, child.stderr] as unknown as Array<{ ref?(): void; unref?(): void }>;
  child.stdin.on('error', () => undefined); // EPIPE after the process died: core reports the end
  return {
    stdout: child.stdout,
    stdin: child.stdin,
    stderr: child.stderr,
    exited,
    kill: () => {
      // The ssh client goes down; the remote worker then sees the connection drop and exits.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    ref: () => {
      child.ref();
      for (const handle of handles) handle.ref?.();
    },
    unref: () => {
      child.unref();
      for (const handle of handles) handle.unref?.();
    },
  };
}

/**
 * The `vagrant_ssh` transport: workers in a Vagrant machine, started with
 * `vagrant ssh NAME -- …` (execnet spec §4.4); Vagrant finds the address and key.
 * @example
 * registerTransport(vagrantSshTransport({ cwd: 'path/to/vagrant/project' }))
 * const gw = await makeGateway('vagrant_ssh=default')
 */
export function vagrantSshTransport(options: VagrantSshOptions = {}): Transport {
  return new VagrantSshTransport(options);
}
