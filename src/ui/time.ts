const pad = (n: number) => String(n).padStart(2, "0");

/** `2026-11-22 14:05` in local time. */
export function formatTime(iso: string): string {
  const when = new Date(iso);
  return (
    `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())} ` +
    `${pad(when.getHours())}:${pad(when.getMinutes())}`
  );
}
