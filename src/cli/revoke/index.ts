import { noLinkChosen, revokeLinks, selectLinks } from "../../core/revoke.ts";
import { batchExitCode, EXIT_CODES, interruptedError, usageError } from "../../lib/errors.ts";
import type { LedgerEntry } from "../../store/ledger.ts";
import { canAsk } from "../../ui/ask.ts";
import type { Output } from "../../ui/output.ts";
import { readLine } from "../../ui/prompt.ts";
import { type CommandRegistrar, declined } from "../run.ts";
import { type RevokeOptions, revokeCommand } from "./command.ts";
import { pickLinks } from "./picker.ts";
import {
  confirmationLines,
  failurePrefix,
  interruptedLine,
  revokeDocument,
  revokeLine,
} from "./render.ts";

export const register: CommandRegistrar = (program, run) => {
  revokeCommand(program).action(async (refs, options) => {
    // At a terminal, no link named: a picker of the links that still work (./picker.ts).
    const picked =
      noLinkChosen({ ...options, refs }) && canAsk(run.ctx) ? await pickLinks(run.output) : refs;
    if (picked === null) {
      if (options.json) run.output.document([]);
      return;
    }
    run.exitCode = await runRevoke(run.output, picked, options);
  });
};

/** `revoke`, and `prune` (`revoke --expired`): select, confirm, revoke, report. */
export async function runRevoke(output: Output, refs: string[], options: RevokeOptions) {
  const { ctx } = output;
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
  if (
    !dryRun &&
    !options.yes &&
    !chosenAlready(refs, options) &&
    !(await confirm(output, entries, deleteFiles))
  ) {
    if (options.json) output.document([]);
    return declined(output, "revoked");
  }
  const { results, failures, interrupted } = await revokeLinks(ctx, entries, {
    deleteFiles,
    dryRun,
  });
  if (options.json) output.document(revokeDocument(results, failures, ctx.now(), ctx.env));
  else for (const result of results) output.result(revokeLine(result));
  for (const { entry, error } of failures) output.failure(failurePrefix(entry), error);
  if (interrupted) {
    output.warn(interruptedLine(results.length + failures.length, entries.length));
    return EXIT_CODES.interrupted;
  }
  return batchExitCode(
    results.length,
    failures.map((failure) => failure.error),
  );
}

/** Expired links reached the expiry the user chose when sending: revoking them needs no yes. */
function chosenAlready(refs: string[], options: RevokeOptions): boolean {
  return (
    options.expired === true &&
    refs.length === 0 &&
    !options.all &&
    options.olderThan === undefined &&
    !options.album &&
    !options.deleteFiles
  );
}

/**
 * More than one link going (or more than one link's files) needs a yes: asked on a
 * terminal, `--yes` elsewhere.
 */
async function confirm(output: Output, entries: LedgerEntry[], deleteFiles: boolean) {
  const { ctx } = output;
  const going = deleteFiles ? entries : entries.filter((entry) => entry.status !== "revoked");
  if (going.length <= 1) return true;
  const what = deleteFiles ? "links (and their files)" : "links";
  if (!ctx.stdin.isTTY) {
    throw usageError(
      `Refusing to revoke ${going.length} ${what} without a confirmation.`,
      "Add --yes to go ahead (stdin is not a terminal, so dmshare can't ask), or --dry-run to see which.",
    );
  }
  for (const line of confirmationLines(going, what)) output.prompt(line);
  let answer: string;
  try {
    // (y/N): the default in capitals, in brackets as inquirer's and gh's questions.
    answer = await readLine(ctx, `Revoke ${going.length} ${what}? (y/N) `);
  } catch (error) {
    if (ctx.signal.aborted) throw interruptedError("nothing was revoked.");
    throw error;
  }
  return /^y(es)?$/i.test(answer.trim());
}
