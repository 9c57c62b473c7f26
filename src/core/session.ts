import type { Ctx } from "../context.ts";
import { authError, usageError } from "../lib/errors.ts";
import { BUILTIN_APPS } from "../providers/builtin-apps.ts";
import {
  connectEntry,
  displayNameOf,
  findProvider,
  providerNames,
  tokenVariable,
} from "../providers/catalog.ts";
import type { Provider, ProviderName, ProviderSession } from "../providers/provider.ts";
import { type CredentialStore, openCredentialStore } from "../store/credentials.ts";
import { tightenPrivateFiles } from "../store/files.ts";
import { Ledger } from "../store/ledger.ts";
import { credentialsPath, ledgerPath, legacyLedgerPath } from "../store/paths.ts";

export function providerSession(ctx: Ctx): ProviderSession {
  return {
    ctx,
    credentials: tightenedFirst(ctx, openCredentialStore(ctx.env, ctx.paths.configDir, ctx.system)),
  };
}

/**
 * The config folder is tightened once per command, and only by commands that read or write
 * what it keeps. Keyed by the command's notice sink, which contexts derived from the
 * command's (`{ ...ctx, signal }`) share, so a notice is given once.
 */
const tightening = new WeakMap<object, Promise<void>>();

function tightenConfigOnce(ctx: Ctx): Promise<void> {
  const command: object = ctx.onNotice ?? ctx;
  let done = tightening.get(command);
  if (!done) {
    done = tightenConfig(ctx);
    tightening.set(command, done);
  }
  return done;
}

const octal = (mode: number) => `0${mode.toString(8)}`;

/**
 * dmshare's config folder and credentials file are private again when found open to others.
 * The folder counts as dmshare's only when it holds the ledger or the credentials.
 */
async function tightenConfig(ctx: Ctx): Promise<void> {
  const { configDir } = ctx.paths;
  const credentials = credentialsPath(configDir);
  for (const { file, what, was, now } of await tightenPrivateFiles(
    configDir,
    credentials,
    [ledgerPath(configDir), legacyLedgerPath(configDir), credentials],
    ctx.system.platform,
  )) {
    const open = was & 0o022 ? "writable" : "readable";
    if (now === null) {
      ctx.onNotice?.(
        `dmshare's ${what} ${file} is ${open} by other users (mode ${octal(was)}) and dmshare can't change that.`,
        `Make it yours and private: chmod ${what === "folder" ? "700" : "600"} '${file}'`,
      );
    } else {
      ctx.onNotice?.(
        `dmshare's ${what} ${file} was ${open} by other users (mode ${octal(was)}); it is ${octal(now)} again.`,
      );
    }
  }
}

/** The credential store, reading or writing only once the config folder is private. */
function tightenedFirst(ctx: Ctx, store: CredentialStore): CredentialStore {
  const ready = () => tightenConfigOnce(ctx);
  return {
    locate: store.locate,
    get: async (provider) => {
      await ready();
      return store.get(provider);
    },
    set: async (provider, credentials) => {
      await ready();
      return store.set(provider, credentials);
    },
    delete: async (provider) => {
      await ready();
      return store.delete(provider);
    },
  };
}

/** Skipped ledger entries already reported to this command's user: each is said once. */
const reported = new WeakMap<Ctx, Set<string>>();

export const openLedger = (ctx: Ctx) =>
  new Ledger(ledgerPath(ctx.paths.configDir), {
    beforeUse: () => tightenConfigOnce(ctx),
    onSkipped: (skipped) => {
      const said = reported.get(ctx) ?? new Set<string>();
      reported.set(ctx, said);
      const fresh = skipped.filter(({ id, reason }) => !said.has(`${id}\n${reason}`));
      for (const { id, reason } of fresh) {
        said.add(`${id}\n${reason}`);
        ctx.onNotice?.(
          `Skipped ledger entry ${JSON.stringify(id)}: ${reason}.`,
          `dmshare leaves it in ${ledgerPath(ctx.paths.configDir)} as it is; repair it there (or delete it) to see it again.`,
        );
      }
    },
  });

/** Connects to a provider by name or alias; throws an auth error when not logged in. */
export async function connectProvider(ctx: Ctx, nameOrAlias: string): Promise<Provider> {
  return connectEntry(findProvider(nameOrAlias), providerSession(ctx));
}

/** The providers with credentials here (stored, or a token in the environment), in order. */
export async function loggedInProviders(ctx: Ctx): Promise<ProviderName[]> {
  const { credentials } = providerSession(ctx);
  const found: ProviderName[] = [];
  for (const name of providerNames()) {
    if (ctx.env[tokenVariable(name)] || (await credentials.get(name))) found.push(name);
  }
  return found;
}

/**
 * Why the prune timer can't revoke a provider's links, or undefined when it can: its runs get
 * no DMSHARE_*_TOKEN (never a secret in a timer definition), only the login stored here.
 */
export async function timerCannotReach(ctx: Ctx, name: string): Promise<string | undefined> {
  const { credentials } = providerSession(ctx);
  if (await credentials.get(name)) return undefined;
  const variable = tokenVariable(name);
  return ctx.env[variable]
    ? `the prune timer can't use your ${displayNameOf(name)} login, which is only in ${variable} (dmshare login ${name} stores it)`
    : `the prune timer has no stored ${displayNameOf(name)} login (dmshare login ${name} stores one)`;
}

/** The providers whose only login here is a DMSHARE_*_TOKEN variable, which the timer won't get. */
export async function envOnlyLogins(ctx: Ctx): Promise<string[]> {
  const { credentials } = providerSession(ctx);
  const found: string[] = [];
  for (const name of providerNames()) {
    if (ctx.env[tokenVariable(name)] && !(await credentials.get(name))) found.push(name);
  }
  return found;
}

/**
 * First run: nothing to send with yet, and how to change that (three lines with the hint).
 * A build that carries its own app registrations needs nothing more than the login.
 */
export const notLoggedInAnywhere = () =>
  authError(
    "dmshare is not logged in to any account yet.",
    "Log in once with: dmshare login dropbox   (or: dmshare login gdrive)\n" +
      (BUILTIN_APPS.dropboxAppKey || BUILTIN_APPS.google
        ? "It opens your browser, where you allow dmshare to use your account."
        : 'You bring your own app (two minutes): README "Connect Dropbox", https://www.dropbox.com/developers/apps'),
  );

/** `--via`, else the configured default. */
export function chooseProviderName(
  via: string | undefined,
  configured: string | undefined,
): string {
  const chosen = via ?? configured;
  if (chosen) return findProvider(chosen).name;
  throw usageError(
    "No provider given.",
    "Add --via dropbox, or set a default once: dmshare config set provider dropbox",
  );
}
