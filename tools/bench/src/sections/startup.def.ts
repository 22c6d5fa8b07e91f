/**
 * Report definition of section `startup`. Measurement: `startup.ts` and `sec_startup` in
 * `python/py_bench.py`. Target from the baseline RESULTS.md: gateway startup ≤ 1.25x
 * `node -e 0` in the same environment.
 */
import { atMostX, num, ratioRow, type Row, type SectionData, type SectionDef, str, vsPython } from '../lib/section.js';

const VS_NODE = atMostX(1.25);

function rows(ts: SectionData | undefined, py: SectionData | undefined): Row[] {
  const t = (k: string): number | undefined => num(ts, k);
  const p = (k: string): number | undefined => num(py, k);
  const out: Row[] = [];
  for (const [env, label] of [
    ['as_is', 'env as is'],
    ['no_extra_ca', 'without NODE_EXTRA_CA_CERTS'],
  ] as const) {
    const pyStartup = env === 'as_is' ? p('startup_ms') : undefined;
    out.push(
      vsPython(`gateway startup (makeGateway + remoteExec + receive + exit), ${label}`, 'ms', t(`${env}.default.startup_ms`), pyStartup),
      vsPython(`node -e 0 (spawn + exit), ${label}`, 'ms', t(`${env}.node_e_0_ms`), undefined),
      ratioRow(`gateway startup ÷ node -e 0, ${label}`, t(`${env}.default.startup_ms`), t(`${env}.node_e_0_ms`), VS_NODE),
      vsPython(`  makeGateway, ${label}`, 'ms', t(`${env}.default.makegateway_ms`), env === 'as_is' ? p('makegateway_ms') : undefined),
      vsPython(`  first remoteExec round trip, ${label}`, 'ms', t(`${env}.default.first_remote_exec_roundtrip_ms`), env === 'as_is' ? p('first_remote_exec_roundtrip_ms') : undefined),
      vsPython(`  exit() call, ${label}`, 'ms', t(`${env}.default.exit_call_ms`), env === 'as_is' ? p('exit_call_ms') : undefined),
      vsPython(`startup incl. waiting for the worker to exit, ${label}`, 'ms', t(`${env}.default.startup_incl_child_reap_ms`), env === 'as_is' ? p('startup_incl_child_reap_ms') : undefined),
      vsPython(`gateway startup, codec=msgpack, ${label}`, 'ms', t(`${env}.msgpack.startup_ms`), pyStartup),
      ratioRow(`gateway startup codec=msgpack ÷ node -e 0, ${label}`, t(`${env}.msgpack.startup_ms`), t(`${env}.node_e_0_ms`)),
      vsPython(`gateway startup, no code cache (EXECNET_CODE_CACHE=0), ${label}`, 'ms', t(`${env}.no_code_cache.startup_ms`), pyStartup),
      ratioRow(`gateway startup without code cache ÷ node -e 0, ${label}`, t(`${env}.no_code_cache.startup_ms`), t(`${env}.node_e_0_ms`)),
    );
  }
  out.push(
    vsPython('python3 -c pass (spawn + exit, Python harness)', 'ms', undefined, p('python_c_pass_ms')),
    ratioRow('Python execnet startup ÷ python3 -c pass', p('startup_ms'), p('python_c_pass_ms')),
    vsPython('worker peak RSS after startup (Python: harness peak)', 'MiB', t('worker_maxrss_after_startup_MiB'), p('section_peak_rss_MiB')),
    vsPython('worker peak RSS after startup, codec=msgpack', 'MiB', t('worker_msgpack_maxrss_after_startup_MiB'), undefined),
    vsPython('bare node -e 0 peak RSS, env as is', 'MiB', t('node_bare_maxrss_MiB'), undefined),
    vsPython('bare node -e 0 peak RSS, without NODE_EXTRA_CA_CERTS', 'MiB', t('node_bare_maxrss_no_extra_ca_MiB'), undefined),
  );
  return out;
}

function notes(ts: SectionData | undefined): string[] {
  const ca = str(ts, 'NODE_EXTRA_CA_CERTS');
  const n = num(ts, 'n');
  return [
    `N = ${n ?? '?'} after 2 warm-ups, medians. Each iteration runs \`node -e 0\`, then a default-spec gateway cycle, a codec=msgpack cycle and a default cycle with EXECNET_CODE_CACHE=0 back to back, in an order that rotates between iterations. Local Node workers compile the worker runtime with a V8 code cache that the warm-ups leave in place; the no-code-cache rows show a start without it (as remote workers always start).`,
    `NODE_EXTRA_CA_CERTS is ${ca ? `set (${ca}); Node parses that bundle at every start` : 'not set'}. The "without" rows remove it from the environment the children inherit (node -e 0 and the gateway's worker alike); Python execnet is measured with the environment as is.`,
    'Startup ends at the exit() call, like execnet\'s gw.exit(); "incl. waiting for the worker to exit" adds join() and the process exit (Python: gw._io.wait() + join()). The next cycle starts only after that.',
  ];
}

/** The `startup` section. */
export const startupSection: SectionDef = {
  name: 'startup',
  title: 'popen gateway startup: makeGateway + remoteExec(channel.send(1)).receive() + exit, vs node -e 0',
  python: 'startup',
  rows,
  notes,
};
