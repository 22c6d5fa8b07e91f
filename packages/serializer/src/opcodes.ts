/**
 * Opcodes of execnet's serializer (gateway_base.py `Opcodes`). The letters are frozen by
 * execnet's `test_opcodes`: renumbering them once broke stored data (execnet issue #47).
 */
export const Opcode = {
  BUILDTUPLE: 0x40, // '@'
  BYTES: 0x41, // 'A'
  CHANNEL: 0x42, // 'B'
  FALSE: 0x43, // 'C'
  FLOAT: 0x44, // 'D'
  FROZENSET: 0x45, // 'E'
  INT: 0x46, // 'F'
  LONG: 0x47, // 'G' (Python 2 long, loaded like INT)
  LONGINT: 0x48, // 'H'
  LONGLONG: 0x49, // 'I' (Python 2, loaded like LONGINT)
  NEWDICT: 0x4a, // 'J'
  NEWLIST: 0x4b, // 'K'
  NONE: 0x4c, // 'L'
  PY2STRING: 0x4d, // 'M'
  PY3STRING: 0x4e, // 'N'
  SET: 0x4f, // 'O'
  SETITEM: 0x50, // 'P'
  STOP: 0x51, // 'Q'
  TRUE: 0x52, // 'R'
  UNICODE: 0x53, // 'S' (Python 2 unicode, always a string)
  COMPLEX: 0x54, // 'T'
} as const;

/** One execnet serializer opcode byte. */
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** Format version byte of public `dumps`: 1 up to execnet 1.9, 2 from execnet 2.0. */
export const FormatVersion = { V1: 1, V2: 2 } as const;

/** A format version byte accepted by `loads` and written by `dumps`. */
export type FormatVersion = (typeof FormatVersion)[keyof typeof FormatVersion];
