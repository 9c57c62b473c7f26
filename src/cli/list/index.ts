import { listLinkSummaries, listLinks } from "../../core/list.ts";
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
  const links = await listLinkSummaries(ctx, request);
  if (links.length === 0) {
    output.info(
      noLinksLine(Boolean(options.all || options.status || options.provider || options.since)),
    );
    return;
  }
  output.result(linksTable(links, ctx.now(), output.out, Boolean(ctx.stdout.isTTY)));
}
