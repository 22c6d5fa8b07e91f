/**
 * Formats rows as a plain text table: a header row, columns padded to their widest cell and
 * separated by two spaces. The last cell of a row is not padded and does not widen its column,
 * so a shorter row can end with a long message (an error) that spans the rest of the line.
 * No borders, so it greps and cuts well.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (column < row.length - 1 ? row[column]!.length : 0))),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return `${[header, ...rows].map(line).join('\n')}\n`;
}
