import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import { autoPrune } from "../core/auto-prune.ts";
import type { Output } from "../ui/output.ts";
import type { GlobalOptions } from "./run.ts";

/**
 * The commands that first revoke the links whose dmshare-enforced expiry has passed. Not:
 * `prune` (it is that), `login`, `config` (`config set auto-prune off` must work when a
 * provider is down), `completion`, help and version (they run no action).
 */
const PRUNING_COMMANDS = new Set(["send", "list", "revoke", "sync", "status"]);

/**
 * Before `command` runs: revoke what is overdue, quietly, and say only what was revoked. A
 * dry run changes nothing, so it revokes nothing either.
 */
export async function autoPruneBefore(
  output: Output,
  command: CommandUnknownOpts,
  options: GlobalOptions,
): Promise<void> {
  if (!PRUNING_COMMANDS.has(topLevelName(command))) return;
  if (command.optsWithGlobals().dryRun) return;
  const outcome = await autoPrune(output.ctx);
  if (!outcome) return;
  const { revoked, left, problem } = outcome;
  if (revoked.length > 0) {
    const names = revoked.map((link) => `${link.id} ${link.name}`).join(", ");
    output.info(
      output.err.dim(
        `Revoked ${revoked.length === 1 ? "a link" : `${revoked.length} links`} past the expiry you gave: ${names}`,
      ),
    );
  }
  // A failure here must not spoil the command: it is said only with --verbose, and `list`
  // shows the links as overdue; the next command (or `dmshare prune`) tries again.
  if (left > 0 && options.verbose) {
    output.warn(
      `Could not revoke ${left === 1 ? "a link" : `${left} links`} past ${left === 1 ? "its" : "their"} expiry now (${problem}).`,
      "dmshare tries again in a few minutes; dmshare prune does it now.",
    );
  }
}

function topLevelName(command: CommandUnknownOpts): string {
  let top = command;
  while (top.parent?.parent) top = top.parent;
  return top.name();
}
