import { usageError } from "../lib/errors.ts";

const UNIT_MS = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
} as const;

/**
 * Durations `--expires`, `--older-than` and `--since` accept (the parsers below read them),
 * offered by completion. A date (2026-12-31) is accepted too, but is not worth offering.
 */
export const DURATION_EXAMPLES: readonly string[] = ["30m", "1h", "12h", "1d", "7d", "2w", "30d"];

/** `30m`, `12h`, `7d`, `2w` in milliseconds, or null when `text` is not such a duration. */
function durationMs(text: string): number | null {
  const match = /^(\d+)\s*([mhdw])$/i.exec(text.trim());
  if (!match) return null;
  const [, amount, unit] = match;
  return Number(amount) * UNIT_MS[unit?.toLowerCase() as keyof typeof UNIT_MS];
}

/** For `--older-than`: a positive duration such as `30d`. */
export function parseDuration(option: string, input: string): number {
  const ms = durationMs(input);
  if (ms === null || ms <= 0) {
    throw usageError(
      `Can't use ${option} "${input}": ${ms === null ? "it is not a duration" : "it must be more than zero"}.`,
      "Use a number and a unit: 30m, 12h, 7d or 2w.",
    );
  }
  return ms;
}

/**
 * `7d`, `12h`, `30m`, `2w`, or an ISO date (`2026-12-31`, the end of that day, local time)
 * or date-time. Returns the moment the link should stop working; it must be in the future.
 */
export function parseExpiry(input: string, now: Date): Date {
  const text = input.trim();
  const relative = durationMs(text);
  let when: Date;
  if (relative !== null) {
    when = new Date(now.getTime() + relative);
  } else if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    when = new Date(`${text}T23:59:59`);
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    when = new Date(text);
  } else {
    throw badExpiry(input, "it is not a duration or a date");
  }
  if (Number.isNaN(when.getTime())) throw badExpiry(input, "it is not a real date");
  if (when.getTime() <= now.getTime()) throw badExpiry(input, "it is not in the future");
  return when;
}

function badExpiry(input: string, reason: string) {
  return usageError(
    `Can't use --expires "${input}": ${reason}.`,
    "Use a duration like 30m, 12h, 7d or 2w, or a date like 2026-12-31.",
  );
}

/**
 * For `--since`: a duration back from now (`7d`: the last seven days), or a date (`2026-11-01`,
 * from the start of that day, local time) or date-time. Returns the earliest moment meant.
 */
export function parseSince(option: string, input: string, now: Date): Date {
  const text = input.trim();
  const relative = durationMs(text);
  let when: Date;
  if (relative !== null) when = new Date(now.getTime() - relative);
  else if (/^\d{4}-\d{2}-\d{2}$/.test(text)) when = new Date(`${text}T00:00:00`);
  else if (/^\d{4}-\d{2}-\d{2}T/.test(text)) when = new Date(text);
  else when = new Date(Number.NaN);
  if (Number.isNaN(when.getTime())) {
    throw usageError(
      `Can't use ${option} "${input}": it is not a duration or a date.`,
      "Use a duration back from now (30m, 12h, 7d, 2w) or a date like 2026-11-01.",
    );
  }
  return when;
}
