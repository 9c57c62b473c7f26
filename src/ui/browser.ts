import type { SpawnOptions } from "node:child_process";
import { DmshareError } from "../lib/errors.ts";

/**
 * The hosts dmshare ever sends a browser to: the providers' login pages and the hosts their
 * links live on (LINK_HOSTS in providers/link-identity.ts; a unit test keeps them in step).
 */
export const OPENABLE_HOSTS: readonly string[] = [
  "www.dropbox.com",
  "dropbox.com",
  "accounts.google.com",
  "drive.google.com",
  "docs.google.com",
  "photos.google.com",
  "photos.app.goo.gl",
  "login.microsoftonline.com",
  "1drv.ms",
];

/** The variables that point the providers at emulators or a proxy: their hosts may be opened. */
const OVERRIDE_VARIABLES = [
  "DMSHARE_DROPBOX_API_URL",
  "DMSHARE_GOOGLE_API_URL",
  "DMSHARE_ONEDRIVE_API_URL",
  "DMSHARE_ONEDRIVE_AUTH_URL",
];

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** What starting a process needs; the real `spawn`, or a test's. */
export type SpawnLike = (
  command: string,
  args: string[],
  options: SpawnOptions,
) => {
  once(event: "error", listener: (error: Error) => void): unknown;
  once(event: "spawn", listener: () => void): unknown;
  unref(): void;
};

/** The machine the browser is opened on; tests give their own. */
export interface OpenerSystem {
  platform: NodeJS.Platform;
  env: Readonly<Record<string, string | undefined>>;
  /** The text of /proc/version (tells WSL from Linux), or null when there is none. */
  procVersion: () => Promise<string | null>;
  spawn: SpawnLike;
}

/** One way to start the browser: the command, its arguments, and how Windows gets them. */
export interface OpenerCommand {
  command: string;
  args: string[];
  /** Node passes the arguments to Windows as they are, with no quotes added. */
  verbatim?: boolean;
}

const allowedHosts = (env: OpenerSystem["env"]) => {
  const hosts = new Set(OPENABLE_HOSTS);
  for (const variable of OVERRIDE_VARIABLES) {
    const value = env[variable]?.trim();
    if (!value) continue;
    try {
      hosts.add(new URL(value).hostname);
    } catch {
      // Not a URL: the provider refuses it with its own message.
    }
  }
  return hosts;
};

/**
 * The URL as a browser gets it, once checked: an https address (http only on a host the user
 * pointed dmshare at, an emulator) on a provider's own host, with no user name, password or
 * control characters. WHATWG serialisation percent-encodes spaces, quotes and non-ASCII, so
 * the result is printable ASCII with no space or `"`. Anything else is refused before any
 * process starts.
 */
export function urlToOpen(url: string, env: OpenerSystem["env"] = {}): string {
  const refuse = (why: string) =>
    new DmshareError("usage", `dmshare will not open ${JSON.stringify(url)}: ${why}.`, {
      hint: "Copy the address into your browser yourself if you trust it.",
    });
  if (CONTROL.test(url)) throw refuse("it contains control characters");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refuse("it is not a URL");
  }
  const hosts = allowedHosts(env);
  const overridden = !OPENABLE_HOSTS.includes(parsed.hostname) && hosts.has(parsed.hostname);
  if (parsed.protocol !== "https:" && !(overridden && parsed.protocol === "http:")) {
    throw refuse("it is not an https address");
  }
  if (parsed.username || parsed.password) throw refuse("it holds a user name or password");
  if (!hosts.has(parsed.hostname)) throw refuse(`${parsed.hostname} is not a provider's host`);
  const href = parsed.href;
  if (!/^[\x21-\x7e]+$/.test(href) || href.includes('"')) throw refuse("it has odd characters");
  return href;
}

/** PowerShell's -EncodedCommand: the script in UTF-16LE, base64; no shell parses the URL. */
export const powershellEncoded = (script: string) =>
  Buffer.from(script, "utf16le").toString("base64");

const powershellStart = (href: string): OpenerCommand => ({
  command: "powershell.exe",
  args: [
    "-NoProfile",
    "-NonInteractive",
    "-ExecutionPolicy",
    "Bypass",
    "-EncodedCommand",
    powershellEncoded(`Start-Process '${href.replace(/'/g, "''")}'`),
  ],
});

/**
 * The commands that open `href` (a checked URL) here, in the order to try them: the next
 * one only when the one before does not exist. Windows: rundll32 hands the URL to the
 * default browser with no cmd.exe in between, so `&`, `^`, `%` and `|` are plain characters
 * (cmd /c start would run what follows an `&`). WSL: wslview, else Windows' PowerShell.
 */
export function openerCommands(
  href: string,
  platform: NodeJS.Platform,
  wsl: boolean,
): OpenerCommand[] {
  switch (platform) {
    case "darwin":
      return [{ command: "open", args: [href] }];
    case "win32":
      return [
        { command: "rundll32.exe", args: ["url.dll,FileProtocolHandler", href], verbatim: true },
      ];
    default:
      if (wsl) return [{ command: "wslview", args: [href] }, powershellStart(href)];
      return [{ command: "xdg-open", args: [href] }];
  }
}

/** Whether this Linux is WSL (Windows Subsystem for Linux). */
async function isWsl(system: OpenerSystem): Promise<boolean> {
  if (system.platform !== "linux") return false;
  if (system.env.WSL_DISTRO_NAME || system.env.WSL_INTEROP) return true;
  return /microsoft|wsl/i.test((await system.procVersion()) ?? "");
}

const realSystem = async (platform: NodeJS.Platform): Promise<OpenerSystem> => {
  const [{ spawn }, { readFile }] = await Promise.all([
    import("node:child_process"),
    import("node:fs/promises"),
  ]);
  return {
    platform,
    env: {},
    procVersion: () => readFile("/proc/version", "utf8").catch(() => null),
    spawn: spawn as SpawnLike,
  };
};

function start(system: OpenerSystem, opener: OpenerCommand): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = system.spawn(opener.command, opener.args, {
      stdio: "ignore",
      detached: true,
      windowsHide: true,
      windowsVerbatimArguments: opener.verbatim ?? false,
    });
    child.once("error", reject);
    child.once("spawn", () => {
      child.unref();
      resolve();
    });
  });
}

/**
 * Opens a URL in the user's browser; resolves once the opener started, rejects when the URL
 * is refused (before anything starts) or no opener could start.
 */
export async function openInBrowser(
  url: string,
  platform: NodeJS.Platform,
  system: Partial<Omit<OpenerSystem, "platform">> = {},
): Promise<void> {
  const here: OpenerSystem = { ...(await realSystem(platform)), ...system };
  const href = urlToOpen(url, here.env);
  const openers = openerCommands(href, platform, await isWsl(here));
  for (const [index, opener] of openers.entries()) {
    try {
      return await start(here, opener);
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
      if (!missing || index === openers.length - 1) throw error;
    }
  }
}
