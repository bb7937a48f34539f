/**
 * Terminal output of `cdk-glue-lake`: timestamps, aligned tables, colours and a block of lines
 * redrawn in place. ANSI codes are only ever written to a terminal.
 */
import type { CliDependencies, Writer } from './context';

const ESC = '\u001b[';

/** `2026-05-01T10:00:15Z` (UTC, whole seconds). */
export function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export type Tone = 'good' | 'bad' | 'busy' | 'plain';

const TONES: Record<Tone, string> = {
  good: '32',
  bad: '31',
  busy: '33',
  plain: '',
};

/** Colours text on a terminal (unless NO_COLOR is set); returns it unchanged otherwise. */
export class Styler {
  private readonly enabled: boolean;

  public constructor(deps: Pick<CliDependencies, 'isTTY' | 'env'>) {
    this.enabled = deps.isTTY && !deps.env.NO_COLOR;
  }

  public paint(text: string, tone: Tone): string {
    return this.enabled && tone !== 'plain' ? `${ESC}${TONES[tone]}m${text}${ESC}0m` : text;
  }
}

/** Rows aligned in columns two spaces apart (padding applied before `paint`, so colours do not shift them). */
export function formatTable(
  headers: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  paint?: (row: number, column: number, padded: string) => string,
): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map(row => (row[column] ?? '').length)));
  const line = (cells: readonly string[], row: number) => cells
    .map((cell, column) => {
      const padded = column === cells.length - 1 ? cell : cell.padEnd(widths[column]);
      return row >= 0 && paint ? paint(row, column, padded) : padded;
    })
    .join('  ')
    .trimEnd();
  return [line(headers, -1), ...rows.map((row, index) => line(row, index))].map(text => `${text}\n`).join('');
}

/** A block of lines at the bottom of a terminal, redrawn in place (cursor up, clear line). */
export class LiveBlock {
  private drawn = 0;

  public constructor(private readonly write: Writer) {}

  public draw(lines: readonly string[]): void {
    let text = this.drawn > 0 ? `${ESC}${this.drawn}A` : '';
    for (const line of lines) text += `${ESC}2K${line}\n`;
    // A shorter block: clear what is left of the previous one, then come back.
    const extra = this.drawn - lines.length;
    if (extra > 0) text += `${`${ESC}2K\n`.repeat(extra)}${ESC}${extra}A`;
    this.drawn = lines.length;
    this.write(text);
  }
}
