import { withoutControls } from "../lib/text.ts";
import { displayWidth, truncate } from "./table.ts";

/** One file of an upload and how much of it has gone up. */
export interface FileTransfer {
  name: string;
  bytes: number;
  sent: number;
}

/** An upload in flight: its files and when it started (ms on the run's clock). */
export interface Transfer {
  files: FileTransfer[];
  startedAt: number;
}

/** Below this, a rate is mostly the connection's start-up: no rate or ETA is shown yet. */
const MIN_SECONDS_FOR_RATE = 0.5;

/**
 * `beach.jpg  3/40  52.1 MB of 120 MB  43%  18.2 MB/s  ETA 4s`, at most `width` columns wide:
 * the name gives way first (cut with `…`), then the ETA, the rate and the file count.
 * For an album the name is the file going up (with `+N` when several go up at once).
 */
export function progressLine(transfer: Transfer, nowMs: number, width: number): string {
  const total = transfer.files.reduce((sum, file) => sum + file.bytes, 0);
  const sent = transfer.files.reduce((sum, file) => sum + Math.min(file.sent, file.bytes), 0);
  const seconds = (nowMs - transfer.startedAt) / 1000;
  const rate = seconds >= MIN_SECONDS_FOR_RATE && sent > 0 ? sent / seconds : undefined;
  const percent = total > 0 ? Math.floor((sent / total) * 100) : 100;
  const { name, count } = currentFiles(transfer.files);
  const amount = `${formatBytes(sent)} of ${formatBytes(total)}  ${percent}%`;
  // Every byte has left (the network stack took it) and the server has yet to answer: a rate
  // fading with each second and "ETA 0s" would not be true, so the line says what it waits for.
  const waiting = total > 0 && sent >= total;
  const speed = rate === undefined || waiting ? undefined : `${formatBytes(rate)}/s`;
  const eta = waiting
    ? "waiting for the reply"
    : rate === undefined
      ? undefined
      : `ETA ${formatDuration((total - sent) / rate)}`;
  // The fullest line whose name still has room, else the barest one.
  const choices = [
    [count, amount, speed, eta],
    [count, amount, speed],
    [count, amount],
    [amount],
  ].map((parts) => parts.filter((part): part is string => part !== undefined));
  const fits = (parts: string[]) => width - displayWidth(parts.join("  ")) - 2 >= MIN_NAME_WIDTH;
  const parts = choices.find(fits) ?? [amount];
  const room = width - displayWidth(parts.join("  ")) - 2;
  const fitted = truncate(name, Math.max(0, room));
  // Narrower than the numbers alone: cut, never wrapped.
  return truncate([fitted, ...parts].filter((part) => part !== "").join("  "), width);
}

/** Room under which a name is not worth showing: the numbers are kept instead. */
const MIN_NAME_WIDTH = 8;

/** The file going up (the first of those going up at once, `+N` for the others) and `3/40`. */
function currentFiles(files: FileTransfer[]): { name: string; count?: string } {
  const going = files.filter((file) => file.sent > 0 && file.sent < file.bytes);
  const done = files.filter((file) => file.bytes > 0 && file.sent >= file.bytes).length;
  const first = going[0] ?? files.find((file) => file.sent < file.bytes) ?? files.at(-1);
  const base = withoutControls(first?.name ?? "");
  const name = going.length > 1 ? `${base} +${going.length - 1}` : base;
  if (files.length <= 1) return { name };
  return { name, count: `${Math.min(done + 1, files.length)}/${files.length}` };
}

/** `4s`, `1m 05s`, `2h 03m`. */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.ceil(seconds));
  if (whole < 60) return `${whole}s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes}m ${String(whole % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`;
}

const UNITS = ["B", "KB", "MB", "GB", "TB"];

/** 2.4 MB (decimal units, as file managers show them). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? Math.round(value) : value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}
