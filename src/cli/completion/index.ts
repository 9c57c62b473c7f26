import { usageError } from "../../lib/errors.ts";
import { didYouMean } from "../../lib/suggest.ts";
import type { CommandRegistrar } from "../run.ts";
import { completeCommand, completionCommand } from "./command.ts";
import { completionScript, SHELLS, type Shell } from "./render.ts";

export const register: CommandRegistrar = (program, run) => {
  completionCommand(program).action((shell) => {
    const wanted = shell.trim().toLowerCase();
    if (!isShell(wanted)) {
      throw usageError(
        `dmshare has no completion for "${shell}".`,
        `${didYouMean(wanted, SHELLS)}Shells: ${SHELLS.join(", ")}, e.g. dmshare completion bash`,
      );
    }
    run.output.result(completionScript(program, wanted).trimEnd());
  });
  completeCommand(program).action(async (words) => {
    // What the scripts call on Tab: read-only, and silent (exit 0) whatever goes wrong, so
    // nothing but candidates ever lands in the command line being typed.
    try {
      const { candidatesFor } = await import("./candidates.ts");
      const text = await candidatesFor(program, run.ctx, words);
      if (text) run.output.result(text);
    } catch {}
  });
};

const isShell = (name: string): name is Shell => (SHELLS as readonly string[]).includes(name);
