/**
 * Run by dumps-errors.test.ts under `node --stack-size=<small>`: encodes a value of the deepest
 * accepted nesting, which then exhausts the stack, and prints the error class each codec threw.
 */
import { dumps, msgpackCodec } from '@execnet/serializer';

let value: unknown = [];
for (let i = 1; i < 1000; i++) value = [value];

const outcome = (encode: () => unknown): string => {
  try {
    encode();
    return 'ok';
  } catch (error) {
    return (error as Error).name;
  }
};
process.stdout.write(JSON.stringify({ dumps: outcome(() => dumps(value)), msgpack: outcome(() => msgpackCodec.encode(value)) }));
