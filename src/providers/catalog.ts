// Every provider dmshare knows, as data: what the CLI and the core need to name a provider,
// find its login, show its help and check its credentials, without loading any SDK. The
// provider itself (`<name>/index.ts`) is imported only when `load()` or `connect()` needs it.

import { usageError } from "../lib/errors.ts";
import { didYouMean } from "../lib/suggest.ts";
import { BUILTIN_APPS } from "./builtin-apps.ts";
import { fillCapabilities } from "./features.ts";
import type {
  LinkOptions,
  Provider,
  ProviderModule,
  ProviderName,
  ProviderSession,
} from "./provider.ts";
import { tokenVariable } from "./provider.ts";

/**
 * How a provider's browser login finds the app it logs in with, and what a person at a
 * terminal is asked for when nothing gives one.
 */
export type LoginKind =
  | {
      /** An app key with PKCE (Dropbox): given with --app-key or the environment. */
      kind: "app-key";
      /** The environment variable that gives the app key. */
      keyVariable: string;
      /** The app key this build carries, if any. */
      builtin: () => string | undefined;
      /** What a person at a terminal is asked for. */
      prompt: string;
      /**
       * The loopback port the app registers as its redirect (`http://127.0.0.1:PORT/`): the
       * login listens there unless --port says otherwise.
       */
      port: number;
    }
  | {
      /** An OAuth client id and secret, or its client_secret.json (Google). */
      kind: "oauth-client";
      /** The environment variables that give the client file and the client id. */
      fileVariable: string;
      idVariable: string;
      /** The browser-login client this build carries, if any. */
      builtin: () => unknown;
      prompt: string;
      /** 0: any free port (Google accepts any loopback port for Desktop clients). */
      port: number;
    }
  | {
      /** A public client id alone, no secret (Microsoft Entra "Mobile and desktop" apps). */
      kind: "public-client";
      /** The environment variable that gives the client id. */
      idVariable: string;
      /** The client id this build carries, if any. */
      builtin: () => string | undefined;
      prompt: string;
      /** 0: any free port (Microsoft matches a registered http://localhost on any port). */
      port: number;
    };

export interface CatalogEntry {
  name: ProviderName;
  displayName: string;
  aliases: readonly string[];
  /** The environment variable that gives scripts a token: DMSHARE_DROPBOX_TOKEN. */
  tokenVariable: string;
  login: LoginKind;
  /**
   * The static capabilities: what its links and albums can be. Which operations exist (links,
   * revoke, delete) is told from what the provider implements (features.ts).
   */
  linkOptions: LinkOptions;
  /**
   * A link is its item's own address (Drive's webViewLink): the item's id identifies the link
   * even where no URL was recorded.
   */
  linkIsItemAddress: boolean;
  /** What the account picker says under the provider's name, when it needs saying. */
  choiceNote?: string;
  load: () => Promise<ProviderModule>;
}

/** The port registered with dmshare's Dropbox app, and the one the README tells you to use. */
const DROPBOX_REDIRECT_PORT = 53682;

const googleClient = {
  kind: "oauth-client",
  fileVariable: "DMSHARE_GOOGLE_CREDENTIALS",
  idVariable: "DMSHARE_GOOGLE_CLIENT_ID",
  builtin: () => BUILTIN_APPS.google,
  prompt: "Your Google OAuth client's client_secret_….json",
  port: 0,
} as const satisfies LoginKind;

const CATALOG: readonly CatalogEntry[] = [
  {
    name: "dropbox",
    displayName: "Dropbox",
    aliases: [],
    tokenVariable: tokenVariable("dropbox"),
    login: {
      kind: "app-key",
      keyVariable: "DMSHARE_DROPBOX_APP_KEY",
      builtin: () => BUILTIN_APPS.dropboxAppKey,
      prompt:
        'Your Dropbox app key (README "Connect Dropbox"; https://www.dropbox.com/developers/apps)',
      port: DROPBOX_REDIRECT_PORT,
    },
    linkOptions: { albums: true, expiry: true, noDownload: true, password: true },
    linkIsItemAddress: false,
    load: async () => (await import("./dropbox/index.ts")).default,
  },
  {
    name: "gdrive",
    displayName: "Google Drive",
    aliases: ["google", "drive"],
    tokenVariable: tokenVariable("gdrive"),
    login: googleClient,
    // Drive has no expiry and no password for "anyone with the link" (only for named people).
    linkOptions: { albums: true, expiry: false, noDownload: true, password: false },
    linkIsItemAddress: true,
    load: async () => (await import("./gdrive/index.ts")).default,
  },
  {
    name: "gphotos",
    displayName: "Google Photos",
    aliases: ["google-photos"],
    tokenVariable: tokenVariable("gphotos"),
    login: googleClient,
    linkOptions: { albums: true, expiry: false, noDownload: false, password: false },
    linkIsItemAddress: false,
    choiceNote: "uploads privately; you press Share in Google Photos",
    load: async () => (await import("./gphotos/index.ts")).default,
  },
  {
    name: "onedrive",
    displayName: "OneDrive",
    aliases: ["microsoft"],
    tokenVariable: tokenVariable("onedrive"),
    login: {
      kind: "public-client",
      idVariable: "DMSHARE_ONEDRIVE_CLIENT_ID",
      builtin: () => BUILTIN_APPS.onedriveClientId,
      prompt: 'Your Microsoft app\'s Application (client) ID (README "Connect OneDrive")',
      port: 0,
    },
    // Graph's expiry and passwords need a Microsoft 365 plan on personal accounts, which
    // dmshare can't tell beforehand: --expires is kept by dmshare (prune), --password refused.
    // No "can't download" for anonymous view links.
    linkOptions: { albums: true, expiry: false, noDownload: false, password: false },
    linkIsItemAddress: false,
    load: async () => (await import("./onedrive/index.ts")).default,
  },
];

export const providerNames = (): ProviderName[] => CATALOG.map((entry) => entry.name);

export function findProvider(nameOrAlias: string): CatalogEntry {
  const wanted = nameOrAlias.trim().toLowerCase();
  const entry = CATALOG.find((p) => p.name === wanted || p.aliases.includes(wanted));
  if (!entry) {
    throw usageError(
      `Unknown provider "${nameOrAlias}".`,
      `${didYouMean(wanted, [...providerNames(), ...CATALOG.flatMap((p) => p.aliases)])}Valid providers: ${describeProviders()}.`,
    );
  }
  return entry;
}

export { tokenVariable };

/** Connects to the provider (an auth error when not logged in), its capabilities filled in. */
export async function connectEntry(
  entry: CatalogEntry,
  session: ProviderSession,
): Promise<Provider> {
  const module = await entry.load();
  return fillCapabilities(await module.connect(session), entry.linkOptions);
}

/** The entry of a provider by its exact name; undefined for a name dmshare does not know. */
export const catalogEntry = (name: string): CatalogEntry | undefined =>
  CATALOG.find((p) => p.name === name);

export function displayNameOf(name: string): string {
  return catalogEntry(name)?.displayName ?? name;
}

function describeProviders(): string {
  return CATALOG.map((p) =>
    p.aliases.length ? `${p.name} (${p.aliases.join(", ")})` : p.name,
  ).join(", ");
}
