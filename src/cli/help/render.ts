// `dmshare help environment` and `dmshare help exit-codes`: the variables dmshare reads and
// the codes it exits with, as gh's help topics. The environment list must name every variable
// src/ reads (test/unit/help-topics.test.ts greps the sources for them).
import { type ErrorKind, EXIT_CODES } from "../../lib/errors.ts";
import { findProvider, providerNames, tokenVariable } from "../../providers/catalog.ts";

interface Variable {
  names: string[];
  text: string;
}

/** The variables every provider has, from the catalog (one token variable per provider). */
function providerVariables(): Variable[] {
  return providerNames().map((name) => ({
    names: [tokenVariable(name)],
    text: `an access token for ${findProvider(name).displayName}, used instead of the stored login (scripts, CI); unset it to use the login again`,
  }));
}

const DMSHARE_VARIABLES: Variable[] = [
  {
    names: ["DMSHARE_CONFIG_DIR"],
    text: "the folder of config.json, the ledger (ledger.db) and, without a keychain, credentials.json (default: ~/.config/dmshare on Linux, ~/Library/Application Support/dmshare on macOS, %APPDATA%\\dmshare on Windows)",
  },
  {
    names: ["DMSHARE_CREDENTIAL_STORE"],
    text: "keychain: the OS keychain or an error (exit 3); file: always credentials.json (mode 0600); unset: the keychain where there is one, else the file",
  },
  {
    names: ["DMSHARE_DROPBOX_APP_KEY"],
    text: "your Dropbox app key, for dmshare login dropbox (as --app-key)",
  },
  {
    names: ["DMSHARE_GOOGLE_CREDENTIALS"],
    text: "the client_secret_….json of your Google Desktop OAuth client, for dmshare login gdrive|gphotos (as --credentials)",
  },
  {
    names: ["DMSHARE_GOOGLE_CLIENT_ID", "DMSHARE_GOOGLE_CLIENT_SECRET"],
    text: "the same Google client given as id and secret (as --client-id, --client-secret)",
  },
  {
    names: ["DMSHARE_ONEDRIVE_CLIENT_ID"],
    text: "the Application (client) ID of your Microsoft Entra public client, for dmshare login onedrive (as --client-id)",
  },
  {
    names: ["DMSHARE_DROPBOX_API_URL"],
    text: "a base URL replacing Dropbox's API, content and login hosts (a local emulator or a proxy)",
  },
  {
    names: ["DMSHARE_GOOGLE_API_URL"],
    text: "a base URL replacing Google's Drive, OAuth, consent and Photos hosts (a local emulator or a proxy)",
  },
  {
    names: ["DMSHARE_ONEDRIVE_API_URL"],
    text: "a base URL replacing https://graph.microsoft.com (a local emulator or a proxy); also the login host unless DMSHARE_ONEDRIVE_AUTH_URL is set",
  },
  {
    names: ["DMSHARE_ONEDRIVE_AUTH_URL"],
    text: "a base URL replacing https://login.microsoftonline.com, Microsoft's login host",
  },
  {
    names: ["DMSHARE_STALL_TIMEOUT"],
    text: "seconds a connection may stay silent before it is dropped and the call sent again (default: 120 for uploads, 60 for other calls)",
  },
  { names: ["DMSHARE_DEBUG"], text: "print the stack trace of an error (as --verbose)" },
  {
    names: ["DMSHARE_CALL_TIMEOUT"],
    text: "for tests only: seconds a call other than an upload may take in all (default: 120)",
  },
  {
    names: ["DMSHARE_CLEANUP_TIMEOUT"],
    text: "for tests only: seconds the clean-up after Ctrl-C during link creation may take (default: 2)",
  },
  {
    names: ["DMSHARE_NOW"],
    text: "for tests only: dmshare's clock starts at this ISO time (2026-12-01T10:00:00Z) and runs on",
  },
];

const STANDARD_VARIABLES: Variable[] = [
  { names: ["NO_COLOR"], text: "set to anything: no colours (as --no-color)" },
  { names: ["FORCE_COLOR"], text: "colours even off a terminal; FORCE_COLOR=0: none" },
  { names: ["CLICOLOR"], text: "CLICOLOR=0: no colours (as NO_COLOR)" },
  { names: ["CLICOLOR_FORCE"], text: "set and not 0: colours even off a terminal" },
  {
    names: ["TERM"],
    text: "TERM=dumb: no colours and no spinners (progress is a plain line at most once a second), as a terminal that can't draw them",
  },
  {
    names: ["HOME", "USERPROFILE"],
    text: "your home folder, where the default config folder and the prune timer's files go",
  },
  {
    names: ["XDG_CONFIG_HOME"],
    text: "Linux: the config folder is $XDG_CONFIG_HOME/dmshare; the prune timer's systemd units go under it",
  },
  { names: ["APPDATA"], text: "Windows: the config folder is %APPDATA%\\dmshare" },
  {
    names: ["DBUS_SESSION_BUS_ADDRESS"],
    text: "Linux: the session bus the keychain (Secret Service) is reached on; without it, credentials go to the file",
  },
  {
    names: ["WSL_DISTRO_NAME", "WSL_INTEROP"],
    text: "set by WSL: links open in the Windows browser",
  },
];

/** `text` in lines of at most `width` columns (a longer word stays whole), each indented. */
export function wrapWords(text: string, width: number, indent: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && indent + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.map((each) => `${" ".repeat(indent)}${each}`).join("\n");
}

function section(title: string, variables: Variable[], width: number): string {
  const lines = variables.map(
    ({ names, text }) => `${wrapWords(names.join(", "), width, 2)}\n${wrapWords(text, width, 6)}`,
  );
  return `${title}\n${lines.join("\n")}`;
}

/** `dmshare help environment`, wrapped at `width` columns. */
export function environmentHelp(width = 80): string {
  return [
    "Environment variables dmshare reads:",
    "",
    section("dmshare's own:", [...providerVariables(), ...DMSHARE_VARIABLES], width),
    "",
    section("Standard ones:", STANDARD_VARIABLES, width),
  ].join("\n");
}

/** Every variable `dmshare help environment` names. */
export function environmentVariableNames(): string[] {
  return [...providerVariables(), ...DMSHARE_VARIABLES, ...STANDARD_VARIABLES].flatMap(
    (variable) => variable.names,
  );
}

/** What each exit code means (DESIGN.md, "Exit codes"); a new code needs its sentence here. */
const EXIT_CODE_MEANINGS: Record<ErrorKind | "success", string> = {
  success: "success (a clipboard that couldn't be reached is only a warning)",
  unexpected: "unexpected failure: a bug in dmshare (run again with --verbose and report it)",
  usage:
    "bad usage or bad input: an unknown command, option or value, a missing or unsupported file, a bad --expires, an option your plan doesn't allow, a question answered no; also a full disk, no permission or a corrupt ledger",
  auth: "not logged in, or the provider rejected the credentials (the message gives the login command)",
  provider: "the provider or the network failed after retries",
  partial:
    "partial: some items of a batch (send --each, revoke of several links, an album with --partial) failed while the others worked; --json says which",
  interrupted:
    "interrupted with Ctrl-C: uploads in flight stop and what they stored is removed; links made before it are printed",
};

/** `dmshare help exit-codes`, wrapped at `width` columns. */
export function exitCodesHelp(width = 80): string {
  const lines = Object.entries(EXIT_CODES).map(([kind, code]) => {
    const meaning = wrapWords(EXIT_CODE_MEANINGS[kind as keyof typeof EXIT_CODES], width, 7);
    return `  ${String(code).padStart(3)}  ${meaning.slice(7)}`;
  });
  return `Exit codes of dmshare:\n\n${lines.join("\n")}`;
}

/** The help topics besides the commands, with what `dmshare help` says of each. */
export const HELP_TOPICS = {
  environment: { summary: "the environment variables dmshare reads", text: environmentHelp },
  "exit-codes": { summary: "what each exit code means", text: exitCodesHelp },
} as const;
