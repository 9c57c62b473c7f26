import { sync } from "../../core/sync.ts";
import { batchExitCode, EXIT_CODES } from "../../lib/errors.ts";
import { displayNameOf } from "../../providers/catalog.ts";
import type { Output } from "../../ui/output.ts";
import type { CommandRegistrar } from "../run.ts";
import { type SyncOptions, syncCommand } from "./command.ts";
import { changeLine, matchesLine, skippedLine, syncDocument } from "./render.ts";

export const register: CommandRegistrar = (program, run) => {
  syncCommand(program).action(async (options) => {
    run.exitCode = await runSync(run.output, options);
  });
};

async function runSync(output: Output, options: SyncOptions): Promise<number> {
  const { ctx } = output;
  const dryRun = options.dryRun === true;
  const report = await sync(ctx, { provider: options.provider, dryRun });
  if (options.json) output.document(syncDocument(report, ctx.now(), ctx.env));
  else {
    for (const change of report.synced.flatMap((each) => each.changes)) {
      output.result(changeLine(change, dryRun));
    }
  }
  for (const each of report.synced) {
    const label = displayNameOf(each.provider);
    if (each.note) output.info(`${label}: ${each.note}`);
    else if (each.changes.length === 0) output.info(matchesLine(label, each.checked, dryRun));
    for (const { entry, reason } of each.waiting) {
      output.warn(`${label}: left ${entry.id} ${entry.name} pending: it ${reason}.`);
    }
  }
  for (const { provider, entries, reason } of report.skipped) {
    output.warn(skippedLine(displayNameOf(provider), entries, reason));
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
