import type { Command } from "commander";
import type { Ctx } from "../context.ts";
import { type RevokeResult, revokeLinks } from "../core/revoke.ts";
import { Output } from "../ui/output.ts";
import { type CommandRegistrar, globalOptions } from "./program.ts";

interface RevokeOptions {
  deleteFiles?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

export const register: CommandRegistrar = (program, ctx) => {
  program
    .command("revoke")
    .summary("stop links from working")
    .description(
      "Stop links from working. Name them by id (or its first 4+ characters) or by URL. " +
        "Revoking a link that is already revoked succeeds and says so.",
    )
    .argument("<links...>", "link ids or URLs, as dmshare list shows them")
    .option("--delete-files", "also delete the uploaded files from the provider")
    .option("--dry-run", "show what would be revoked, do nothing")
    .option("--json", "print the result as a JSON array")
    .addHelpText(
      "after",
      `
Examples:
  $ dmshare revoke k3x9m2qa
  $ dmshare revoke https://www.dropbox.com/scl/fi/…/beach.jpg?rlkey=…&dl=0
  $ dmshare revoke k3x9 7hw2 --delete-files`,
    )
    .action(async (refs: string[], options: RevokeOptions, command: Command) => {
      await runRevoke(ctx, refs, options, command);
    });
};

async function runRevoke(ctx: Ctx, refs: string[], options: RevokeOptions, command: Command) {
  const output = new Output(ctx, { json: options.json, color: globalOptions(command).color });
  const results = await revokeLinks(ctx, {
    refs,
    deleteFiles: options.deleteFiles === true,
    dryRun: options.dryRun === true,
  });
  if (options.json) {
    output.document(results);
    return;
  }
  for (const result of results) output.result(describe(result));
}

function describe(result: RevokeResult): string {
  const what = `${result.id} ${result.name}`;
  const files = result.filesDeleted ? " and deleted its files" : "";
  switch (result.outcome) {
    case "would-revoke":
      return `Would revoke ${what}${result.url ? ` (${result.url})` : ""}`;
    case "already-revoked":
      return `${what} was already revoked${files}`;
    case "revoked":
      return `Revoked ${what}${files}`;
  }
}
