import { envCommand, tmuxSession } from "./tmux.ts";

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

export async function startShell(
  argv: string[],
  options: { env: Record<string, string>; cwd: string; columns?: number; rows?: number },
): Promise<ShellTerminal> {
  const session = await tmuxSession({
    name: "shell",
    conf: "set -g status off\nset -g history-limit 5000\n",
    command: () => envCommand(options.env, argv),
    cwd: options.cwd,
    columns: options.columns ?? 120,
    rows: options.rows ?? 30,
  });
  const { tmux } = session;
  const screen = async () =>
    (await tmux("capture-pane", "-p", "-J", "-N", "-S", "-", "-t", "shell")).stdout;
  return {
    screen,
    type: session.type,
    press: session.press,
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
    close: session.close,
  };
}
