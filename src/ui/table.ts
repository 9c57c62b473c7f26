import { stripVTControlCharacters } from "node:util";

const LINE_BREAKS = /[\t\n\r]/g;

/** A cell on one line; strings are only rebuilt when they need it (lists run to 10 000s). */
const flat = (cell: string) => (/[\t\n\r]/.test(cell) ? cell.replace(LINE_BREAKS, " ") : cell);
const visible = (cell: string) => (cell.includes("\u001b") ? stripVTControlCharacters(cell) : cell);

/**
 * Aligned columns with a header on a terminal; tab-separated rows without a header when
 * piped, so `cut`/`awk` get one record per line.
 */
export function renderTable(header: string[], rows: string[][], forTerminal: boolean): string[] {
  if (!forTerminal) return rows.map((row) => row.map((cell) => visible(flat(cell))).join("\t"));
  const clean = rows.map((row) => row.map(flat));
  const widths = header.map((title) => title.length);
  for (const row of clean) {
    row.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, visible(cell).length);
    });
  }
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        column === cells.length - 1
          ? cell
          : cell + " ".repeat((widths[column] ?? 0) - visible(cell).length),
      )
      .join("  ");
  return [line(header), ...clean.map(line)];
}
