/**
 * Mirroring a directory to several gateways (execnet docs: "rsync: synchronise filesystem
 * trees"). Only missing or changed files travel; `delete` removes what the source lacks.
 * Python workers (`python=`) get execnet's own rsync_remote. The CLI does the same with a
 * progress bar: `execnet rsync SRC popen:/tmp/copy --delete`.
 *
 *   node --import tsx --conditions=@execnet/source examples/rsync.ts
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Group, RSync } from 'execnet';

const base = mkdtempSync(join(tmpdir(), 'execnet-rsync-example-'));
const source = join(base, 'source');
mkdirSync(join(source, 'docs'), { recursive: true });
writeFileSync(join(source, 'README.md'), '# hello\n');
writeFileSync(join(source, 'docs', 'guide.md'), 'a guide\n'.repeat(1000));
writeFileSync(join(source, 'build.log'), 'noise\n');

const specs = ['popen//id=js', ...(process.env['EXAMPLE_PYTHON'] ? [`popen//id=py//python=${process.env['EXAMPLE_PYTHON']}`] : [])];
const group = await Group.create(specs);
try {
  // First sync: everything is new. Leave out logs.
  const first = new RSync(source, { verbose: false, exclude: ['*.log'] });
  for (const gw of group) first.addTarget(gw, join(base, `copy-${gw.id}`), { delete: true });
  for (const target of (await first.send()).targets) {
    console.log(`${target.gatewayId}: first sync sent ${target.filesTransferred} files`);
  }

  // Change one file, remove another; sync again with progress reports.
  writeFileSync(join(source, 'README.md'), '# hello again\n');
  rmSync(join(source, 'docs', 'guide.md'));
  let progressEvents = 0;
  const second = new RSync(source, { verbose: false, exclude: ['*.log'], onProgress: () => progressEvents++ });
  for (const gw of group) second.addTarget(gw, join(base, `copy-${gw.id}`), { delete: true });
  for (const target of (await second.send()).targets) {
    const changes = target.changes.map((c) => `${c.action} ${c.path}`).join(', ');
    console.log(`${target.gatewayId}: second sync sent ${target.filesTransferred} file(s): ${changes}`);
  }
  console.log(`progress events: ${progressEvents > 0 ? 'yes' : 'none'}`);
  console.log('copy has:', readFileSync(join(base, 'copy-js', 'README.md'), 'utf8').trim());
} finally {
  await group.terminate();
  rmSync(base, { recursive: true, force: true });
}
