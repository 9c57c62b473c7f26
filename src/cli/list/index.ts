import { once } from "node:events";
import { listLinks, streamLinkSummaries } from "../../core/list.ts";
import type { Output } from "../../ui/output.ts";
import type { CommandRegistrar } from "../run.ts";
import { type ListOptions, listCommand } from "./command.ts";
import { parseFields, selectFields } from "./fields.ts";
import { LinksTable, noLinksLine, tsvLines } from "./render.ts";

export const register: CommandRegistrar = (program, run) => {
  listCommand(program).action(async (options) => {
    await runList(run.output, options);
  });
};

/** Without a width from the terminal, the width a terminal has by default. */
const DEFAULT_COLUMNS = 80;

async function runList(output: Output, options: ListOptions) {
  const { ctx } = output;
  const request = { ...options, all: options.all === true };
  if (options.json !== undefined) {
    // Fields are checked before the ledger is read: a typo fails at once.
    const fields = typeof options.json === "string" ? parseFields(options.json) : undefined;
    const links = await listLinks(ctx, request);
    output.document(fields ? selectFields(links, fields) : links);
    return;
  }
  const terminal = Boolean(ctx.stdout.isTTY);
  const wide = options.wide === true || options.trunc === false;
  const columns = ctx.stdout.columns || DEFAULT_COLUMNS;
  const table = terminal ? new LinksTable(ctx.now(), output.out, wide ? undefined : columns) : null;
  let found = false;
  // A page at a time as the ledger is read: the first rows are out before the last are read,
  // and a slow reader (| less) holds the rest in the ledger, not in memory. At a terminal the
  // first page sets the column widths.
  for await (const links of streamLinkSummaries(ctx, request)) {
    output.result(table ? table.page(links) : tsvLines(links, !found && options.header === true));
    found = true;
    if (ctx.stdout.writableNeedDrain) await once(ctx.stdout, "drain");
  }
  if (!found) {
    if (!table && options.header) output.result(tsvLines([], true));
    output.info(
      noLinksLine(Boolean(options.all || options.status || options.provider || options.since)),
    );
  }
}
