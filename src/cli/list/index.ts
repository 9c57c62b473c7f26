import { once } from "node:events";
import { listLinkSummaries, listLinks, streamLinkSummaries } from "../../core/list.ts";
import type { Output } from "../../ui/output.ts";
import type { CommandRegistrar } from "../run.ts";
import { type ListOptions, listCommand } from "./command.ts";
import { linksTable, noLinksLine } from "./render.ts";

export const register: CommandRegistrar = (program, run) => {
  listCommand(program).action(async (options) => {
    await runList(run.output, options);
  });
};

async function runList(output: Output, options: ListOptions) {
  const { ctx } = output;
  const request = { ...options, all: options.all === true };
  if (options.json) {
    output.document(await listLinks(ctx, request));
    return;
  }
  const found = ctx.stdout.isTTY
    ? await printTable(output, request)
    : await printRows(output, request);
  if (!found) {
    output.info(
      noLinksLine(Boolean(options.all || options.status || options.provider || options.since)),
    );
  }
}

type Request = Parameters<typeof listLinkSummaries>[1];

/** On a terminal: aligned columns, so every row is read first. False when there were none. */
async function printTable(output: Output, request: Request): Promise<boolean> {
  const { ctx } = output;
  const links = await listLinkSummaries(ctx, request);
  if (links.length === 0) return false;
  output.result(linksTable(links, ctx.now(), output.out, true));
  return true;
}

/** Piped: tab-separated rows, a batch at a time as they are read. False when there were none. */
async function printRows(output: Output, request: Request): Promise<boolean> {
  const { ctx } = output;
  let found = false;
  for await (const links of streamLinkSummaries(ctx, request)) {
    if (links.length === 0) continue;
    found = true;
    output.result(linksTable(links, ctx.now(), output.out, false));
    // A slow reader (| less) holds the rest in the ledger, not in memory.
    if (ctx.stdout.writableNeedDrain) await once(ctx.stdout, "drain");
  }
  return found;
}
