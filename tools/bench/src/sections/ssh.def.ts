/**
 * Report definition of section `ssh`. Measurement: `ssh.ts` and `sec_ssh` in
 * `python/py_bench.py`; the sshd comes from `src/lib/sshd.ts`. No targets.
 */
import { num, ratioRow, type Row, type SectionData, type SectionDef, vsPython } from '../lib/section.js';
import { sshdEnvironment } from '../lib/sshd.js';

function rows(ts: SectionData | undefined, py: SectionData | undefined): Row[] {
  const t = (k: string): number | undefined => num(ts, k);
  const p = (k: string): number | undefined => num(py, k);
  const sshTrue = t('openssh_true_ms');
  return [
    vsPython('first gateway (new connection): makeGateway + remoteExec + receive + exit, Node worker', 'ms', t('first_gateway_ms'), p('first_gateway_ms')),
    vsPython('  makeGateway', 'ms', t('first_gateway_create_ms'), p('first_gateway_create_ms')),
    vsPython('  first remoteExec round trip', 'ms', t('first_gateway_firstexec_ms'), p('first_gateway_firstexec_ms')),
    vsPython('first gateway, Python worker (//python=/usr/bin/python3)', 'ms', t('python_worker_gateway_ms'), p('first_gateway_ms')),
    vsPython('second gateway while the first is open (TS: shared connection; Python: another ssh)', 'ms', t('second_gateway_ms'), p('second_gateway_ms')),
    vsPython('`ssh root@127.0.0.1 true` (OpenSSH client)', 'ms', sshTrue, undefined),
    vsPython("`bash -c '. ~/.bashrc'` locally (the remote login shell's rc file)", 'ms', t('bashrc_ms'), undefined),
    ratioRow('first gateway (Node worker) ÷ ssh host true', t('first_gateway_ms'), sshTrue),
    ratioRow('first gateway (Python worker, TS master) ÷ ssh host true', t('python_worker_gateway_ms'), sshTrue),
    ratioRow('Python execnet first gateway ÷ ssh host true', p('first_gateway_ms'), sshTrue),
    ratioRow('second gateway ÷ first gateway (TS)', t('second_gateway_ms'), t('first_gateway_ms')),
    vsPython('round trip, small int echo', 'µs', t('rtt.us_per_roundtrip'), p('rtt.us_per_roundtrip')),
    vsPython('remote→local 1 MiB items', 'MB/s', t('bulk_r2l.MB_per_s'), p('bulk_r2l.MB_per_s')),
    vsPython('local→remote 1 MiB items', 'MB/s', t('bulk_l2r.MB_per_s'), p('bulk_l2r.MB_per_s')),
  ];
}

function notes(ts: SectionData | undefined, py: SectionData | undefined): string[] {
  const out = [
    `Spec (TS): \`ssh=-p PORT -i KEY -o UserKnownHostsFile=KH -o StrictHostKeyChecking=yes root@127.0.0.1\` through @execnet/transport-ssh (ssh2 in-process, one shared connection per host); Python execnet: the same words plus \`//python=/usr/bin/python3\`, run by the OpenSSH \`ssh\` client, one ssh process per gateway. Ratios are TS / Python.`,
    `Startup: N = ${num(ts, 'n') ?? '?'} cycles after one warm-up, medians. The first gateway of each cycle opens the connection (TCP, key exchange, authentication; no other gateway is open); the second is opened, used and exited while the first is still open, then the first's exit() call is timed. "Python worker" rows: the TS master with \`//python=/usr/bin/python3\`, the same remote runtime as Python execnet's column; the Node-worker rows also ship the worker runtime.`,
    `Round trips: 200 warm-up + 3 x ${num(ts, 'rtt_n') ?? '?'}; bulk: ${num(ts, 'bulk_items') ?? '?'} x 1 MiB random bytes each way on one gateway (MB = 10^6 bytes). TS uses a Node worker, Python execnet a Python worker.`,
    `Every gateway's worker starts through the remote login shell (bash), which reads root's .bashrc; here it runs \`pyenv init\` and \`pyenv virtualenv-init\` (about ${num(ts, 'bashrc_ms') ?? '?'} ms locally vs ${num(ts, 'bash_c_true_ms') ?? '?'} ms for \`bash -c true\`), a fixed cost in every ssh startup figure, OpenSSH's \`ssh host true\` included.`,
  ];
  if (!py) out.push('Python execnet column missing: see the run log.');
  return out;
}

/** The `ssh` section. */
export const sshSection: SectionDef = {
  name: 'ssh',
  title: 'ssh gateways to a throwaway OpenSSH sshd on 127.0.0.1: startup (first and shared-connection gateway), round trip, 1 MiB bulk, vs ssh host true',
  python: 'ssh',
  rows,
  notes,
  setup: () => sshdEnvironment(),
};
