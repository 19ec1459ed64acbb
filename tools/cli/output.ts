import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];

/** Styled text on a terminal that takes colours (NO_COLOR, FORCE_COLOR and TERM honoured); plain text otherwise. */
export function paint(style: Style, text: string, stream: NodeJS.WriteStream): string {
  return styleText(style, text, { stream });
}

/** An aligned table with a header line, for people; `--json` output is for programs. */
export function formatTable(headers: string[], rows: string[][], stream: NodeJS.WriteStream): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [paint('bold', line(headers), stream), ...rows.map(line)].join('\n') + '\n';
}

export function printJson(value: unknown, stream: NodeJS.WriteStream): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}
