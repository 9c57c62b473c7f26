const pad = (n: number) => String(n).padStart(2, "0");

/** `2026-11-22 14:05` in local time; album names use `.` between hours and minutes. */
export function localDateTime(when: Date, timeSeparator = ":"): string {
  const date = `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())}`;
  return `${date} ${pad(when.getHours())}${timeSeparator}${pad(when.getMinutes())}`;
}
