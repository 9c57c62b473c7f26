import type { Command } from "commander";
import type { Ctx } from "../context.ts";
import { viewOf } from "../core/links.ts";
import { type RevokeResult, revokeLinks, selectLinks } from "../core/revoke.ts";
import { batchExitCode, EXIT_CODES, interruptedError, usageError } from "../errors.ts";
import type { LedgerEntry } from "../store/ledger.ts";
import { errorSummary, Output } from "../ui/output.ts";
import { readLine } from "../ui/prompt.ts";
import { type CommandRegistrar, globalOptions } from "./program.ts";

interface RevokeCliOptions {
  all?: boolean;
  expired?: boolean;
  olderThan?: string;
  album?: boolean;
  deleteFiles?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
}

export const register: CommandRegistrar = (program, ctx, outcome) => {
  const revoke = program
    .command("revoke")
    .summary("stop links from working")
    .description(
      "Stop links from working. Name them by id (or its first 4+ characters) or by URL, or " +
        "select them with --expired, --older-than, --album or --all. Revoking a link that is " +
        "already revoked succeeds and says so. More than one link needs a confirmation: a " +
        "question on a terminal, --yes elsewhere (except --expired alone: those links reached " +
        "the expiry you gave them).",
    )
    .argument("[links...]", "link ids or URLs, as dmshare list shows them")
    .option("--expired", "every link whose expiry has passed")
    .option("--older-than <duration>", "every link made longer ago than 30m, 12h, 7d, 2w …")
    .option("--album", "only album links (alone: every album link that still works)")
    .option("--all", "every link that still works");
  withOutcomeOptions(revoke)
    .addHelpText(
      "after",
      `
Examples:
  $ dmshare revoke k3x9m2qa
  $ dmshare revoke 'https://www.dropbox.com/scl/fi/…/beach.jpg?rlkey=…&dl=0'
    (quote URLs: an unquoted shell cuts them at "&")
  $ dmshare revoke k3x9 7hw2 --delete-files --yes
  $ dmshare revoke --older-than 30d --dry-run
  $ dmshare revoke --all --album`,
    )
    .action(async (refs: string[], options: RevokeCliOptions, command: Command) => {
      outcome.exitCode = await runRevoke(ctx, refs, options, command);
    });

  const prune = program
    .command("prune")
    .summary("revoke the links whose expiry has passed (revoke --expired)")
    .description(
      "Revoke every link whose expiry has passed: the same as dmshare revoke --expired. Where " +
        "the provider or plan has no link expiry (Dropbox Basic, Google Drive) dmshare revokes " +
        "the link itself: every dmshare command does this first (dmshare config set auto-prune " +
        "off stops that), and --install sets up an hourly timer so it happens on time even " +
        "when you don't use dmshare. It asks nothing, since you chose these expiries when " +
        "sending (--yes is accepted for scripts), except with --delete-files.",
    )
    .option(
      "--install",
      "run dmshare prune --yes every hour: a systemd user timer (else crontab), a launchd agent on macOS, a scheduled task on Windows",
    )
    .option("--uninstall", "remove that timer");
  withOutcomeOptions(prune)
    .addHelpText(
      "after",
      `
Examples:
  $ dmshare prune
  $ dmshare prune --dry-run --json
  $ dmshare prune --install
  $ dmshare prune --uninstall`,
    )
    .action(async (options: PruneCliOptions, command: Command) => {
      if (options.install || options.uninstall) {
        outcome.exitCode = await runPruneTimer(ctx, options, command);
        return;
      }
      outcome.exitCode = await runRevoke(ctx, [], { ...options, expired: true }, command);
    });
};

interface PruneCliOptions extends RevokeCliOptions {
  install?: boolean;
  uninstall?: boolean;
}

/** `prune --install` / `--uninstall`: the hourly timer that runs `dmshare prune --yes`. */
async function runPruneTimer(ctx: Ctx, options: PruneCliOptions, command: Command) {
  const output = new Output(ctx, { json: options.json, color: globalOptions(command).color });
  if (options.install && options.uninstall) {
    throw usageError("--install and --uninstall can't be used together.");
  }
  const { realScheduler } = await import("../store/scheduler.ts");
  const timers = await import("../core/prune-timer.ts");
  const system = realScheduler(ctx);
  if (options.install) {
    const installed = await timers.installPruneTimer(
      system,
      timers.timerSpecFor(system, ctx.paths.configDir),
    );
    // The timer's runs get no DMSHARE_*_TOKEN: a login only there can't revoke anything.
    const { envOnlyLogins } = await import("../core/session.ts");
    const { tokenVariable } = await import("../providers/registry.ts");
    const envOnly = await envOnlyLogins(ctx);
    if (options.json)
      output.document({
        installed: true,
        kind: installed.kind,
        where: installed.where,
        configDir: installed.configDir ?? null,
        envOnlyLogins: envOnly,
      });
    else {
      output.success(
        `Installed ${timers.describeTimer(installed)}: it runs dmshare prune --yes, so links past their expiry are revoked within the hour.`,
      );
      output.info("dmshare status shows it; dmshare prune --uninstall removes it.");
    }
    for (const name of envOnly) {
      output.warn(
        `The timer can't revoke your ${name} links: that login is only in ${tokenVariable(name)}, which the timer does not get (it never keeps a token).`,
        `Store the login so the timer can use it: dmshare login ${name}   (or: dmshare login ${name} --token -)`,
      );
    }
    return EXIT_CODES.success;
  }
  const removed = await timers.uninstallPruneTimer(system);
  if (options.json) output.document({ installed: false, removed });
  else if (removed.length === 0)
    output.info("No dmshare prune timer was installed: nothing to remove.");
  else output.success(`Removed the dmshare prune timer (${removed.join(", ")}).`);
  return EXIT_CODES.success;
}

/** What revoke and prune both offer: what else to do, and how to say what was done. */
function withOutcomeOptions(command: Command): Command {
  return command
    .option("--delete-files", "also delete the uploaded files from the provider")
    .option("--dry-run", "show what would be revoked, do nothing")
    .option("-y, --yes", "do not ask for confirmation")
    .option("--json", "print the result as a JSON array");
}

async function runRevoke(ctx: Ctx, refs: string[], options: RevokeCliOptions, command: Command) {
  const output = new Output(ctx, { json: options.json, color: globalOptions(command).color });
  const entries = await selectLinks(ctx, {
    refs,
    all: options.all === true,
    expired: options.expired === true,
    olderThan: options.olderThan,
    album: options.album === true,
    onNote: (text) => output.warn(text),
  });
  const deleteFiles = options.deleteFiles === true;
  const dryRun = options.dryRun === true;
  const nothing = (why: string) => {
    if (options.json) output.document([]);
    else output.info(why);
    return EXIT_CODES.success;
  };
  if (entries.length === 0) return nothing("No links match: nothing to revoke.");
  // Expired links reached the expiry the user chose when sending: revoking them needs no yes.
  const chosenAlready =
    options.expired === true &&
    refs.length === 0 &&
    !options.all &&
    options.olderThan === undefined &&
    !options.album &&
    !deleteFiles;
  if (
    !dryRun &&
    !options.yes &&
    !chosenAlready &&
    !(await confirm(ctx, output, entries, deleteFiles))
  ) {
    return nothing("Nothing was revoked.");
  }
  const { results, failures, interrupted } = await revokeLinks(ctx, entries, {
    deleteFiles,
    dryRun,
  });
  if (options.json) {
    const now = ctx.now();
    output.document([
      ...results,
      ...failures.map(({ entry, error }) => ({
        ...viewOf(entry, now),
        outcome: "failed",
        error: errorSummary(error, ctx.env),
      })),
    ]);
  } else {
    for (const result of results) output.result(describe(result));
  }
  for (const { entry, error } of failures) {
    output.failure(
      entry.status === "revoked"
        ? `Revoked ${entry.id} ${entry.name}, but could not delete its files (run dmshare revoke ${entry.id} --delete-files again):`
        : `Could not revoke ${entry.id} ${entry.name}:`,
      error,
    );
  }
  if (interrupted) {
    output.warn(
      `Interrupted: ${results.length + failures.length} of ${entries.length} links were handled (shown above).`,
    );
    return EXIT_CODES.interrupted;
  }
  return batchExitCode(
    results.length,
    failures.map((failure) => failure.error),
  );
}

/**
 * More than one link going (or more than one link's files) needs a yes: asked on a
 * terminal, `--yes` elsewhere.
 */
async function confirm(ctx: Ctx, output: Output, entries: LedgerEntry[], deleteFiles: boolean) {
  const going = deleteFiles ? entries : entries.filter((entry) => entry.status !== "revoked");
  if (going.length <= 1) return true;
  const what = deleteFiles ? "links (and their files)" : "links";
  if (!ctx.stdin.isTTY) {
    throw usageError(
      `Refusing to revoke ${going.length} ${what} without a confirmation.`,
      "Add --yes to go ahead (stdin is not a terminal, so dmshare can't ask), or --dry-run to see which.",
    );
  }
  output.prompt(`These ${going.length} ${what} will go:`);
  for (const entry of going)
    output.prompt(`  ${entry.id}  ${entry.name}  ${entry.url ?? "(pending)"}`);
  let answer: string;
  try {
    answer = await readLine(ctx, `Revoke ${going.length} ${what}? [y/N] `);
  } catch (error) {
    if (ctx.signal.aborted) throw interruptedError("nothing was revoked.");
    throw error;
  }
  return /^y(es)?$/i.test(answer.trim());
}

function describe(result: RevokeResult): string {
  const what = `${result.id} ${result.name}`;
  const files = result.filesDeleted ? " and deleted its files" : "";
  switch (result.outcome) {
    case "would-revoke":
      return `Would revoke ${what}${result.url ? ` (${result.url})` : ""}`;
    case "already-revoked":
      return result.url
        ? `${what} was already revoked${files}`
        : `${what} had no link (its send was interrupted before one was made); marked revoked${files}`;
    case "revoked":
      return `Revoked ${what}${files}`;
  }
}
