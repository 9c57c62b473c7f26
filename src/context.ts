import type { Readable, Writable } from "node:stream";
import { usageError } from "./lib/errors.ts";

export type Env = Readonly<Record<string, string | undefined>>;

export interface InputStream extends Readable {
  isTTY?: boolean;
}

export interface OutputStream extends Writable {
  isTTY?: boolean;
  columns?: number;
}

/**
 * The process dmshare runs as, for what depends on the platform: the entry (main.ts) fills it
 * from the real process, and nothing else in src/ reads the `process` global.
 */
export interface System {
  platform: NodeJS.Platform;
  pid: number;
  /** The command line that runs this very dmshare: node and its script (for timers). */
  self: readonly string[];
  /** Whether process `pid` runs (signal 0; EPERM means it runs as another user). */
  isAlive(pid: number): boolean;
  /** Sends this process SIGINT, as a terminal's Ctrl-C does. */
  interrupt(): void;
}

/**
 * Everything a command may touch outside its own arguments. The binary builds it from the
 * real process (main.ts, `realContext`); tests build one from in-memory streams, a fixed
 * clock and a temp dir.
 */
export interface Ctx {
  stdin: InputStream;
  stdout: OutputStream;
  stderr: OutputStream;
  env: Env;
  cwd: string;
  now: () => Date;
  fetch: typeof globalThis.fetch;
  openUrl: (url: string) => Promise<void>;
  system: System;
  paths: { configDir: string };
  /** Aborted when the user presses Ctrl-C. */
  signal: AbortSignal;
  /**
   * How a provider call waits before trying again (default: a timer); false when the signal
   * aborted first. Tests give one that moves their clock instead of waiting.
   */
  sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<boolean>;
  /** Told when a provider call waits before trying again; the UI shows it on a terminal. */
  onRetry?: (reason: string, delayMs: number) => void;
  /** Told about something the user should know that does not stop the command (stderr). */
  onNotice?: (text: string, hint?: string) => void;
  /**
   * What a second Ctrl-C, which quits at once, prints: set while a command does something
   * it would leave unfinished (how to finish it), else unset. `onQuitNow` holds what must
   * not stay behind however the process ends (run synchronously as it exits).
   */
  lastWords?: LastWords;
}

/**
 * The real clock, or for tests only (`DMSHARE_NOW=2026-12-01T10:00:00Z`) one that starts at
 * that moment and runs on from there, so expiry can be tested without waiting.
 */
export function clockFrom(setting: string | undefined, realNow = Date.now): () => Date {
  if (setting === undefined || setting.trim() === "") return () => new Date(realNow());
  const start = Date.parse(setting.trim());
  const startedAt = realNow();
  return () => {
    // Checked when the clock is read, so a bad value is a usage error like any other.
    if (Number.isNaN(start)) {
      throw usageError(
        `DMSHARE_NOW "${setting}" is not a date and time.`,
        "DMSHARE_NOW is for tests only: unset it, or give an ISO time such as 2026-12-01T10:00:00Z.",
      );
    }
    return new Date(start + (realNow() - startedAt));
  };
}

/** See Ctx.lastWords. */
export interface LastWords {
  text?: string;
  onQuitNow?: Set<() => void>;
}
