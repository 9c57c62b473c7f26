import { describe, expect, it } from "vitest";
import { type ConfigDirSystem, defaultConfigDir } from "../../src/store/config-dir.ts";

const system = (
  platform: NodeJS.Platform,
  home: string,
  env: Record<string, string> = {},
  files: string[] = [],
): ConfigDirSystem => ({ platform, home, env, exists: (file) => files.includes(file) });

describe("the default config folder", () => {
  it("Windows: %APPDATA%\\dmshare (the roaming profile, as Windows apps keep settings)", () => {
    const appData = "C:\\Users\\Ada Lovelace\\AppData\\Roaming";
    expect(defaultConfigDir(system("win32", "C:\\Users\\Ada Lovelace", { APPDATA: appData }))).toBe(
      "C:\\Users\\Ada Lovelace\\AppData\\Roaming\\dmshare",
    );
    // No APPDATA (a service account, a stripped environment): the profile's usual place.
    expect(defaultConfigDir(system("win32", "D:\\Profiles\\ada"))).toBe(
      "D:\\Profiles\\ada\\AppData\\Roaming\\dmshare",
    );
    // A roaming profile on a server (UNC) works the same.
    expect(defaultConfigDir(system("win32", "x", { APPDATA: "\\\\srv\\profiles\\ada" }))).toBe(
      "\\\\srv\\profiles\\ada\\dmshare",
    );
  });

  it("macOS: ~/Library/Application Support/dmshare, not ~/Library/Preferences", () => {
    expect(defaultConfigDir(system("darwin", "/Users/ada"))).toBe(
      "/Users/ada/Library/Application Support/dmshare",
    );
  });

  it("Linux and others: $XDG_CONFIG_HOME/dmshare, else ~/.config/dmshare; a relative one is ignored", () => {
    expect(defaultConfigDir(system("linux", "/home/ada"))).toBe("/home/ada/.config/dmshare");
    expect(defaultConfigDir(system("freebsd", "/home/ada", { XDG_CONFIG_HOME: "/cfg" }))).toBe(
      "/cfg/dmshare",
    );
    expect(defaultConfigDir(system("linux", "/home/ada", { XDG_CONFIG_HOME: "cfg" }))).toBe(
      "/home/ada/.config/dmshare",
    );
  });

  it("keeps using the folder of an older dmshare while the new place holds none of its files", () => {
    const before = "/Users/ada/Library/Preferences/dmshare";
    const now = "/Users/ada/Library/Application Support/dmshare";
    expect(defaultConfigDir(system("darwin", "/Users/ada", {}, [`${before}/ledger.json`]))).toBe(
      before,
    );
    expect(
      defaultConfigDir(
        system("darwin", "/Users/ada", {}, [`${before}/ledger.json`, `${now}/config.json`]),
      ),
    ).toBe(now);
    const appData = "C:\\Users\\ada\\AppData\\Roaming";
    expect(
      defaultConfigDir(
        system("win32", "C:\\Users\\ada", { APPDATA: appData }, [
          `${appData}\\dmshare\\Config\\credentials.json`,
        ]),
      ),
    ).toBe(`${appData}\\dmshare\\Config`);
  });
});
