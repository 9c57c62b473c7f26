import { execFile, execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, expect } from "vitest";
import { BIN, baseEnv, tempDir } from "./cli.ts";

const run = promisify(execFile);

/**
 * A real terminal for a test: the built binary runs in a detached tmux session of a fixed
 * size, on a tmux server of its own (nothing is shared with the user's tmux). The test types
 * keys and reads the screen as a person would. Needs tmux (apt-get install tmux).
 */
export interface Terminal {
  /** The screen and its scrollback as plain text (`withEscapes`: with its colour codes). */
  screen(withEscapes?: boolean): Promise<string>;
  /** Types text literally, as if pasted. */
  type(text: string): Promise<void>;
  /** Presses keys by tmux name: Enter, Space, Down, Up, Tab, C-c … */
  press(...keys: string[]): Promise<void>;
  /** Waits until the screen shows `what`; fails with the screen after `timeoutMs`. */
  waitFor(what: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Waits for dmshare to exit and returns its exit code (the pane stays for `screen`). */
  exitCode(timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

let sessions = 0;

export interface TerminalOptions {
  env?: Record<string, string | undefined>;
  cwd: string;
  columns?: number;
  rows?: number;
}

/**
 * For the tests of a file (or describe) that run dmshare at a terminal: opens one (tmux must
 * be installed), and closes it after its test whatever happened.
 */
export function useTerminals(): (args: string[], options: TerminalOptions) => Promise<Terminal> {
  let open: Terminal | undefined;
  afterEach(async () => {
    await open?.close();
    open = undefined;
  });
  return async (args, options) => {
    expect(hasTmux(), "tmux is needed for this test: apt-get install tmux").toBe(true);
    open = await startTerminal(args, options);
    return open;
  };
}

/**
 * A detached tmux session of its own (its own socket, config and temp folder: nothing shared
 * with the user's tmux) running `command`, with the keys a person presses. `command` gets the
 * temp folder, for files the session writes.
 */
export async function tmuxSession(options: {
  name: string;
  conf: string;
  command: (work: string) => string;
  cwd: string;
  columns: number;
  rows: number;
}) {
  const work = await tempDir(`dmshare-${options.name}-`);
  const socket = `dmshare-${options.name}-${process.pid}-${++sessions}`;
  const conf = path.join(work.dir, "tmux.conf");
  await writeFile(conf, options.conf);
  const tmux = (...tmuxArgs: string[]) =>
    run("tmux", ["-L", socket, "-f", conf, ...tmuxArgs], { encoding: "utf8" });
  const target = options.name;
  await tmux(
    "new-session",
    "-d",
    "-s",
    target,
    "-x",
    String(options.columns),
    "-y",
    String(options.rows),
    "-c",
    options.cwd,
    options.command(work.dir),
  );
  return {
    tmux,
    work,
    type: async (text: string) => {
      await tmux("send-keys", "-t", target, "-l", text);
    },
    press: async (...keys: string[]) => {
      for (const key of keys) await tmux("send-keys", "-t", target, key);
    },
    close: async () => {
      await tmux("kill-server").catch(() => undefined);
      await work.cleanup();
    },
  };
}

/** `env -i` with `env` (unset values left out) and then `argv`, for a tmux session's shell. */
export const envCommand = (env: Record<string, string | undefined>, argv: string[]) =>
  [
    "env -i",
    ...Object.entries(env)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => shellQuote(`${key}=${value}`)),
    ...argv.map(shellQuote),
  ].join(" ");

export async function startTerminal(args: string[], options: TerminalOptions): Promise<Terminal> {
  // The exit status goes to a file: tmux does not always learn it from the pane.
  const statusOf = (work: string) => path.join(work, "status");
  const session = await tmuxSession({
    name: "test",
    // The pane stays after dmshare exits, so its last screen can be read.
    conf: "set -g remain-on-exit on\nset -g status off\nset -g history-limit 5000\n",
    command: (work) =>
      `${envCommand(baseEnv({ TERM: "screen", ...options.env }), [process.execPath, BIN, ...args])} ; echo $? > ${shellQuote(statusOf(work))}`,
    cwd: options.cwd,
    columns: options.columns ?? 100,
    rows: options.rows ?? 30,
  });
  const { tmux } = session;
  const statusFile = statusOf(session.work.dir);

  // The whole pane with what scrolled off its top, wrapped lines joined, without tmux's own
  // "Pane is dead" line.
  const screen = async (withEscapes = false) =>
    (
      await tmux(
        "capture-pane",
        "-p",
        "-J",
        "-S",
        "-",
        ...(withEscapes ? ["-e"] : []),
        "-t",
        "test",
      )
    ).stdout.replace(/^Pane is dead.*$/m, "");
  const poll = async <T>(
    check: () => Promise<T | undefined>,
    timeoutMs: number,
    what: string,
  ): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await check();
      if (found !== undefined) return found;
      if (Date.now() > deadline) {
        throw new Error(`The terminal never showed ${what}. The screen:\n${await screen()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  return {
    screen,
    type: session.type,
    press: session.press,
    waitFor: (what, timeoutMs = 10_000) =>
      poll(
        async () => {
          const text = await screen();
          return (typeof what === "string" ? text.includes(what) : what.test(text))
            ? text
            : undefined;
        },
        timeoutMs,
        String(what),
      ),
    exitCode: (timeoutMs = 20_000) =>
      poll(
        async () => {
          const status = (await readFile(statusFile, "utf8").catch(() => "")).trim();
          return status ? Number(status) : undefined;
        },
        timeoutMs,
        "dmshare exit",
      ),
    close: session.close,
  };
}

const shellQuote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/**
 * The screen with its escape codes, once it shows colour: a spinner clears its line before
 * each frame, and a screen read in between has no colour on it. After `timeoutMs`, the last.
 */
export async function colouredScreen(terminal: Terminal, timeoutMs = 5_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const screen = await terminal.screen(true);
    if (screen.includes("\u001b[") || Date.now() > deadline) return screen;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Whether tmux is installed (the terminal tests say how to install it when it is not). */
export function hasTmux(): boolean {
  try {
    execFileSync("tmux", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** A person's colour terminal: colour on, no display (so no clipboard either). */
export const COLOUR_TERMINAL: Record<string, string | undefined> = {
  TERM: "xterm-256color",
  NO_COLOR: undefined,
  DISPLAY: undefined,
  WAYLAND_DISPLAY: undefined,
};
