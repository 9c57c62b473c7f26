import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { tempDir } from "./cli.ts";

const run = promisify(execFile);

/**
 * An interactive shell (bash, zsh) in a detached tmux session of its own (nothing shared
 * with the user's tmux), for what only a real line editor does: Tab completion as a person
 * presses it. helpers/tmux.ts runs dmshare itself; this runs the shell dmshare completes in.
 */
export interface ShellTerminal {
  /** The screen with its scrollback, as plain text (trailing spaces kept: "$ " is a prompt). */
  screen(): Promise<string>;
  type(text: string): Promise<void>;
  /** Keys by tmux name: Tab, Enter, C-u … */
  press(...keys: string[]): Promise<void>;
  /** Waits until the screen shows `what`; fails with the screen after `timeoutMs`. */
  waitFor(what: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Empties the screen and its scrollback (the shell's line is kept). */
  clear(): Promise<void>;
  close(): Promise<void>;
}

let sessions = 0;

export async function startShell(
  argv: string[],
  options: { env: Record<string, string>; cwd: string; columns?: number; rows?: number },
): Promise<ShellTerminal> {
  const work = await tempDir("dmshare-shell-");
  const socket = `dmshare-shell-${process.pid}-${++sessions}`;
  const conf = path.join(work.dir, "tmux.conf");
  await writeFile(conf, "set -g status off\nset -g history-limit 5000\n");
  const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
  const command = [
    "env -i",
    ...Object.entries(options.env).map(([key, value]) => quote(`${key}=${value}`)),
    ...argv.map(quote),
  ].join(" ");
  const tmux = (...args: string[]) =>
    run("tmux", ["-L", socket, "-f", conf, ...args], { encoding: "utf8" });
  await tmux(
    "new-session",
    "-d",
    "-s",
    "shell",
    "-x",
    String(options.columns ?? 120),
    "-y",
    String(options.rows ?? 30),
    "-c",
    options.cwd,
    command,
  );
  const screen = async () =>
    (await tmux("capture-pane", "-p", "-J", "-N", "-S", "-", "-t", "shell")).stdout;
  return {
    screen,
    type: async (text) => {
      await tmux("send-keys", "-t", "shell", "-l", text);
    },
    press: async (...keys) => {
      for (const key of keys) await tmux("send-keys", "-t", "shell", key);
    },
    waitFor: async (what, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = await screen();
        if (typeof what === "string" ? text.includes(what) : what.test(text)) return text;
        if (Date.now() > deadline) {
          throw new Error(`The shell never showed ${String(what)}. The screen:\n${text}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    clear: async () => {
      await tmux("send-keys", "-t", "shell", "-R");
      await tmux("clear-history", "-t", "shell");
    },
    close: async () => {
      await tmux("kill-server").catch(() => undefined);
      await work.cleanup();
    },
  };
}
