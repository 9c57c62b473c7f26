import type { OutputStream } from "../context.ts";

/** The width to lay text out in on `stream`: its columns on a terminal, else 80 (as commander). */
export const terminalWidth = (stream: OutputStream): number =>
  (stream.isTTY ? stream.columns : undefined) ?? 80;
