import type { ChalkInstance } from "chalk";
import type { LinkSummaryView } from "../../core/links.ts";
import { expiryFromNow, localDateTime } from "../../core/time-format.ts";
import { renderTable } from "../../ui/table.ts";

/** What `list` says when no link is shown: none match, or none were ever made. */
export function noLinksLine(filtered: boolean): string {
  return filtered
    ? "No links match."
    : "No links yet. Send a photo with: dmshare send photo.jpg --via dropbox";
}

/**
 * The links as one table (one string: a line at a time costs a system call each), statuses
 * coloured with `style`; columns aligned on a terminal, tab-separated elsewhere.
 */
export function linksTable(
  links: LinkSummaryView[],
  now: Date,
  style: ChalkInstance,
  terminal: boolean,
): string {
  const statusStyle: Record<LinkSummaryView["status"], (text: string) => string> = {
    active: style.green,
    pending: style.yellow,
    "needs-sharing": style.yellow,
    expired: style.dim,
    overdue: style.red,
    revoked: style.dim,
  };
  const rows = links.map((link) => [
    link.id,
    link.provider,
    link.kind,
    link.name,
    localDateTime(new Date(link.createdAt)),
    expiryColumn(link, now),
    statusStyle[link.status](link.status),
    link.url ?? "",
  ]);
  const header = ["ID", "PROVIDER", "KIND", "NAME", "CREATED", "EXPIRES", "STATUS", "URL"];
  return renderTable(header, rows, terminal).join("\n");
}

/** `expires in 3 days`, `expired 2 h ago`, `due 2 h ago, not revoked yet` (overdue), `never`. */
export function expiryColumn(link: LinkSummaryView, now: Date): string {
  if (!link.expiresAt) return "never";
  const relative = expiryFromNow(new Date(link.expiresAt), now);
  return link.status === "overdue"
    ? `${relative.replace(/^expired /, "due ")}, not revoked yet`
    : relative;
}
