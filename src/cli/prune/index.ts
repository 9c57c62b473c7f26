import { EXIT_CODES, usageError } from "../../lib/errors.ts";
import type { Output } from "../../ui/output.ts";
import { runRevoke } from "../revoke/index.ts";
import type { CommandRegistrar } from "../run.ts";
import { type PruneOptions, pruneCommand } from "./command.ts";
import { envOnlyWarning, installedLines, uninstalledLine } from "./render.ts";

export const register: CommandRegistrar = (program, run) => {
  pruneCommand(program).action(async (options) => {
    run.exitCode =
      options.install || options.uninstall
        ? await runPruneTimer(run.output, options)
        : await runRevoke(run.output, [], { ...options, expired: true });
  });
};

/** `prune --install` / `--uninstall`: the hourly timer that runs `dmshare prune --yes`. */
async function runPruneTimer(output: Output, options: PruneOptions) {
  const { ctx } = output;
  if (options.install && options.uninstall) {
    throw usageError("--install and --uninstall can't be used together.");
  }
  const { realScheduler } = await import("../../store/scheduler.ts");
  const timers = await import("../../core/prune-timer.ts");
  const system = realScheduler(ctx);
  if (options.install) {
    const installed = await timers.installPruneTimer(
      system,
      timers.timerSpecFor(system, ctx.paths.configDir),
    );
    // The timer's runs get no DMSHARE_*_TOKEN: a login only there can't revoke anything.
    const { envOnlyLogins } = await import("../../core/session.ts");
    const { tokenVariable } = await import("../../providers/catalog.ts");
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
      const [done, next] = installedLines(timers.describeTimer(installed));
      output.success(done);
      output.info(next);
    }
    for (const name of envOnly) output.warn(...envOnlyWarning(name, tokenVariable(name)));
    return EXIT_CODES.success;
  }
  const removed = await timers.uninstallPruneTimer(system);
  if (options.json) output.document({ installed: false, removed });
  else if (removed.length === 0) output.info(uninstalledLine(removed));
  else output.success(uninstalledLine(removed));
  return EXIT_CODES.success;
}
