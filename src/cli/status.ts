import type { Command } from "commander";
import type { Ctx } from "../context.ts";
import { accountStatus, type ProviderStatus } from "../core/status.ts";
import { EXIT_CODES } from "../errors.ts";
import { Output } from "../ui/output.ts";
import { type CommandRegistrar, globalOptions } from "./program.ts";

export const register: CommandRegistrar = (program, ctx, outcome) => {
  program
    .command("status")
    .summary("show which accounts dmshare can use")
    .option("--json", "print the status as a JSON array")
    .addHelpText("after", "\nExamples:\n  $ dmshare status\n  $ dmshare status --json")
    .action(async (options: { json?: boolean }, command: Command) => {
      outcome.exitCode = await runStatus(ctx, options, command);
    });
};

async function runStatus(ctx: Ctx, options: { json?: boolean }, command: Command) {
  const output = new Output(ctx, { json: options.json, color: globalOptions(command).color });
  const statuses = await accountStatus(ctx);
  if (options.json) output.document(statuses);
  else {
    for (const status of statuses) output.result(describe(status, output));
    output.result(await describeExpiry(ctx, output));
    const overdue = await overdueLinks(ctx);
    if (overdue > 0) {
      output.result(
        `${output.out.yellow("!")} ${overdue === 1 ? "A link is" : `${overdue} links are`} past ${overdue === 1 ? "its" : "their"} expiry and still ${overdue === 1 ? "works" : "work"} (dmshare list --status overdue). Run: dmshare prune`,
      );
    }
  }
  return statuses.some((status) => status.state === "rejected")
    ? EXIT_CODES.auth
    : EXIT_CODES.success;
}

/**
 * Whether a prune timer is installed: the links whose expiry dmshare enforces (Dropbox Basic,
 * Google Drive) end on time only with one.
 */
async function describeExpiry(ctx: Ctx, output: Output): Promise<string> {
  const { realScheduler } = await import("../store/scheduler.ts");
  const { describeTimer, dmshareExpiryHere } = await import("../core/prune-timer.ts");
  const { timer, timerHere, autoPrune } = await dmshareExpiryHere(
    realScheduler(ctx),
    ctx.paths.configDir,
  );
  const style = output.out;
  if (timer.kind !== null && !timerHere) {
    return `${style.yellow("!")} Expiry: ${describeTimer(timer)} prunes ${timer.configDir ? `another config folder (${timer.configDir})` : "a config folder it does not name"}, not this one. Run: dmshare prune --install`;
  }
  if (timer.kind !== null) {
    return `${style.green("✔")} Expiry: ${describeTimer(timer)} revokes links past the expiry dmshare enforces (dmshare prune --uninstall removes it)`;
  }
  const when = autoPrune
    ? "the next time dmshare runs"
    : "only when you run dmshare prune (auto-prune is off)";
  return `${style.dim("-")} Expiry: no prune timer installed; links past the expiry dmshare enforces are revoked ${when}. Run: dmshare prune --install`;
}

/** Links past the expiry dmshare enforces that still work (auto-prune failed, or is off). */
async function overdueLinks(ctx: Ctx): Promise<number> {
  const { openLedger } = await import("../core/session.ts");
  const { isOverdue } = await import("../core/links.ts");
  const now = ctx.now();
  const links = await openLedger(ctx)
    .summaries()
    .catch(() => []);
  return links.filter((link) => isOverdue(link, now)).length;
}

function describe(status: ProviderStatus, output: Output): string {
  const style = output.out;
  const where =
    status.source === "env" ? `token from ${status.location}` : `credentials in ${status.location}`;
  switch (status.state) {
    case "logged-in":
      return `${style.green("✔")} ${status.displayName}: logged in as ${status.account?.name}${status.account?.email ? ` (${status.account.email})` : ""}; ${where}`;
    case "rejected":
      return `${style.red("✖")} ${status.displayName}: ${status.problem}; ${where}. Run: dmshare login ${status.provider}`;
    case "logged-out":
      return `${style.dim("-")} ${status.displayName}: not logged in. Run: dmshare login ${status.provider}`;
  }
}
