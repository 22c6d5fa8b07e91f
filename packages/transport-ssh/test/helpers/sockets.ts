import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The process that owns the TCP connection from local port `localPort` to `remotePort` on
 * this machine, from /proc (Linux): its pid and command name, or undefined.
 */
export function tcpConnectionOwner(localPort: number, remotePort: number): { pid: number; comm: string } | undefined {
  const inode = findInode(localPort, remotePort);
  if (inode === undefined) return undefined;
  const target = `socket:[${inode}]`;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${entry}/fd/${fd}`) === target) {
          return { pid: Number(entry), comm: readFileSync(`/proc/${entry}/comm`, 'utf8').trim() };
        }
      } catch {
        // The fd went away meanwhile.
      }
    }
  }
  return undefined;
}

function findInode(localPort: number, remotePort: number): string | undefined {
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const local = parseInt(fields[1]!.split(':')[1]!, 16);
      const remote = parseInt(fields[2]!.split(':')[1]!, 16);
      if (local === localPort && remote === remotePort) return fields[9];
    }
  }
  return undefined;
}

/** The parent pid of a process, from /proc. */
export function parentPid(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}
