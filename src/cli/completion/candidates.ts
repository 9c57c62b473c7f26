import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import type { Ctx } from "../../context.ts";
import { albumCandidates, liveLinkCandidates } from "../../core/complete.ts";
import { candidateLines, completeWords } from "./engine.ts";
import { specOf } from "./spec.ts";

/** The lines `dmshare __complete -- <words…>` prints, from the program and the ledger. */
export function candidatesFor(
  program: CommandUnknownOpts,
  ctx: Ctx,
  words: readonly string[],
): Promise<string> {
  return completeWords(specOf(program), words.length === 0 ? [""] : words, (kind) =>
    kind === "links" ? liveLinkCandidates(ctx) : albumCandidates(ctx),
  ).then(candidateLines);
}
