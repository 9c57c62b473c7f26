import path from "node:path";

/** What choosing the config folder looks at; tests give their own (any platform, any home). */
export interface ConfigDirSystem {
  platform: NodeJS.Platform;
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  /** Whether the file exists (a folder of an older dmshare holds one of dmshare's files). */
  exists: (file: string) => boolean;
}

/** Files only dmshare writes: a folder holding one is dmshare's. */
const OWN_FILES = ["ledger.db", "ledger.json", "credentials.json", "config.json"];

/**
 * Where each system keeps an application's data, and where dmshare 0.1 put it (the env-paths
 * package's choice: ~/Library/Preferences is for CFPreferences property lists on macOS, and
 * %APPDATA%\dmshare\Config is a made-up subfolder on Windows).
 */
function places(system: ConfigDirSystem): { now: string; before?: string } {
  const { env, home } = system;
  switch (system.platform) {
    case "win32": {
      const appData = env.APPDATA || path.win32.join(home, "AppData", "Roaming");
      return {
        now: path.win32.join(appData, "dmshare"),
        before: path.win32.join(appData, "dmshare", "Config"),
      };
    }
    case "darwin":
      return {
        now: path.posix.join(home, "Library", "Application Support", "dmshare"),
        before: path.posix.join(home, "Library", "Preferences", "dmshare"),
      };
    default: {
      // XDG: a relative XDG_CONFIG_HOME is invalid and ignored.
      const xdg = env.XDG_CONFIG_HOME;
      const base = xdg && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(home, ".config");
      return { now: path.posix.join(base, "dmshare") };
    }
  }
}

/**
 * The config folder when DMSHARE_CONFIG_DIR is not set: %APPDATA%\dmshare on Windows,
 * ~/Library/Application Support/dmshare on macOS, $XDG_CONFIG_HOME/dmshare (~/.config/dmshare)
 * elsewhere. A folder where an older dmshare kept its ledger, config or credentials is used
 * while the new place has none of them, so nobody's links are lost by an update.
 */
export function defaultConfigDir(system: ConfigDirSystem): string {
  const { now, before } = places(system);
  if (before === undefined) return now;
  const join = system.platform === "win32" ? path.win32.join : path.posix.join;
  const holdsOwn = (dir: string) => OWN_FILES.some((file) => system.exists(join(dir, file)));
  return !holdsOwn(now) && holdsOwn(before) ? before : now;
}
