import { createRequire } from "node:module";
import { stripVTControlCharacters } from "node:util";

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const BREAKS = /[\t\n\r]/g;
/** C0 and C1 controls, DEL, and the bidi embeddings, overrides and isolates ("Trojan Source"). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const PRINTABLE_ASCII = /^[\u0020-\u007e]*$/;

/**
 * Text from the ledger or a server (a name, a URL) as one cell of a terminal table or a
 * tab-separated line: escape sequences removed, tabs and line breaks as spaces, any other
 * control character or bidi override as U+FFFD, so a name can neither move the cursor nor
 * reorder the rest of the line. Most cells are plain: one test each.
 */
export function safeCell(text: string): string {
  if (!UNSAFE.test(text)) return text;
  const visible =
    text.includes("\u001b") || text.includes("\u009b") ? stripVTControlCharacters(text) : text;
  return visible.replace(BREAKS, " ").replace(CONTROLS, "\uFFFD");
}

/**
 * string-width, loaded the first time a cell is not plain ASCII (Node requires an ES module
 * synchronously): building its Unicode tables, regular expressions and segmenter took about
 * 26 ms of every command's start-up, though scripts (pipes, --json) never measure a cell.
 */
let stringWidthOf: ((text: string) => number) | undefined;
const stringWidth = (text: string): number => {
  stringWidthOf ??= (
    createRequire(import.meta.url)("string-width") as { default: (text: string) => number }
  ).default;
  return stringWidthOf(text);
};

/** Columns a cell takes on a terminal: wide (CJK, emoji) count 2, combining marks 0. */
export const displayWidth = (text: string): number =>
  PRINTABLE_ASCII.test(text) ? text.length : stringWidth(text);

let graphemes: Intl.Segmenter | undefined;

/** `text` cut to `width` columns, ending in `…` when cut; never splits a character. */
export function truncate(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 0) return "";
  let kept = "";
  let used = 0;
  graphemes ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  for (const { segment } of graphemes.segment(text)) {
    const columns = stringWidth(segment);
    if (used + columns > width - 1) break;
    kept += segment;
    used += columns;
  }
  return `${kept}…`;
}

export interface Column {
  title: string;
  /**
   * Flexible columns share the width the others leave, each at least `min` (or its widest
   * cell, when narrower), and are cut with `…`; the others are never cut. A column marked
   * `squeezesFlex` is dropped only when they cannot fit at `least`.
   */
  flex?: { min: number; least?: number };
  /** Columns that give way on a narrow terminal, 1 first, while the flexible ones lack room. */
  dropOrder?: number;
  /** Kept while the flexible columns can shrink to their `least` (rather than `min`) for it. */
  squeezesFlex?: boolean;
}

export interface TableLayout {
  /** The indexes of the columns shown, in order. */
  shown: number[];
  /** Each shown column's width (the last is not padded). */
  widths: number[];
  flexible: boolean[];
  /** The widest line may take (undefined: --wide, nothing is cut). */
  maxWidth: number | undefined;
}

const GAP = 2;

/**
 * Column widths for a table whose rows may not all be known yet: measured on `sample` (a
 * bounded first page) and fitted into `maxWidth` columns, or every column in full without it.
 */
export function fitColumns(
  columns: Column[],
  sample: string[][],
  maxWidth: number | undefined,
): TableLayout {
  const natural = columns.map((column, index) =>
    Math.max(displayWidth(column.title), ...sample.map((row) => displayWidth(row[index] ?? ""))),
  );
  let shown = columns.map((_, index) => index);
  const need = (indexes: number[], squeeze = false) =>
    indexes.reduce(
      (sum, index) => {
        const flex = columns[index]?.flex;
        const width = natural[index] ?? 0;
        const min = squeeze ? (flex?.least ?? flex?.min) : flex?.min;
        return sum + (min === undefined ? width : Math.min(width, min));
      },
      GAP * (indexes.length - 1),
    );
  if (maxWidth !== undefined) {
    const droppable = shown
      .filter((index) => columns[index]?.dropOrder !== undefined)
      .sort((a, b) => (columns[a]?.dropOrder ?? 0) - (columns[b]?.dropOrder ?? 0));
    for (const index of droppable) {
      if (need(shown, columns[index]?.squeezesFlex) <= maxWidth) break;
      shown = shown.filter((kept) => kept !== index);
    }
  }
  const flexible = shown.map((index) => columns[index]?.flex !== undefined);
  const widths = shown.map((index) => natural[index] ?? 0);
  if (maxWidth !== undefined) {
    shareFlexibleSpace(
      shown.map((index) => columns[index] ?? { title: "" }),
      widths,
      maxWidth,
    );
  }
  return { shown, widths, flexible, maxWidth };
}

/**
 * Each flexible column gets its minimum (or its width, when narrower), then the room left
 * goes a column at a time to the narrowest one that wants more, so they end as equal as their
 * widths allow. With less room than the minimums (a very narrow terminal), the widest shrinks.
 */
function shareFlexibleSpace(
  columns: { flex?: { min: number } }[],
  widths: number[],
  maxWidth: number,
): void {
  const natural = [...widths];
  const flexible = columns.flatMap((column, at) => (column.flex ? [at] : []));
  let left = maxWidth - GAP * (widths.length - 1);
  widths.forEach((width, at) => {
    const min = columns[at]?.flex?.min;
    widths[at] = min === undefined ? width : Math.min(width, min);
    left -= widths[at] ?? 0;
  });
  const width = (at: number) => widths[at] ?? 0;
  for (; left > 0; left--) {
    const wanting = flexible.filter((at) => width(at) < (natural[at] ?? 0));
    const narrowest = wanting.sort((a, b) => width(a) - width(b) || a - b)[0];
    if (narrowest === undefined) break;
    widths[narrowest] = width(narrowest) + 1;
  }
  for (; left < 0; left++) {
    const widest = [...flexible].sort((a, b) => width(b) - width(a))[0];
    if (widest === undefined || width(widest) <= 1) break;
    widths[widest] = width(widest) - 1;
  }
}

/**
 * One line of the table: `cells` (all columns, safe text) cut and padded to the layout, each
 * shown cell passed through `style` after it is measured. A fixed cell wider than its column
 * (a row after the measured page) is printed whole, and the flexible cells of its line give
 * up the room, so the line still fits.
 */
export function tableLine(
  layout: TableLayout,
  cells: string[],
  style: (text: string, column: number) => string = (text) => text,
): string {
  const texts = layout.shown.map((index) => cells[index] ?? "");
  const widths = [...layout.widths];
  if (layout.maxWidth !== undefined) {
    let over = texts.reduce(
      (sum, text, at) =>
        sum + (layout.flexible[at] ? 0 : Math.max(0, displayWidth(text) - (widths[at] ?? 0))),
      0,
    );
    for (let at = widths.length - 1; at >= 0 && over > 0; at--) {
      if (!layout.flexible[at]) continue;
      const given = Math.min(over, (widths[at] ?? 0) - 1);
      widths[at] = (widths[at] ?? 0) - given;
      over -= given;
    }
  }
  const last = texts.length - 1;
  const line = texts
    .map((text, at) => {
      const width = widths[at] ?? 0;
      const cut =
        layout.flexible[at] && layout.maxWidth !== undefined ? truncate(text, width) : text;
      const styled = style(cut, layout.shown[at] ?? at);
      return at === last ? styled : styled + " ".repeat(Math.max(0, width - displayWidth(cut)));
    })
    .join(" ".repeat(GAP));
  return line.trimEnd();
}
