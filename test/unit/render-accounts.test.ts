import { Chalk } from "chalk";
import { describe, expect, it } from "vitest";
import { savedLines, settingLines } from "../../src/cli/config/render.ts";
import {
  authorizeUrlText,
  deviceCodeText,
  loggedInLine,
  loggedOutLine,
  providerChoiceName,
} from "../../src/cli/login/render.ts";
import { envOnlyWarning, installedLines, uninstalledLine } from "../../src/cli/prune/render.ts";
import { expiryLine, overdueLine, statusLine } from "../../src/cli/status/render.ts";
import type { ProviderStatus } from "../../src/core/status.ts";

const plain = new Chalk({ level: 0 });
const coloured = new Chalk({ level: 1 });

const status = (over: Partial<ProviderStatus>): ProviderStatus => ({
  provider: "dropbox",
  displayName: "Dropbox",
  state: "logged-out",
  account: null,
  source: null,
  location: null,
  problem: null,
  hint: null,
  ...over,
});

describe("status's renderer", () => {
  it("says who is logged in, where the credentials are, and what to run otherwise", () => {
    const account = { id: "1", name: "Ana", email: "ana@example.com" };
    expect(
      statusLine(
        status({ state: "logged-in", account, source: "store", location: "the keychain" }),
        plain,
      ),
    ).toBe("✔ Dropbox: logged in as Ana (ana@example.com); credentials in the keychain");
    expect(
      statusLine(
        status({
          state: "rejected",
          source: "env",
          location: "DMSHARE_DROPBOX_TOKEN",
          problem: "the token was revoked",
        }),
        plain,
      ),
    ).toBe(
      "✖ Dropbox: the token from DMSHARE_DROPBOX_TOKEN was rejected. the token was revoked.\n  Replace DMSHARE_DROPBOX_TOKEN, or unset it and run: dmshare login dropbox",
    );
    // The provider's sentence keeps its own full stop, once; the error's next step is used.
    expect(
      statusLine(
        status({
          state: "rejected",
          source: "env",
          location: "DMSHARE_DROPBOX_TOKEN",
          problem: "Dropbox rejected dmshare's login while trying to read your account (expired).",
          hint: "DMSHARE_DROPBOX_TOKEN holds a token Dropbox does not accept: replace it, or unset it and run: dmshare login dropbox",
        }),
        plain,
      ),
    ).toBe(
      "✖ Dropbox: the token from DMSHARE_DROPBOX_TOKEN was rejected. Dropbox rejected dmshare's login while trying to read your account (expired).\n  DMSHARE_DROPBOX_TOKEN holds a token Dropbox does not accept: replace it, or unset it and run: dmshare login dropbox",
    );
    expect(
      statusLine(
        status({ state: "rejected", source: "store", location: "the keychain", problem: "No." }),
        plain,
      ),
    ).toBe(
      "✖ Dropbox: the stored credentials (the keychain) were rejected. No.\n  Log in again: dmshare login dropbox",
    );
    expect(statusLine(status({}), plain)).toBe(
      "- Dropbox: not logged in. Run: dmshare login dropbox",
    );
    expect(statusLine(status({}), coloured)).toContain("\u001b[2m-\u001b[22m");
  });

  it("says whether a prune timer ends links on time, and for which folder", () => {
    const none = { timer: { kind: null, where: null }, timerHere: false, autoPrune: true };
    expect(expiryLine(none, plain)).toBe(
      "- Expiry: no prune timer installed; links past the expiry dmshare enforces are revoked the next time dmshare runs. Run: dmshare prune --install",
    );
    expect(expiryLine({ ...none, autoPrune: false }, plain)).toContain(
      "only when you run dmshare prune (auto-prune is off)",
    );
    const cron = { kind: "cron" as const, where: null, configDir: "/elsewhere" };
    expect(expiryLine({ timer: cron, timerHere: false, autoPrune: true }, plain)).toBe(
      "! Expiry: an hourly crontab line (crontab -l shows it) prunes another config folder (/elsewhere), not this one. Run: dmshare prune --install",
    );
    expect(expiryLine({ timer: cron, timerHere: true, autoPrune: true }, plain)).toBe(
      "✔ Expiry: an hourly crontab line (crontab -l shows it) revokes links past the expiry dmshare enforces (dmshare prune --uninstall removes it)",
    );
  });

  it("counts overdue links in one sentence", () => {
    expect(overdueLine(1, plain)).toBe(
      "! A link is past its expiry and still works (dmshare list --status overdue). Run: dmshare prune",
    );
    expect(overdueLine(3, plain)).toBe(
      "! 3 links are past their expiry and still work (dmshare list --status overdue). Run: dmshare prune",
    );
  });
});

describe("login's renderer", () => {
  it("words the browser step, the device code and the result", () => {
    const url = "https://x/authorize";
    expect(authorizeUrlText("Dropbox", url, { opened: true, wanted: true, waitSeconds: 300 })).toBe(
      `Opened Dropbox in your browser. If nothing appeared, open:\n  ${url}\nWaiting for the browser… (Ctrl-C cancels; dmshare gives up after 300 s)`,
    );
    expect(authorizeUrlText("Dropbox", url, { opened: false, wanted: false })).toBe(
      `Open this page to log in to Dropbox:\n  ${url}`,
    );
    expect(authorizeUrlText("Dropbox", url, { opened: false, wanted: true, waitSeconds: 5 })).toBe(
      `Couldn't open a browser here. Open this page to log in to Dropbox:\n  ${url}\nWaiting for the browser… (Ctrl-C cancels; dmshare gives up after 5 s)`,
    );
    expect(deviceCodeText("https://google.com/device", "ABC-DEF", 1800)).toBe(
      "On any device with a browser, open https://google.com/device and enter the code:\n  ABC-DEF\n(it works for 30 min). Waiting for you to allow dmshare…",
    );
    expect(loggedInLine("Google Drive", { id: "1", name: "Ana", email: null })).toBe(
      "Logged in to Google Drive as Ana",
    );
    expect(loggedOutLine("Dropbox", true, "the keychain")).toBe(
      "Logged out of Dropbox: removed the stored credentials (the keychain).",
    );
    expect(loggedOutLine("Dropbox", false, "the keychain")).toBe(
      "Not logged in to Dropbox; nothing to remove.",
    );
    expect(providerChoiceName("Dropbox", true)).toBe("Dropbox (logged in)");
  });
});

describe("config's and prune's renderers", () => {
  it("print every setting in columns with where it comes from, and say what a setting replaced", () => {
    expect(
      settingLines([
        { key: "provider", value: "dropbox", source: "config file (/c/config.json)" },
        { key: "message", value: undefined, source: "default: the preset words the message" },
        { key: "auto-prune", value: "on", source: "default" },
      ]),
    ).toEqual([
      "provider    dropbox  config file (/c/config.json)",
      "message     (none)   default: the preset words the message",
      "auto-prune  on       default",
    ]);
    expect(savedLines("message", "Look: {url}", ["preset"])).toEqual([
      "message = Look: {url}",
      "(preset is unset: message replaces it)",
    ]);
  });

  it("say what the timer does, what it can't reach, and what was removed", () => {
    expect(installedLines("an hourly crontab line")[0]).toBe(
      "Installed an hourly crontab line: it runs dmshare prune --yes, so links past their expiry are revoked within the hour.",
    );
    expect(envOnlyWarning("dropbox", "DMSHARE_DROPBOX_TOKEN")[1]).toBe(
      "Store the login so the timer can use it: dmshare login dropbox   (or: dmshare login dropbox --token -)",
    );
    expect(uninstalledLine([])).toBe("No dmshare prune timer was installed: nothing to remove.");
    expect(uninstalledLine(["crontab line"])).toBe(
      "Removed the dmshare prune timer (crontab line).",
    );
  });
});
