import type { Command } from "commander";
import type { Ctx } from "../../context.ts";
import { viewOf } from "../../core/links.ts";
import { type SyncChange, sync } from "../../core/sync.ts";
import { batchExitCode, EXIT_CODES } from "../../errors.ts";
import { displayNameOf } from "../../providers/registry.ts";
import { errorSummary, Output } from "../../ui/output.ts";
import { type CommandRegistrar, globalOptions } from "../program.ts";

interface SyncOptions {
  provider?: string;
  json?: boolean;
  dryRun?: boolean;
}

export const register: CommandRegistrar = (program, ctx, outcome) => {
  program
    .command("sync")
    .summary("reconcile the list of links with what the provider has")
    .description(
      "Compare dmshare's list of links with what each logged-in provider reports, and fix the " +
        "list: links revoked or deleted at the provider become revoked; links a send left " +
        "pending are completed when the link exists, or cleaned up (the uploaded files deleted) " +
        "when it doesn't; links in dmshare's folder that the list forgot (a crash, a ledger " +
        "restored from a backup) are added. Prints what changed.",
    )
    .option("--provider <name>", "only this provider (default: every one logged in)")
    .option("--dry-run", "show what would change, change nothing")
    .option("--json", "print the changes as a JSON array")
    .addHelpText(
      "after",
      `
Examples:
  $ dmshare sync
  $ dmshare sync --provider dropbox --dry-run
  $ dmshare sync --json | jq -r '.[] | "\\(.change) \\(.id)"'`,
    )
    .action(async (options: SyncOptions, command: Command) => {
      outcome.exitCode = await runSync(ctx, options, command);
    });
};

async function runSync(ctx: Ctx, options: SyncOptions, command: Command): Promise<number> {
  const output = new Output(ctx, { json: options.json, color: globalOptions(command).color });
  const dryRun = options.dryRun === true;
  const report = await sync(ctx, { provider: options.provider, dryRun });
  const now = ctx.now();
  const changes = report.synced.flatMap((each) => each.changes);
  if (options.json) {
    output.document([
      ...changes.map(({ change, entry, reason }) => ({
        ...viewOf(entry, now),
        change,
        reason,
      })),
      ...report.failures.map(({ provider, error }) => ({
        provider,
        change: "failed",
        error: errorSummary(error, ctx.env),
      })),
    ]);
  } else {
    for (const change of changes) output.result(describe(change, dryRun));
  }
  for (const each of report.synced) {
    const label = displayNameOf(each.provider);
    if (each.note) output.info(`${label}: ${each.note}`);
    else if (each.changes.length === 0) {
      output.info(
        `${label}: the list matches (${each.checked} ${each.checked === 1 ? "link" : "links"} checked); nothing ${dryRun ? "would change" : "changed"}.`,
      );
    }
    for (const { entry, reason } of each.waiting) {
      output.warn(`${label}: left ${entry.id} ${entry.name} pending: it ${reason}.`);
    }
  }
  for (const { provider, entries, reason } of report.skipped) {
    output.warn(
      `${displayNameOf(provider)}: ${entries} ${entries === 1 ? "link" : "links"} not checked: ${reason}.`,
    );
  }
  for (const { provider, error } of report.failures) {
    output.failure(`Could not sync ${displayNameOf(provider)}:`, error);
  }
  if (report.interrupted) {
    output.warn("Interrupted: the providers not shown above were not synced.");
    return EXIT_CODES.interrupted;
  }
  if (report.synced.length === 0 && report.failures.length === 0) {
    output.info("No provider is logged in: nothing to sync. Log in with: dmshare login dropbox");
  }
  return batchExitCode(
    report.synced.length,
    report.failures.map((failure) => failure.error),
  );
}

const VERBS: Record<SyncChange["change"], [done: string, would: string]> = {
  revoked: ["Marked revoked", "Would mark revoked"],
  completed: ["Completed", "Would complete"],
  cleaned: ["Cleaned up", "Would clean up"],
  adopted: ["Adopted", "Would adopt"],
};

function describe({ change, entry, reason }: SyncChange, dryRun: boolean): string {
  const verb = VERBS[change][dryRun ? 1 : 0];
  const url = entry.url && change !== "revoked" ? ` ${entry.url}` : "";
  return `${verb} ${entry.id} ${entry.name}${url}: ${reason}`;
}
