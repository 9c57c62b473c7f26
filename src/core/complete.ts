import type { Ctx } from "../context.ts";
import { withoutControls } from "../lib/text.ts";
import { findProvider } from "../providers/catalog.ts";
import { peekSummaries } from "../store/ledger-peek.ts";
import { ledgerPath } from "../store/paths.ts";
import { statusOf } from "./links.ts";
import { isLive } from "./live-links.ts";
import { humanSpan } from "./time-format.ts";

/** A word shell completion may offer, and what zsh and fish show beside it. */
export interface Candidate {
  value: string;
  description: string;
}

/** A value that can be typed as one word of a command line: no control characters. */
const typeable = (text: string) => text.length > 0 && withoutControls(text) === text;

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
  return summaries.flatMap((summary) => {
    const status = statusOf(summary, now);
    if (!isLive(status) || !typeable(summary.id)) return [];
    return [
      {
        value: summary.id,
        description: withoutControls(
          `${summary.name} (${summary.kind === "album" ? "album, " : ""}${providerName(summary.provider)}, ${age(summary.createdAt, now)}${status === "overdue" ? ", overdue" : ""})`,
        ),
      },
    ];
  });
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
      description: withoutControls(
        `album, ${providerName(summary.provider)}, ${age(summary.createdAt, now)}`,
      ),
    });
  }
  return candidates;
}
