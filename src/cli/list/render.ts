import type { ChalkInstance } from "chalk";
import type { LinkSummaryView } from "../../core/links.ts";
import { type Column, fitColumns, type TableLayout, tableLine } from "../../ui/table.ts";
import { pipedCells, STATUS_COLUMN, TITLES, terminalCells } from "./cells.ts";

/** What `list` says when no link is shown: none match, or none were ever made. */
export function noLinksLine(filtered: boolean): string {
  return filtered
    ? "No links match."
    : "No links yet. Send a photo with: dmshare send photo.jpg --via dropbox";
}

/**
 * The terminal table's columns. ID, STATUS and the dates are never cut; NAME and URL share
 * what is left and are cut with `…` (a URL keeps its start); on a narrow terminal KIND, then
 * PROVIDER, then CREATED, then EXPIRES give way before NAME and URL get too narrow to read.
 */
const COLUMNS: Column[] = TITLES.map((title) => {
  switch (title) {
    case "NAME":
      return { title, flex: { min: 12 } };
    case "URL":
      // 20 columns show the host; the dates are kept down to 15 (`https://www.dr…`, enough
      // to tell the services apart): at 80, CREATED beside a needs-sharing row.
      return { title, flex: { min: 20, least: 15 } };
    case "KIND":
      return { title, dropOrder: 1 };
    case "PROVIDER":
      return { title, dropOrder: 2 };
    case "CREATED":
      return { title, dropOrder: 3, squeezesFlex: true };
    case "EXPIRES":
      return { title, dropOrder: 4, squeezesFlex: true };
    default:
      return { title };
  }
});

/**
 * A terminal table, printed a page at a time: its layout comes from the first page (the
 * widths of its cells and the terminal's, or `undefined` for --wide: every cell in full).
 */
export class LinksTable {
  private layout: TableLayout | undefined;
  private readonly now: Date;
  private readonly style: ChalkInstance;
  private readonly width: number | undefined;

  constructor(now: Date, style: ChalkInstance, width: number | undefined) {
    this.now = now;
    this.style = style;
    this.width = width;
  }

  /** The page's lines as one string (a line at a time costs a system call each). */
  page(links: LinkSummaryView[]): string {
    const rows = links.map((link) => terminalCells(link, this.now));
    const lines: string[] = [];
    if (!this.layout) {
      this.layout = fitColumns(COLUMNS, rows, this.width);
      lines.push(tableLine(this.layout, TITLES));
    }
    const layout = this.layout;
    const style = this.statusStyle();
    for (const row of rows) {
      lines.push(
        tableLine(layout, row, (text, column) =>
          column === STATUS_COLUMN ? style(text as LinkSummaryView["status"]) : text,
        ),
      );
    }
    return lines.join("\n");
  }

  private statusStyle() {
    const { style } = this;
    const styles: Record<LinkSummaryView["status"], (text: string) => string> = {
      active: style.green,
      pending: style.yellow,
      "needs-sharing": style.yellow,
      expired: style.dim,
      overdue: style.red,
      revoked: style.dim,
    };
    return (status: LinkSummaryView["status"]) => (styles[status] ?? String)(status);
  }
}

/** Piped: one tab-separated line per link (and the titles first with --header). */
export function tsvLines(links: LinkSummaryView[], header = false): string {
  const lines = links.map((link) => pipedCells(link).join("\t"));
  return (header ? [TITLES.join("\t"), ...lines] : lines).join("\n");
}
