import { stripVTControlCharacters } from "node:util";

/**
 * Aligned columns with a header on a terminal; tab-separated rows without a header when
 * piped, so `cut`/`awk` get one record per line.
 */
export function renderTable(header: string[], rows: string[][], forTerminal: boolean): string[] {
  const clean = rows.map((row) => row.map((cell) => cell.replace(/[\t\n\r]/g, " ")));
  if (!forTerminal) return clean.map((row) => row.map(stripVTControlCharacters).join("\t"));
  const widths = header.map((title, column) =>
    Math.max(
      title.length,
      ...clean.map((row) => stripVTControlCharacters(row[column] ?? "").length),
    ),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        column === cells.length - 1
          ? cell
          : cell + " ".repeat((widths[column] ?? 0) - stripVTControlCharacters(cell).length),
      )
      .join("  ");
  return [line(header), ...clean.map(line)];
}
