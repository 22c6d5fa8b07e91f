/** Keeps the last lines written to a stream, for error messages about dead workers. */
export class OutputTail {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly max = 20) {}

  push(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    if (this.partial.length > 4096) this.partial = this.partial.slice(-4096);
    for (const line of parts) this.add(line);
  }

  /** The kept lines, including an unterminated last one. */
  get(): string[] {
    return this.partial ? [...this.lines, this.partial] : [...this.lines];
  }

  private add(line: string): void {
    this.lines.push(line.length > 1000 ? `${line.slice(0, 1000)}…` : line);
    if (this.lines.length > this.max) this.lines.shift();
  }
}
