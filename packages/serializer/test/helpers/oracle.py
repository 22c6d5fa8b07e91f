"""Interop oracle for the serializer tests: answers JSON-lines requests with Python execnet.

Run by test/helpers/python-oracle.ts with /usr/bin/python3 (Debian's python3-execnet).
Each request is one JSON object on a line; each answer is one JSON object on a line, in order:

  {"op": "dumps", "expr": "(1, 2)"}                -> {"ok": true, "hex": "01460000000146..."}
  {"op": "loads", "hex": "...", "expect": "(1, 2)",
   "kwargs": {"py2str_as_py3str": false}}          -> {"ok": true, "repr": "(1, 2)", "equal": true}
  {"op": "version"}                                -> {"ok": true, "version": "1.9.0"}

A Python exception becomes {"ok": false, "error": "struct.error: ..."}.
"""
import json
import struct
import sys

import execnet


def same(a, b):
    """Equal and of exactly the same types, recursively, dict order included."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return struct.pack('!d', a) == struct.pack('!d', b)
    if isinstance(a, complex):
        return same(a.real, b.real) and same(a.imag, b.imag)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return len(a) == len(b) and all(
            same(ka, kb) and same(va, vb) for (ka, va), (kb, vb) in zip(a.items(), b.items()))
    if isinstance(a, (set, frozenset)):
        return a == b and all(any(same(x, y) for y in b) for x in a)
    return a == b


def short_repr(value, limit=300):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + '...'


def answer(request):
    op = request['op']
    if op == 'dumps':
        return {'hex': execnet.dumps(eval(request['expr'])).hex()}
    if op == 'loads':
        loaded = execnet.loads(bytes.fromhex(request['hex']), **request.get('kwargs', {}))
        result = {'repr': short_repr(loaded)}
        if 'expect' in request:
            result['equal'] = same(eval(request['expect']), loaded)
        return result
    if op == 'version':
        return {'version': execnet.__version__}
    raise ValueError('unknown op %r' % (op,))


def main():
    out = sys.stdout
    for line in iter(sys.stdin.readline, ''):
        if not line.strip():
            continue
        try:
            reply = answer(json.loads(line))
            reply['ok'] = True
        except Exception as error:  # reported to the test, which decides
            reply = {'ok': False, 'error': '%s: %s' % (type(error).__name__, error)}
        out.write(json.dumps(reply) + '\n')
        out.flush()


if __name__ == '__main__':
    main()
