// Runs before `npm test`: the suite drives real system tools (an X server and clipboard, a
// terminal, a Secret Service keychain, setpriv). When some are missing, say so once, with the
// one command that installs them, instead of letting test files fail one by one.
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** Each command the tests run, with the Debian package that provides it and who needs it. */
const TOOLS = [
  { command: "Xvfb", pkg: "xvfb", usedBy: "the clipboard test (a real X server)" },
  { command: "xsel", pkg: "xsel", usedBy: "the clipboard test" },
  { command: "tmux", pkg: "tmux", usedBy: "the terminal tests (prompts, progress, Ctrl-C)" },
  { command: "dbus-run-session", pkg: "dbus", usedBy: "the keychain tests (a private D-Bus)" },
  {
    command: "gnome-keyring-daemon",
    pkg: "gnome-keyring",
    usedBy: "the keychain tests (a real Secret Service)",
  },
  { command: "setpriv", pkg: "util-linux", usedBy: "the unreadable-file test" },
  { command: "zsh", pkg: "zsh", usedBy: "the completion tests (zsh's line editor)" },
  { command: "fish", pkg: "fish", usedBy: "the completion tests (fish's complete -C)" },
] as const;

function onPath(command: string): boolean {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

if (process.platform === "linux") {
  const missing = TOOLS.filter((tool) => !onPath(tool.command));
  if (missing.length > 0) {
    process.stderr.write(
      `The tests need system tools that are not installed:\n${missing
        .map((tool) => `  ${tool.command} (package ${tool.pkg}), for ${tool.usedBy}`)
        .join("\n")}\nInstall them with:\n  sudo apt-get install ${[
        ...new Set(missing.map((tool) => tool.pkg)),
      ].join(" ")}\n`,
    );
    process.exit(1);
  }
}
