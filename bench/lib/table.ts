/**
 * Markdown tables for the console and summary.md: every scenario reports rows of named cells, and
 * this module turns them into aligned GitHub-flavoured markdown with consistent number formats.
 */

export type Cell = string | number | null | undefined;

/** A titled table: one header row, rows of cells, optional notes printed under it. */
export interface Table {
  title: string;
  header: string[];
  rows: Cell[][];
  notes?: string[];
}

/** Formats a number with three significant figures (thousands grouped); NaN/null → "n/a". */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return Math.round(value).toLocaleString('en-US');
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  if (magnitude === 0) return '0';
  return value.toPrecision(2);
}

export function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a';
}

function formatCell(cell: Cell): string {
  if (cell === null || cell === undefined) return 'n/a';
  if (typeof cell === 'number') return formatNumber(cell);
  return cell;
}

export function renderTable(table: Table): string {
  const cells = [table.header, ...table.rows.map((row) => row.map(formatCell))];
  const widths = table.header.map((_name, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]): string =>
    '| ' + widths.map((width, column) => (row[column] ?? '').padEnd(width)).join(' | ') + ' |';
  const separator = '|' + widths.map((width) => '-'.repeat(width + 2)).join('|') + '|';
  const [header, ...body] = cells;
  const out = [`### ${table.title}`, '', line(header ?? []), separator, ...body.map(line)];
  for (const note of table.notes ?? []) out.push('', note);
  return out.join('\n') + '\n';
}
