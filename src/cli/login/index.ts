import { stat } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import type { Ctx } from "../../context.ts";
import { loggedInProviders, providerSession } from "../../core/session.ts";
import { usageError } from "../../errors.ts";
import { BUILTIN_APPS } from "../../providers/builtin-apps.ts";
import { findProvider, providerNames, tokenVariable } from "../../providers/registry.ts";
import { askText, canAsk, chooseOne } from "../../ui/ask.ts";
import { Output } from "../../ui/output.ts";
import { readAll, readLine } from "../../ui/prompt.ts";
import { type CommandRegistrar, globalOptions } from "../program.ts";

interface LoginOptions {
  token?: string;
  appKey?: string;
  clientId?: string;
  clientSecret?: string;
  credentials?: string;
  port?: string;
  browser: boolean;
  redirect: boolean;
  device?: boolean;
  timeout: string;
}

export const register: CommandRegistrar = (program, ctx) => {
  program
    .command("login")
    .summary("connect dmshare to your account")
    .description(
      "Log in to a provider in the browser (OAuth with PKCE; dmshare never sees your password). " +
        (BUILTIN_APPS.dropboxAppKey || BUILTIN_APPS.google
          ? "This build of dmshare carries its own app registration; you can bring your own instead (see the README): "
          : "You bring your own app (see the README): ") +
        "Dropbox needs your app key and the redirect URI " +
        "http://127.0.0.1:53682/ registered with it (--no-redirect shows a code to paste instead); " +
        "Google needs a Desktop app OAuth client (--credentials client_secret.json). " +
        "gdrive --device logs in with a code entered on another device (no browser here needed). " +
        "gdrive asks only for the files dmshare creates; gphotos only for adding photos.",
    )
    .argument(
      "[provider]",
      "dropbox, gdrive (google, drive) or gphotos (google-photos); asked for at a terminal",
    )
    .option("--app-key <key>", "your Dropbox app key (or DMSHARE_DROPBOX_APP_KEY)")
    .option(
      "--credentials <file>",
      "Google: the client_secret.json of your Desktop OAuth client (or DMSHARE_GOOGLE_CREDENTIALS)",
    )
    .option("--client-id <id>", "Google: OAuth client id (or DMSHARE_GOOGLE_CLIENT_ID)")
    .option(
      "--client-secret <secret>",
      "Google: OAuth client secret (or DMSHARE_GOOGLE_CLIENT_SECRET)",
    )
    .option("--port <port>", "loopback port for the redirect (Dropbox default 53682, Google any)")
    .option("--no-browser", "print the login URL instead of opening a browser")
    .option("--no-redirect", "paste the code Dropbox shows instead of the loopback redirect")
    .option(
      "--device",
      "Google Drive: show a code to enter on another device (for machines without a browser)",
    )
    .option(
      "--token <token>",
      "store this access token instead (for scripts; - reads it from stdin)",
    )
    .option("--timeout <seconds>", "how long to wait for the browser", "300")
    .addHelpText(
      "after",
      `
Examples:
  $ dmshare login
  $ dmshare login dropbox --app-key abc123xyz
  $ dmshare login gdrive --credentials ~/Downloads/client_secret_123.json
  $ dmshare login dropbox --no-browser --no-redirect
  $ dmshare login gdrive --device
  $ printf '%s' "$TOKEN" | dmshare login dropbox --token -`,
    )
    .action(async (provider: string | undefined, options: LoginOptions, command: Command) => {
      const chosen = provider ?? (await askProvider(ctx, command, "log in to"));
      await runLogin(ctx, chosen, options, command);
    });

  program
    .command("logout")
    .summary("forget the stored credentials")
    .argument("[provider]", "dropbox, gdrive or gphotos; asked for at a terminal")
    .addHelpText("after", "\nExamples:\n  $ dmshare logout dropbox\n  $ dmshare logout")
    .action(async (provider: string | undefined, _options: unknown, command: Command) => {
      await runLogout(ctx, provider ?? (await askProvider(ctx, command, "log out of")), command);
    });
};

/** The provider a person picks at a terminal; elsewhere a missing argument is exit 2. */
async function askProvider(ctx: Ctx, command: Command, action: string): Promise<string> {
  if (!canAsk(ctx)) {
    throw usageError(
      `Missing the provider to ${action}.`,
      `Name one: ${providerNames().join(", ")}, e.g. dmshare ${action.split(" ")[0]} dropbox`,
    );
  }
  const loggedIn = await loggedInProviders(ctx);
  return chooseOne(
    new Output(ctx, { color: globalOptions(command).color }),
    "nothing was changed.",
    `Which account do you want to ${action}?`,
    providerNames().map((name) => ({
      value: name,
      name: `${findProvider(name).displayName}${loggedIn.includes(name) ? " (logged in)" : ""}`,
    })),
  );
}

/**
 * At a terminal, the app a login needs (your Dropbox app key, your Google OAuth client) is
 * asked for when neither an option nor the environment gives it; elsewhere the provider's
 * own error says how to give it.
 */
async function askForClient(
  output: Output,
  provider: string,
  options: LoginOptions,
): Promise<Partial<LoginOptions>> {
  const { ctx } = output;
  if (!canAsk(ctx)) return {};
  const interrupted = "nothing was changed.";
  if (provider === "dropbox") {
    if (options.appKey || ctx.env.DMSHARE_DROPBOX_APP_KEY || BUILTIN_APPS.dropboxAppKey) return {};
    const appKey = await askText(
      output,
      interrupted,
      'Your Dropbox app key (README "Connect Dropbox"; https://www.dropbox.com/developers/apps)',
      {
        validate: (text) => /^\w+$/.test(text.trim()) || "The app key is letters and digits.",
      },
    );
    return { appKey: appKey.trim() };
  }
  const env = ctx.env;
  // The device login needs a client of another type, given with --client-id/--client-secret.
  if (options.device || BUILTIN_APPS.google) return {};
  if (options.credentials || options.clientId || env.DMSHARE_GOOGLE_CREDENTIALS) return {};
  if (env.DMSHARE_GOOGLE_CLIENT_ID) return {};
  const file = await askText(
    output,
    interrupted,
    "Your Google OAuth client's client_secret_….json",
    {
      validate: async (text) =>
        (await stat(path.resolve(ctx.cwd, text.trim())).catch(() => null))?.isFile() ||
        `There is no file ${text.trim()}.`,
    },
  );
  return { credentials: path.resolve(ctx.cwd, file.trim()) };
}

async function runLogin(ctx: Ctx, providerName: string, options: LoginOptions, command: Command) {
  const output = new Output(ctx, { color: globalOptions(command).color });
  const entry = findProvider(providerName);
  refuseWithDevice(options);
  const token = options.token === "-" ? (await readAll(ctx)).trim() : options.token;
  if (options.token !== undefined && !token) throw usageError("--token was given but empty.");
  if (token === undefined) Object.assign(options, await askForClient(output, entry.name, options));
  const module = await entry.load();
  const account = await module.login(
    {
      token,
      clientId: options.appKey ?? options.clientId,
      clientSecret: options.clientSecret,
      credentialsFile: options.credentials,
      port: options.port === undefined ? undefined : parsePort(options.port),
      openBrowser: options.browser,
      pasteCode: !options.redirect,
      device: options.device,
      timeoutMs: parseSeconds(options.timeout) * 1000,
    },
    providerSession(ctx),
    {
      showAuthorizeUrl: (url, opened) =>
        output.info(
          opened
            ? `Opened ${entry.displayName} in your browser. If nothing appeared, open:\n  ${url}`
            : `Open this page to log in to ${entry.displayName}:\n  ${url}`,
        ),
      askForCode: (prompt) => readLine(ctx, prompt),
      showDeviceCode: (url, code, expiresIn) =>
        output.info(
          `On any device with a browser, open ${url} and enter the code:\n  ${code}\n` +
            `(it works for ${Math.round(expiresIn / 60)} min). Waiting for you to allow dmshare…`,
        ),
      info: (text) => output.info(text),
    },
  );
  output.success(
    `Logged in to ${entry.displayName} as ${account.name}${account.email ? ` (${account.email})` : ""}`,
  );
}

async function runLogout(ctx: Ctx, providerName: string, command: Command) {
  const output = new Output(ctx, { color: globalOptions(command).color });
  const entry = findProvider(providerName);
  const { credentials } = providerSession(ctx);
  const location = await credentials.locate(entry.name);
  const removed = await credentials.delete(entry.name);
  output.success(
    removed
      ? `Logged out of ${entry.displayName}: removed the stored credentials (${location}).`
      : `Not logged in to ${entry.displayName}; nothing to remove.`,
  );
  const variable = tokenVariable(entry.name);
  if (ctx.env[variable])
    output.warn(`${variable} is still set in the environment and will be used.`);
}

/** `--device` opens no browser and listens on no port: flags about those can't apply to it. */
function refuseWithDevice(options: LoginOptions): void {
  if (!options.device) return;
  const clashing = [
    options.token !== undefined && "--token",
    options.port !== undefined && "--port",
    !options.browser && "--no-browser",
    !options.redirect && "--no-redirect",
  ].filter((flag): flag is string => Boolean(flag));
  if (clashing.length === 0) return;
  throw usageError(
    `--device can't be combined with ${clashing.join(", ")}.`,
    "--device shows a code to enter on another device: it opens no browser here and needs no redirect port. Drop the other options, or --device.",
  );
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw usageError(`--port "${text}" is not a port number.`, "Use a number from 1 to 65535.");
  }
  return port;
}

function parseSeconds(text: string): number {
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw usageError(`--timeout "${text}" is not a number of seconds.`);
  }
  return seconds;
}
