import type { Ctx } from "../context.ts";
import { findProvider } from "../providers/catalog.ts";
import { peekSummaries } from "../store/ledger-peek.ts";
import { ledgerPath } from "../store/paths.ts";
import { statusOf } from "./links.ts";
import { humanSpan } from "./time-format.ts";

/** A word shell completion may offer, and what zsh and fish show beside it. */
export interface Candidate {
  value: string;
  description: string;
}

/**
 * What a name read from the ledger may show on a terminal: control characters (a newline,
 * an escape sequence in a file name) become spaces, so a completion menu can't be rewritten.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: replacing them is the point
const printable = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ");

/** A value that can be typed as one word of a command line: no control characters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
const typeable = (text: string) => text.length > 0 && !/[\u0000-\u001f\u007f-\u009f]/.test(text);

const providerName = (name: string) => {
  try {
    return findProvider(name).displayName;
  } catch {
    return name;
  }
};

const age = (createdAt: string, now: Date) =>
  `${humanSpan(now.getTime() - Date.parse(createdAt))} ago`;

/**
 * The links `revoke` can stop that still work (active, or past an expiry dmshare enforces and
 * not yet revoked), newest first, with their names: read-only, and nothing when the ledger
 * can't be read. Never a URL: a Tab press shows ids and names only.
 */
export async function liveLinkCandidates(ctx: Ctx): Promise<Candidate[]> {
  const now = ctx.now();
  const summaries = await peekSummaries(ledgerPath(ctx.paths.configDir), "active");
  return summaries
    .filter((summary) => {
      const status = statusOf(summary, now);
      return (status === "active" || status === "overdue") && typeable(summary.id);
    })
    .map((summary) => ({
      value: summary.id,
      description: printable(
        `${summary.name} (${summary.kind === "album" ? "album, " : ""}${providerName(summary.provider)}, ${age(summary.createdAt, now)}${statusOf(summary, now) === "overdue" ? ", overdue" : ""})`,
      ),
    }));
}

/** The album names in the ledger, newest first, each once. */
export async function albumCandidates(ctx: Ctx): Promise<Candidate[]> {
  const now = ctx.now();
  const summaries = await peekSummaries(ledgerPath(ctx.paths.configDir), "albums");
  const seen = new Set<string>();
  const candidates: Candidate[] = [];
  for (const summary of summaries) {
    if (!typeable(summary.name) || seen.has(summary.name)) continue;
    seen.add(summary.name);
    candidates.push({
      value: summary.name,
      description: printable(
        `album, ${providerName(summary.provider)}, ${age(summary.createdAt, now)}`,
      ),
    });
  }
  return candidates;
}
