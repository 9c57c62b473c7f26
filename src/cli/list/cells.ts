import type { LinkSummaryView } from "../../core/links.ts";
import { humanSpan } from "../../core/time-format.ts";
import { safeCell } from "../../ui/table.ts";

/** What each column of `list` shows, in order; the JSON fields are LinkView's. */
export const TITLES = ["ID", "PROVIDER", "KIND", "NAME", "CREATED", "EXPIRES", "STATUS", "URL"];
export const STATUS_COLUMN = TITLES.indexOf("STATUS");

/**
 * A row as piped: facts a script can parse. Times are RFC 3339 in UTC to the second
 * (`2026-12-06T10:00:00Z`), a link without an expiry has an empty EXPIRES.
 */
export function pipedCells(link: LinkSummaryView): string[] {
  return [
    link.id,
    link.provider,
    link.kind,
    safeCell(link.name),
    rfc3339(link.createdAt),
    link.expiresAt ? rfc3339(link.expiresAt) : "",
    link.status,
    safeCell(link.url ?? ""),
  ];
}

/** A row at a terminal: short local dates, the expiry relative to `now`. */
export function terminalCells(link: LinkSummaryView, now: Date): string[] {
  return [
    link.id,
    link.provider,
    link.kind,
    safeCell(link.name),
    shortDate(new Date(link.createdAt), now),
    expiryCell(link, now),
    link.status,
    safeCell(link.url ?? ""),
  ];
}

/**
 * `in 3 days`, `2 h ago` (an expired or overdue link: STATUS says which), `never`; `-` for a
 * revoked link, whose expiry no longer matters: no row says a dead link "expires in" anything.
 */
export function expiryCell(link: LinkSummaryView, now: Date): string {
  if (link.status === "revoked") return "-";
  if (!link.expiresAt) return "never";
  const ms = Date.parse(link.expiresAt) - now.getTime();
  const span = humanSpan(ms).replace("less than a minute", "<1 min");
  return ms > 0 ? `in ${span}` : `${span} ago`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number) => String(n).padStart(2, "0");

/** `Nov 20 14:05` in local time, `Nov 20  2025` in another year than `now` (as `ls -l`). */
export function shortDate(when: Date, now: Date): string {
  const day = `${MONTHS[when.getMonth()]} ${pad(when.getDate())}`;
  return when.getFullYear() === now.getFullYear()
    ? `${day} ${pad(when.getHours())}:${pad(when.getMinutes())}`
    : `${day}  ${when.getFullYear()}`;
}

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$/;

/** A stored time as RFC 3339 in UTC to the second; the stored text is one already, mostly. */
export function rfc3339(stored: string): string {
  if (ISO_UTC.test(stored)) return stored.length === 20 ? stored : `${stored.slice(0, 19)}Z`;
  const time = Date.parse(stored);
  return Number.isNaN(time) ? "" : `${new Date(time).toISOString().slice(0, 19)}Z`;
}
