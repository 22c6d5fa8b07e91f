// Helper children for the raw Node limits measured next to the TypeScript implementation
// (tools/bench/src/lib/raw.ts). Plain JavaScript started with plain `node`, no tsx, so the
// limits are those of Node itself. Mirrors the `--child ROLE` roles of the reference
// node_limits.mjs:
//   echo                 stdin 'data' -> stdout.write (8-byte ping-pong partner)
//   framed-blast N KIND  after one byte on stdin, N msgpackr-packed items as [u32 LE len][msgpack]
//                        frames coalesced into ~64 KiB writes (honouring 'drain'), then a null frame
//   pipe-writer N        after one byte on stdin, N x 1 MiB process.stdout.write (honouring 'drain')
//   pipe-reader N        writes 'R', counts N MiB from stdin, then writes 'D' and exits
import { once } from 'node:events';
import { createRequire } from 'node:module';

const MiB = 1 << 20;
const [role, nArg, kind] = process.argv.slice(2);
const n = Number(nArg);
const smallItem = (k, i) => (k === 'int' ? i : k === 'str' ? 'item-' + i : { id: i, name: 'x' });

if (role === 'echo') {
  process.stdin.on('data', (d) => process.stdout.write(d));
  process.stdin.on('end', () => process.exit(0));
} else if (role === 'framed-blast') {
  const { Packr } = createRequire(import.meta.url)('msgpackr');
  const packr = new Packr({ useRecords: false });
  await once(process.stdin, 'data');
  process.stdin.pause();
  const CH = 64 * 1024;
  let parts = [];
  let size = 0;
  for (let i = 0; i <= n; i++) {
    const body = packr.pack(i === n ? null : smallItem(kind, i));
    const hdr = Buffer.allocUnsafe(4);
    hdr.writeUInt32LE(body.length, 0);
    parts.push(hdr, body);
    size += 4 + body.length;
    if (size >= CH || i === n) {
      const ok = process.stdout.write(Buffer.concat(parts, size));
      parts = [];
      size = 0;
      if (!ok) await once(process.stdout, 'drain');
    }
  }
  process.stdout.write('', () => process.exit(0));
} else if (role === 'pipe-writer') {
  const buf = Buffer.alloc(MiB, 0x5a);
  await once(process.stdin, 'data');
  process.stdin.pause();
  for (let i = 0; i < n; i++) {
    if (!process.stdout.write(buf)) await once(process.stdout, 'drain');
  }
  process.stdout.write('', () => process.exit(0));
} else if (role === 'pipe-reader') {
  const total = n * MiB;
  let got = 0;
  process.stdin.on('data', (d) => {
    got += d.length;
    if (got >= total) process.stdout.write('D', () => process.exit(0));
  });
  process.stdout.write('R');
} else {
  process.stderr.write(`raw-child: unknown role ${role}\n`);
  process.exit(2);
}
