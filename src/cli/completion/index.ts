import { usageError } from "../../lib/errors.ts";
import { didYouMean } from "../../lib/suggest.ts";
import type { CommandRegistrar } from "../run.ts";
import { completionCommand } from "./command.ts";
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
};

const isShell = (name: string): name is Shell => (SHELLS as readonly string[]).includes(name);
