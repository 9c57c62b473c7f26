import { accountStatus } from "../../core/status.ts";
import { EXIT_CODES } from "../../lib/errors.ts";
import type { Output } from "../../ui/output.ts";
import type { CommandRegistrar } from "../run.ts";
import { type StatusOptions, statusCommand } from "./command.ts";
import { expiryLine, overdueLine, statusLine } from "./render.ts";

export const register: CommandRegistrar = (program, run) => {
  statusCommand(program).action(async (options) => {
    run.exitCode = await runStatus(run.output, options);
  });
};

async function runStatus(output: Output, options: StatusOptions) {
  const { ctx } = output;
  const statuses = await accountStatus(ctx);
  if (options.json) output.document(statuses);
  else {
    for (const status of statuses) output.result(statusLine(status, output.out));
    const { realScheduler } = await import("../../store/scheduler.ts");
    const { dmshareExpiryHere } = await import("../../core/prune-timer.ts");
    const expiry = await dmshareExpiryHere(realScheduler(ctx), ctx.paths.configDir);
    output.result(expiryLine(expiry, output.out));
    const overdue = await overdueLinks(output);
    if (overdue > 0) output.result(overdueLine(overdue, output.out));
  }
  return statuses.some((status) => status.state === "rejected")
    ? EXIT_CODES.auth
    : EXIT_CODES.success;
}

/** Links past the expiry dmshare enforces that still work (auto-prune failed, or is off). */
async function overdueLinks({ ctx }: Output): Promise<number> {
  const { openLedger } = await import("../../core/session.ts");
  const { isOverdue } = await import("../../core/links.ts");
  const now = ctx.now();
  const links = await openLedger(ctx)
    .summaries()
    .catch(() => []);
  return links.filter((link) => isOverdue(link, now)).length;
}
