import { stat } from "node:fs/promises";
import path from "node:path";
import { loggedInProviders, providerSession } from "../../core/session.ts";
import { usageError } from "../../lib/errors.ts";
import { type CatalogEntry, findProvider, providerNames } from "../../providers/catalog.ts";
import { askText, canAsk, chooseOne } from "../../ui/ask.ts";
import type { Output } from "../../ui/output.ts";
import { readAll, readLine } from "../../ui/prompt.ts";
import type { CommandRegistrar } from "../run.ts";
import { type LoginOptions, loginCommand, logoutCommand } from "./command.ts";
import {
  authorizeUrlText,
  deviceCodeText,
  loggedInLine,
  loggedOutLine,
  providerChoiceName,
} from "./render.ts";

export const register: CommandRegistrar = (program, run) => {
  loginCommand(program).action(async (provider, options) => {
    const chosen = provider ?? (await askProvider(run.output, "login", "log in to"));
    await runLogin(run.output, chosen, options);
  });
  logoutCommand(program).action(async (provider) => {
    await runLogout(
      run.output,
      provider ?? (await askProvider(run.output, "logout", "log out of")),
    );
  });
};

/** The provider a person picks at a terminal; elsewhere a missing argument is exit 2. */
async function askProvider(output: Output, command: string, action: string): Promise<string> {
  const { ctx } = output;
  if (!canAsk(ctx)) {
    const commands = providerNames().map((name) => `dmshare ${command} ${name}`);
    throw usageError(
      `Missing the provider to ${action}.`,
      `Name one: ${commands.slice(0, -1).join(", ")} or ${commands.at(-1)}`,
    );
  }
  const loggedIn = await loggedInProviders(ctx);
  return chooseOne(
    output,
    "nothing was changed.",
    `Which account do you want to ${action}?`,
    providerNames().map((name) => ({
      value: name,
      name: providerChoiceName(findProvider(name).displayName, loggedIn.includes(name)),
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
  entry: CatalogEntry,
  options: LoginOptions,
): Promise<Partial<LoginOptions>> {
  const { ctx } = output;
  if (!canAsk(ctx)) return {};
  const interrupted = "nothing was changed.";
  const env = ctx.env;
  const { login } = entry;
  if (login.kind === "app-key") {
    if (options.appKey || env[login.keyVariable] || login.builtin()) return {};
    const appKey = await askText(output, interrupted, login.prompt, {
      validate: (text) => /^\w+$/.test(text.trim()) || "The app key is letters and digits.",
    });
    return { appKey: appKey.trim() };
  }
  if (login.kind === "public-client") {
    if (options.clientId || env[login.idVariable] || login.builtin()) return {};
    const clientId = await askText(output, interrupted, login.prompt, {
      validate: (text) =>
        /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(text.trim()) ||
        "The Application (client) ID is a GUID: 8-4-4-4-12 hexadecimal digits.",
    });
    return { clientId: clientId.trim() };
  }
  // The device login needs a client of another type, given with --client-id/--client-secret.
  if (options.device || login.builtin()) return {};
  if (options.credentials || options.clientId || env[login.fileVariable]) return {};
  if (env[login.idVariable]) return {};
  const file = await askText(output, interrupted, login.prompt, {
    validate: async (text) =>
      (await stat(path.resolve(ctx.cwd, text.trim())).catch(() => null))?.isFile() ||
      `There is no file ${text.trim()}.`,
  });
  return { credentials: path.resolve(ctx.cwd, file.trim()) };
}

async function runLogin(output: Output, providerName: string, options: LoginOptions) {
  const { ctx } = output;
  const entry = findProvider(providerName);
  refuseWithDevice(options);
  const token = options.token === "-" ? (await readAll(ctx)).trim() : options.token;
  if (options.token !== undefined && !token) throw usageError("--token was given but empty.");
  if (token === undefined) Object.assign(options, await askForClient(output, entry, options));
  const module = await entry.load();
  const account = await module.login(
    {
      token,
      clientId: options.appKey ?? options.clientId,
      clientSecret: options.clientSecret,
      credentialsFile: options.credentials,
      port: options.port === undefined ? entry.login.port : parsePort(options.port),
      openBrowser: options.browser,
      pasteCode: !options.redirect,
      device: options.device,
      timeoutMs: parseSeconds(options.timeout) * 1000,
    },
    providerSession(ctx),
    {
      showAuthorizeUrl: (url, opened) =>
        output.info(
          authorizeUrlText(entry.displayName, url, {
            opened,
            wanted: options.browser,
            waitSeconds: options.redirect ? parseSeconds(options.timeout) : undefined,
          }),
        ),
      askForCode: (prompt) => readLine(ctx, prompt),
      showDeviceCode: (url, code, expiresIn) => output.info(deviceCodeText(url, code, expiresIn)),
      info: (text) => output.info(text),
    },
  );
  output.success(loggedInLine(entry.displayName, account));
}

async function runLogout(output: Output, providerName: string) {
  const { ctx } = output;
  const entry = findProvider(providerName);
  const { credentials } = providerSession(ctx);
  const location = await credentials.locate(entry.name);
  const removed = await credentials.delete(entry.name);
  output.success(loggedOutLine(entry.displayName, removed, location));
  const variable = entry.tokenVariable;
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
