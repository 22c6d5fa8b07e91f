import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { SpecError } from '../src/errors.js';
import { XSpec, isXSpec } from '../src/xspec.js';

function specError(spec: string): SpecError {
  try {
    new XSpec(spec);
  } catch (error) {
    assert.ok(error instanceof SpecError, `${spec}: ${String(error)}`);
    assert.equal(error.code, 'ERR_EXECNET_SPEC');
    assert.equal(error.spec, spec);
    return error;
  }
  assert.fail(`no SpecError for ${JSON.stringify(spec)}`);
}

// Ported from execnet testing/test_xspec.py TestXSpec.
describe('XSpec (execnet TestXSpec)', () => {
  it('test_norm_attributes', () => {
    let spec = new XSpec('socket=192.168.102.2:8888//python=c:/this/python3.8//chdir=d:\\hello');
    assert.equal(spec.socket, '192.168.102.2:8888');
    assert.equal(spec.python, 'c:/this/python3.8');
    assert.equal(spec.chdir, 'd:\\hello');
    assert.equal(spec.nice, undefined);
    assert.equal(spec.get('_xyz'), undefined);
    assert.throws(() => new XSpec('popen//_hello=1'), SpecError);

    spec = new XSpec('socket=192.168.102.2:8888//python=python2.5//nice=3');
    assert.equal(spec.socket, '192.168.102.2:8888');
    assert.equal(spec.python, 'python2.5');
    assert.equal(spec.chdir, undefined);
    assert.equal(spec.nice, '3');

    spec = new XSpec('ssh=user@host//chdir=/hello/this//python=/usr/bin/python2.5');
    assert.equal(spec.ssh, 'user@host');
    assert.equal(spec.python, '/usr/bin/python2.5');
    assert.equal(spec.chdir, '/hello/this');

    assert.equal(new XSpec('popen').popen, true);
  });

  it('test_ssh_options', () => {
    let spec = new XSpec('ssh=-p 22100 user@host//python=python3');
    assert.equal(spec.ssh, '-p 22100 user@host');
    assert.equal(spec.python, 'python3');
    spec = new XSpec('ssh=-i ~/.ssh/id_rsa-passwordless_login -p 22100 user@host//python=python3');
    assert.equal(spec.ssh, '-i ~/.ssh/id_rsa-passwordless_login -p 22100 user@host');
    assert.equal(spec.python, 'python3');
  });

  it('test_execmodel', () => {
    assert.equal(new XSpec('execmodel=thread').execmodel, 'thread');
    assert.equal(new XSpec('execmodel=main_thread_only').execmodel, 'main_thread_only');
  });

  it('test_env', () => {
    const spec = new XSpec('popen//env:NAME=value1');
    assert.equal(spec.env['NAME'], 'value1');
    assert.equal(spec.get('env:NAME'), 'value1');
    assert.deepEqual(spec.keys(), ['popen']);
  });

  it('test__samefilesystem', () => {
    assert.equal(new XSpec('popen').samefilesystem(), true);
    assert.equal(new XSpec('popen//python=123').samefilesystem(), true);
    assert.equal(new XSpec('popen//chdir=hello').samefilesystem(), false);
    assert.equal(new XSpec('ssh=host').samefilesystem(), false);
  });

  it('test__spec_spec', () => {
    for (const x of ['popen', 'popen//python=this']) assert.equal(new XSpec(x).toString(), x);
  });

  it('test_samekeyword_twice_raises', () => {
    assert.equal(specError('popen//popen').item, 'popen');
    assert.equal(specError('popen//popen=123').item, 'popen=123');
  });

  it('test_unknown_keys_allowed', () => {
    const spec = new XSpec('hello=3');
    assert.equal(spec.get('hello'), '3');
    assert.deepEqual(spec.keys(), ['hello']);
  });

  it('test_repr_and_string', () => {
    for (const x of ['popen', 'popen//python=this']) {
      assert.equal(inspect(new XSpec(x)), `<XSpec '${x}'>`);
      assert.equal(String(new XSpec(x)), x);
      assert.equal(`${new XSpec(x)}`, x);
      assert.equal(JSON.stringify({ spec: new XSpec(x) }), JSON.stringify({ spec: x }));
    }
  });

  it('test_hash_equality', () => {
    assert.ok(new XSpec('popen').equals(new XSpec('popen')));
    assert.ok(new XSpec('popen').equals('popen'));
    assert.ok(!new XSpec('popen//python=123').equals(new XSpec('popen')));
    assert.ok(!new XSpec('socket=hello:8080').equals(new XSpec('popen')));
    assert.ok(!new XSpec('popen').equals({ toString: () => 'popen' }));
  });
});

describe('XSpec grammar', () => {
  it('splits each item at the first =', () => {
    const spec = new XSpec('popen//a=b=c//empty=');
    assert.equal(spec.get('a'), 'b=c');
    assert.equal(spec.get('empty'), '');
    assert.deepEqual(spec.keys(), ['popen', 'a', 'empty']);
  });

  it('rejects empty specs and empty items, naming the item (defect #11)', () => {
    assert.equal(specError('').item, '');
    assert.equal(specError('popen//').item, '');
    assert.equal(specError('//popen').item, '');
    assert.equal(specError('popen////id=x').item, '');
    assert.equal(specError('=x').item, '=x');
    assert.equal(specError('popen//=x').item, '=x');
  });

  it('rejects keys starting with _ and a bare env key', () => {
    assert.equal(specError('_x=1').item, '_x=1');
    assert.equal(specError('popen//env').item, 'env');
    assert.equal(specError('popen//env=1').item, 'env=1');
  });

  it('rejects env items without a name or a value', () => {
    assert.equal(specError('popen//env:NAME').item, 'env:NAME');
    assert.equal(specError('popen//env:=x').item, 'env:=x');
  });

  it('keeps env values with = and lets a repeated env item win, as Python does', () => {
    const spec = new XSpec('popen//env:A=1//env:B=x=y//env:A=2//env:EMPTY=');
    assert.deepEqual(spec.env, { A: '2', B: 'x=y', EMPTY: '' });
  });

  it('env:__proto__ does not pollute prototypes', () => {
    const spec = new XSpec('popen//env:__proto__=x');
    assert.equal(Object.getPrototypeOf(spec.env), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(spec.env, '__proto__')?.value, 'x');
    assert.equal(({} as Record<string, unknown>)['x'], undefined);
  });

  it('requires values for keys that need one', () => {
    for (const spec of ['ssh', 'popen//id', 'popen//id=', 'popen//chdir', 'vagrant_ssh', 'popen//via', 'popen//execmodel']) {
      specError(spec);
    }
    assert.equal(new XSpec('socket//installvia=p1').socket, true);
  });

  it('requires an integer nice', () => {
    assert.equal(specError('popen//nice=abc').item, 'nice=abc');
    assert.equal(new XSpec('popen//nice=-5').nice, '-5');
  });

  it('has typed getters for the known keys', () => {
    const spec = new XSpec(
      'vagrant_ssh=default//via=gw0//installvia=gw1//id=w//execmodel=thread//dont_write_bytecode//codec=msgpack//ssh_config=cfg',
    );
    assert.equal(spec.vagrantSsh, 'default');
    assert.equal(spec.via, 'gw0');
    assert.equal(spec.installvia, 'gw1');
    assert.equal(spec.id, 'w');
    assert.equal(spec.execmodel, 'thread');
    assert.equal(spec.dontWriteBytecode, true);
    assert.equal(spec.codec, 'msgpack');
    assert.equal(spec.sshConfig, 'cfg');
    assert.equal(spec.popen, undefined);
    assert.equal(new XSpec('popen').dontWriteBytecode, false);
  });
});

describe('XSpec transport and runtime', () => {
  it('transportName is the first non-general key', () => {
    assert.equal(new XSpec('popen').transportName, 'popen');
    assert.equal(new XSpec('id=x//python=python3//ssh=host').transportName, 'ssh');
    assert.equal(new XSpec('env:A=1//chdir=x//vagrant_ssh=default').transportName, 'vagrant_ssh');
    assert.equal(new XSpec('socket//installvia=p1').transportName, 'socket');
    assert.equal(new XSpec('id=x//docker=img//memory=1g').transportName, 'docker');
    assert.equal(new XSpec('id=x//nice=1').transportName, undefined);
  });

  it('rejects two built-in transports', () => {
    specError('popen//ssh=host');
    specError('socket=h:1//popen');
  });

  it('runtime defaults to node and follows the one runtime key', () => {
    assert.deepEqual(new XSpec('popen').runtime, { kind: 'node' });
    assert.deepEqual(new XSpec('popen//node').runtime, { kind: 'node' });
    assert.deepEqual(new XSpec('popen//node=/opt/node22/bin/node').runtime, { kind: 'node', command: '/opt/node22/bin/node' });
    assert.deepEqual(new XSpec('popen//bun').runtime, { kind: 'bun' });
    assert.deepEqual(new XSpec('ssh=h//deno=/usr/bin/deno').runtime, { kind: 'deno', command: '/usr/bin/deno' });
    assert.deepEqual(new XSpec('popen//python=sudo python3').runtime, { kind: 'python', command: 'sudo python3' });
    assert.deepEqual(new XSpec('popen//python').runtime, { kind: 'python' });
  });

  it('rejects more than one runtime key', () => {
    specError('popen//node//python=python3');
    specError('popen//bun//deno');
  });
});

describe('XSpec mutation and identity', () => {
  it('set fills in id and execmodel without changing the string', () => {
    const spec = new XSpec('popen');
    spec.set('id', 'gw0');
    spec.set('execmodel', 'eventloop');
    assert.equal(spec.id, 'gw0');
    assert.equal(spec.execmodel, 'eventloop');
    spec.set('id', 'gw1');
    assert.equal(spec.id, 'gw1');
    assert.equal(spec.toString(), 'popen');
    assert.deepEqual(spec.keys(), ['popen', 'id', 'execmodel']);
    spec.set('env:X', '1');
    assert.equal(spec.env['X'], '1');
  });

  it('set validates like the parser and leaves the spec unchanged on error', () => {
    const spec = new XSpec('popen//node');
    assert.throws(() => spec.set('_x', '1'), SpecError);
    assert.throws(() => spec.set('id', true), SpecError);
    assert.throws(() => spec.set('env', '1'), SpecError);
    assert.throws(() => spec.set('python', 'python3'), SpecError);
    assert.equal(spec.python, undefined);
    assert.deepEqual(spec.runtime, { kind: 'node' });
    assert.throws(() => spec.set('ssh', 'host'), SpecError);
    assert.equal(spec.ssh, undefined);
  });

  it('clone is independent and keeps set values', () => {
    const spec = new XSpec('popen//env:A=1');
    spec.set('id', 'gw3');
    const copy = spec.clone();
    assert.equal(copy.id, 'gw3');
    assert.deepEqual(copy.env, { A: '1' });
    copy.set('id', 'other');
    copy.set('env:B', '2');
    assert.equal(spec.id, 'gw3');
    assert.deepEqual(spec.env, { A: '1' });
    assert.ok(copy.equals(spec));
  });

  it('isXSpec recognises specs, also from another copy of the package', () => {
    assert.ok(isXSpec(new XSpec('popen')));
    assert.ok(!isXSpec('popen'));
    assert.ok(!isXSpec(null));
    assert.ok(isXSpec({ [Symbol.for('@execnet/xspec')]: true }));
  });

  it('rejects a non-string spec with SpecError', () => {
    assert.throws(() => new XSpec(42 as unknown as string), SpecError);
  });
});
