import { stripVTControlCharacters } from "node:util";

const LINE_BREAKS = /[\t\n\r]/g;
const LINE_BREAK = /[\t\n\r]/;
/** What makes a cell print otherwise than as itself on one line. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const NOT_PLAIN = /[\t\n\r\u001b]/;

/** A cell on one line; strings are only rebuilt when they need it (lists run to 10 000s). */
const flat = (cell: string) => (LINE_BREAK.test(cell) ? cell.replace(LINE_BREAKS, " ") : cell);
const visible = (cell: string) => (cell.includes("\u001b") ? stripVTControlCharacters(cell) : cell);
/** Most cells are plain: one test each instead of two (half of what piped `list` rendering cost). */
const plain = (cell: string) => (NOT_PLAIN.test(cell) ? visible(flat(cell)) : cell);

/**
 * Aligned columns with a header on a terminal; tab-separated rows without a header when
 * piped, so `cut`/`awk` get one record per line.
 */
export function renderTable(header: string[], rows: string[][], forTerminal: boolean): string[] {
  if (!forTerminal) return rows.map((row) => row.map(plain).join("\t"));
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
