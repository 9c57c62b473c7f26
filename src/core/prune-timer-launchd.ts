import { PRUNE_ARGS, type TimerSpec, xmlEscape, xmlUnescape } from "./prune-timer-spec.ts";

/**
 * The macOS prune timer: a launchd agent in ~/Library/LaunchAgents, loaded with `launchctl
 * load -w` (the legacy subcommand: still supported on current macOS, and unlike `bootstrap
 * gui/<uid>` it needs no uid and is idempotent with the `unload` before it).
 */
export const LAUNCHD_LABEL = "com.dmshare.prune";

/** The launchd agent: every hour, and once when loaded; what it prints goes to the log. */
export function launchdPlist(spec: TimerSpec): string {
  const strings = (values: string[], indent: string) =>
    values.map((value) => `${indent}<string>${xmlEscape(value)}</string>\n`).join("");
  const environment = Object.entries(spec.env);
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n' +
    '<plist version="1.0">\n' +
    "<dict>\n" +
    `  <key>Label</key>\n  <string>${LAUNCHD_LABEL}</string>\n` +
    "  <key>ProgramArguments</key>\n  <array>\n" +
    strings([...spec.command, ...PRUNE_ARGS], "    ") +
    "  </array>\n" +
    (environment.length > 0
      ? "  <key>EnvironmentVariables</key>\n  <dict>\n" +
        environment
          .map(
            ([key, value]) =>
              `    <key>${xmlEscape(key)}</key>\n    <string>${xmlEscape(value)}</string>\n`,
          )
          .join("") +
        "  </dict>\n"
      : "") +
    "  <key>StartInterval</key>\n  <integer>3600</integer>\n" +
    "  <key>RunAtLoad</key>\n  <true/>\n" +
    `  <key>StandardOutPath</key>\n  <string>${xmlEscape(spec.logFile)}</string>\n` +
    `  <key>StandardErrorPath</key>\n  <string>${xmlEscape(spec.logFile)}</string>\n` +
    "</dict>\n" +
    "</plist>\n"
  );
}

const PLIST_CONFIG_DIR = /<key>DMSHARE_CONFIG_DIR<\/key>\s*<string>([^<]*)<\/string>/;

/** The config folder an agent prunes (its DMSHARE_CONFIG_DIR), or null when it names none. */
export function plistConfigDir(plist: string): string | null {
  const found = PLIST_CONFIG_DIR.exec(plist)?.[1];
  return found === undefined ? null : xmlUnescape(found);
}
