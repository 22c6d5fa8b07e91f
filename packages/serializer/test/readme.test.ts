/**
 * The README example (STYLE §21): extracted from README.md, type-checked, run as pasted, and its
 * output compared with the `// => …` comments, so the README cannot go stale.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(`${packageDir}README.md`, 'utf8');
// Inside the package (so '@execnet/serializer' resolves to it) and git-ignored (.rt/).
const workDir = `${packageDir}.rt/readme-${process.pid}/`;
const exampleFile = `${workDir}example.ts`;

/** The first ```ts block after "## Example". */
function exampleCode(): string {
  const section = readme.slice(readme.indexOf('## Example'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(match, 'README has a ts example under "## Example"');
  return match[1] as string;
}

describe('README', () => {
  before(() => {
    mkdirSync(workDir, { recursive: true });
    writeFileSync(exampleFile, exampleCode());
  });
  after(() => {
    rmSync(workDir, { recursive: true, force: true });
  });

  it('has the sections STYLE §21 asks for', () => {
    assert.match(readme, /^# @execnet\/serializer\n\n\S/);
    assert.match(readme, /pnpm add @execnet\/serializer/);
    for (const heading of ['## Example', '## Value model', '## API', '## Errors']) assert.ok(readme.includes(heading), heading);
    for (const name of ['DumpError', 'LoadError', 'DataFormatError', 'isDataFormatError', 'ERR_EXECNET_DUMP', 'ERR_EXECNET_LOAD']) {
      assert.ok(readme.includes(name), name);
    }
  });

  it('example prints what its comments say', () => {
    const code = exampleCode();
    const expected = code
      .split('\n')
      .filter((line) => line.includes('// => '))
      .map((line) => line.slice(line.indexOf('// => ') + 6));
    assert.ok(expected.length >= 4, 'the example shows its output');
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--conditions=@execnet/source', exampleFile], {
      cwd: packageDir,
      encoding: 'utf8',
    });
    assert.deepEqual(out.trimEnd().split('\n'), expected);
  });

  it('example type-checks against the package', () => {
    writeFileSync(
      `${workDir}tsconfig.json`,
      JSON.stringify({
        extends: '../../../../tsconfig.base.json',
        compilerOptions: { noEmit: true, composite: false, declaration: false, declarationMap: false, emitDeclarationOnly: false },
        files: ['example.ts'],
      }),
    );
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', `${workDir}tsconfig.json`], { cwd: packageDir, encoding: 'utf8' });
  });
});
