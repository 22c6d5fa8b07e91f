import { readFileSync } from 'node:fs';
import { UsageError } from './exit-codes.js';

/**
 * Reads a code file named on the command line (`-` is stdin).
 * @throws {UsageError} the file cannot be read
 */
export function readCodeFile(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`cannot read ${file === '-' ? 'stdin' : file}: ${code}`, { cause: error });
  }
}

/** Writes text to a stream and waits while its buffer is full, so a slow reader slows the worker. */
export async function writeOut(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (stream.write(text)) return;
  await new Promise<void>((resolve) => stream.once('drain', resolve));
}
