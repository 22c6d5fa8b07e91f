/*
 * The closure check: which variables a shipped function uses without defining them. These run
 * the real analysis (esbuild's scope handling), over real function sources as this file's own
 * compiler (tsx) emits them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freeVariables } from '../src/closure-check.js';
import { execPayload } from '../src/remote-exec.js';
import { ClosureError } from '../src/errors.js';

const source = (fn: (...args: never[]) => unknown) => Function.prototype.toString.call(fn);

describe('freeVariables', () => {
  it('finds a closure variable and nothing that the function defines itself', () => {
    const secret = 42;
    const fn = async (channel: { send(v: unknown): void }, kwargs: { n: number }) => {
      const local = kwargs.n;
      const { a: renamed, ...rest } = { a: 1, b: 2 };
      for (const i of [1, 2]) channel.send(i + local + renamed + Object.keys(rest).length);
      function inner(x: number): number {
        return x > 0 ? inner(x - 1) : 0;
      }
      class Box {
        value = 1;
        get twice() {
          return this.value * 2;
        }
      }
      try {
        channel.send({ secret, key: new Box().twice, n: inner(3) });
      } catch (error) {
        channel.send(String(error));
      }
    };
    assert.deepEqual(freeVariables(source(fn)), ['secret']);
  });

  it('lists each free variable once, in order of first use, also inside nested functions and templates', () => {
    const first = 1;
    const second = 'x';
    const fn = (channel: { send(v: unknown): void }) => {
      channel.send(`${second}`);
      [1].map(() => first + first);
    };
    assert.deepEqual(freeVariables(source(fn)), ['second', 'first']);
  });

  it('does not count globals, property names, object keys, labels, strings or typeof probes', () => {
    const fn = (channel: { send(v: unknown): void }) => {
      outer: for (;;) break outer;
      const o = { notAVariable: 1, Math: 2 };
      channel.send([JSON.stringify(o.notAVariable), Math.max(1, 2), process.pid, 'missingName', typeof someWindowGlobal === 'undefined']);
    };
    assert.deepEqual(freeVariables(source(fn)), []);
  });

  it('allows what the worker provides: require, CommonJS names, Bun and Deno', () => {
    const fn = () => [require('node:os').cpus().length, typeof Bun, typeof Deno, __dirname, module, exports];
    assert.deepEqual(freeVariables(source(fn)), []);
  });

  it('a recursive arrow referring to its own const is a closure use', () => {
    const countdown = (n: number): number => (n > 0 ? countdown(n - 1) : 0);
    assert.deepEqual(freeVariables(source(countdown)), ['countdown']);
  });

  it('returns undefined for source it cannot parse (the worker reports the problem)', () => {
    assert.equal(freeVariables('function (a { return b'), undefined);
  });
});

describe('execPayload with a function', () => {
  it('throws ClosureError naming the function and the variable, before building anything', () => {
    const limit = 3;
    const error = (() => {
      try {
        execPayload(function usesLimit(channel: { send(v: unknown): void }) {
          channel.send(limit);
        }, {});
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(error instanceof ClosureError, String(error));
    assert.equal(error.functionName, 'usesLimit');
    assert.deepEqual(error.variables, ['limit']);
    assert.match(error.message, /function usesLimit uses `limit` from its closure/);
    assert.match(error.message, /kwargs/);
  });

  it('passes a function that takes its values from kwargs', () => {
    const payload = execPayload((channel: { send(v: unknown): void }, kwargs: { limit: number }) => channel.send(kwargs.limit), { limit: 3 });
    assert.equal(payload.length, 4);
  });
});

declare const someWindowGlobal: unknown;
declare const Bun: unknown;
declare const Deno: unknown;

describe('execPayload with a source string', () => {
  it('sends plain JavaScript as it is, also when a kwarg is named like a reserved word', () => {
    const body = 'channel.send(kwargs.delete ? n : 0)';
    const [source] = execPayload(body, { delete: true, n: 1, 'not an identifier': 2 });
    assert.equal(source, body);
  });

  it('strips the types of a TypeScript body, the same way each time', () => {
    const body = 'const n: number = kwargs.n as number; channel.send(n)';
    const [first] = execPayload(body, { n: 1 });
    const [second] = execPayload(body, { n: 1 });
    assert.doesNotMatch(String(first), /: number|as number/);
    assert.equal(second, first);
  });
});
