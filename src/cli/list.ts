import { once } from "node:events";
import type { Command } from "commander";
import type { Ctx } from "../context.ts";
import type { LinkSummaryView } from "../core/links.ts";
import { listLinkSummaries, listLinks, streamLinkSummaries } from "../core/list.ts";
import { expiryFromNow, localDateTime } from "../core/time-format.ts";
import { Output } from "../ui/output.ts";
import { renderTable } from "../ui/table.ts";
import { type CommandRegistrar, globalOptions } from "./program.ts";

interface ListOptions {
  json?: boolean;
  all?: boolean;
  provider?: string;
  status?: string;
  since?: string;
}

export const register: CommandRegistrar = (program, ctx) => {
  program
    .command("list")
    .alias("ls")
    .summary("show the links dmshare made")
    .description(
      "Show the links dmshare made, newest first. Revoked links only with --all or --status.",
    )
    .option("--json", "print the links as a JSON array")
    .option("-a, --all", "include revoked links")
    .option("--provider <name>", "only links of this provider")
    .option(
      "--status <status>",
      "only links with this status: pending, active, needs-sharing, expired, overdue (past " +
        "its expiry, still working until dmshare revokes it), revoked",
    )
    .option("--since <when>", "only links made in the last 30m, 12h, 7d … or since a date")
    .addHelpText(
      "after",
      `
Examples:
  $ dmshare list
  $ dmshare list --all --provider dropbox
  $ dmshare list --since 7d --status expired
  $ dmshare list --json | jq -r '.[] | select(.status == "active") | .url'`,
    )
    .action(async (options: ListOptions, command: Command) => {
      await runList(ctx, options, command);
    });
};

async function runList(ctx: Ctx, options: ListOptions, command: Command) {
  const output = new Output(ctx, { json: options.json, color: globalOptions(command).color });
  const request = { ...options, all: options.all === true };
  if (options.json) {
    output.document(await listLinks(ctx, request));
    return;
  }
  const found = ctx.stdout.isTTY
    ? await printTable(ctx, output, await listLinkSummaries(ctx, request))
    : await printRows(ctx, output, streamLinkSummaries(ctx, request));
  if (!found) {
    output.info(
      options.all || options.status || options.provider || options.since
        ? "No links match."
        : "No links yet. Send a photo with: dmshare send photo.jpg --via dropbox",
    );
  }
}

const HEADER = ["ID", "PROVIDER", "KIND", "NAME", "CREATED", "EXPIRES", "STATUS", "URL"];

/** On a terminal: aligned columns, so every row is read first. False when there were none. */
async function printTable(ctx: Ctx, output: Output, links: LinkSummaryView[]) {
  if (links.length === 0) return false;
  // One write for the whole table: a line at a time costs a system call each.
  output.result(renderTable(HEADER, links.map(rowOf(ctx, output)), true).join("\n"));
  return true;
}

/** Piped: tab-separated rows, a batch at a time as they are read. False when there were none. */
async function printRows(ctx: Ctx, output: Output, batches: AsyncIterable<LinkSummaryView[]>) {
  let found = false;
  const row = rowOf(ctx, output);
  for await (const links of batches) {
    found = true;
    output.result(renderTable(HEADER, links.map(row), false).join("\n"));
    // A slow reader (| less) holds the rest in the ledger, not in memory.
    if (ctx.stdout.writableNeedDrain) await once(ctx.stdout, "drain");
  }
  return found;
}

function rowOf(ctx: Ctx, output: Output) {
  const style = output.out;
  const statusStyle: Record<LinkSummaryView["status"], (text: string) => string> = {
    active: style.green,
    pending: style.yellow,
    "needs-sharing": style.yellow,
    expired: style.dim,
    overdue: style.red,
    revoked: style.dim,
  };
  const now = ctx.now();
  return (link: LinkSummaryView) => [
    link.id,
    link.provider,
    link.kind,
    link.name,
    localDateTime(new Date(link.createdAt)),
    expiryColumn(link, now),
    statusStyle[link.status](link.status),
    link.url ?? "",
  ];
}

/** `expires in 3 days`, `expired 2 h ago`, `due 2 h ago, not revoked yet` (overdue), `never`. */
function expiryColumn(link: LinkSummaryView, now: Date): string {
  if (!link.expiresAt) return "never";
  const relative = expiryFromNow(new Date(link.expiresAt), now);
  return link.status === "overdue"
    ? `${relative.replace(/^expired /, "due ")}, not revoked yet`
    : relative;
}
