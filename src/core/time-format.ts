const pad = (n: number) => String(n).padStart(2, "0");

/** `2026-11-22 14:05` in local time; album names use `.` between hours and minutes. */
export function localDateTime(when: Date, timeSeparator = ":"): string {
  const date = `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())}`;
  return `${date} ${pad(when.getHours())}${timeSeparator}${pad(when.getMinutes())}`;
}

/** `3 days`, `2 h`, `5 min`, `less than a minute`: a span of time, rounded for reading. */
export function humanSpan(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  if (minutes < 1) return "less than a minute";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  const days = Math.round(hours / 24);
  return `${days} ${days === 1 ? "day" : "days"}`;
}

/** `expires in 3 days` or `expired 2 h ago`, relative to `now`. */
export function expiryFromNow(expiresAt: Date, now: Date): string {
  const ms = expiresAt.getTime() - now.getTime();
  return ms > 0 ? `expires in ${humanSpan(ms)}` : `expired ${humanSpan(ms)} ago`;
}
