import type { LinkSummaryView } from "../../core/links.ts";
import { liveLinks } from "../../core/live-links.ts";
import { humanSpan } from "../../core/time-format.ts";
import { chooseSome } from "../../ui/ask.ts";
import type { Output } from "../../ui/output.ts";
import { safeCell } from "../../ui/table.ts";

/**
 * At a terminal, `dmshare revoke` alone offers the links that still work (newest first: id,
 * name and age; the URL of the one under the cursor) to tick, as `send` offers photos; the
 * usual confirmation follows. The ids picked, or null when there is no link to revoke (said
 * on stderr).
 */
export async function pickLinks(output: Output): Promise<string[] | null> {
  const { ctx } = output;
  const live = await liveLinks(ctx);
  if (live.length === 0) {
    output.info("No links that still work: nothing to revoke.");
    return null;
  }
  const now = ctx.now().getTime();
  return chooseSome(
    output,
    "nothing was revoked.",
    "Links to revoke (space ticks, enter revokes)",
    live.map((link) => pickerChoice(link, now)),
  );
}

/**
 * One screen line per link (the URL of the row under the cursor shows below the list), its
 * name and URL as text only: no escape sequence, control character or bidi override.
 */
export const pickerChoice = (
  link: Pick<LinkSummaryView, "id" | "name" | "url" | "createdAt" | "status">,
  now: number,
) => ({
  value: link.id,
  name: safeCell(
    `${link.id}  ${shortened(link.name)}  ${humanSpan(now - Date.parse(link.createdAt))} ago${link.status === "overdue" ? " (overdue)" : ""}`,
  ),
  description: link.url ? safeCell(link.url) : undefined,
  short: link.id,
});

/** A long name cut to fit a line beside its id and age. */
const shortened = (name: string) =>
  [...name].length > 40 ? `${[...name].slice(0, 39).join("")}…` : name;
