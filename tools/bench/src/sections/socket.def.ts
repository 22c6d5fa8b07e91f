/**
 * Report definition of section `socket`. Measurement: `socket.ts`. No Python counterpart and
 * no targets: the ratios compare socket gateways with popen gateways of the same run.
 */
import { num, ratioRow, type Row, type SectionData, type SectionDef, vsPython } from '../lib/section.js';

function rows(ts: SectionData | undefined): Row[] {
  const t = (k: string): number | undefined => num(ts, k);
  const out: Row[] = [];
  const pair = (label: string, unit: string, socketKey: string, popenKey: string, ratioLabel: string): void => {
    out.push(
      vsPython(`${label}, socket`, unit, t(socketKey), undefined),
      vsPython(`${label}, popen`, unit, t(popenKey), undefined),
      ratioRow(ratioLabel, t(socketKey), t(popenKey)),
    );
  };
  pair('gateway startup (makeGateway + remoteExec + receive + exit)', 'ms', 'socket_startup_ms', 'popen_startup_ms', 'socket startup ÷ popen startup');
  out.push(vsPython('  makeGateway, socket', 'ms', t('socket_startup_create_ms'), undefined), vsPython('  makeGateway, popen', 'ms', t('popen_startup_create_ms'), undefined));
  pair('round trip, small int echo', 'µs', 'socket_rtt.us_per_roundtrip', 'popen_rtt.us_per_roundtrip', 'socket round trip ÷ popen round trip');
  pair('remote→local 1 MiB items', 'MB/s', 'socket_bulk_r2l.MB_per_s', 'popen_bulk_r2l.MB_per_s', 'socket ÷ popen, remote→local MB/s');
  pair('local→remote 1 MiB items', 'MB/s', 'socket_bulk_l2r.MB_per_s', 'popen_bulk_l2r.MB_per_s', 'socket ÷ popen, local→remote MB/s');
  out.push(vsPython('execnet-socketserver start (spawn until "listening on")', 'ms', t('server_start_ms'), undefined));
  return out;
}

function notes(ts: SectionData | undefined): string[] {
  return [
    'Server: the `execnet-socketserver` bin of @execnet/transport-socket as a separate process on 127.0.0.1 (a free port), a random 32-byte secret (HMAC handshake), no TLS; every gateway gets its own worker process from the server. popen gateways are measured in the same process for the ratios; the default codec on both.',
    `Startup: N = ${num(ts, 'n') ?? '?'} cycles after one warm-up, socket and popen alternating, medians. Round trips: 200 warm-up + 3 x ${num(ts, 'rtt_n') ?? '?'}, turns alternating. Bulk: ${num(ts, 'bulk_items') ?? '?'} x 1 MiB random bytes each way (MB = 10^6 bytes).`,
    "No Python column: Python execnet's socketserver executes whatever a client sends, unauthenticated, and speaks another protocol; the TS socket transport is not compatible with it (by design), so there is nothing comparable to measure.",
  ];
}

/** The `socket` section. */
export const socketSection: SectionDef = {
  name: 'socket',
  title: 'socket gateways to an execnet-socketserver process (authenticated, loopback) vs popen: startup, round trip, 1 MiB bulk',
  rows,
  notes,
};
