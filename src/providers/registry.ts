import { usageError } from "../errors.ts";
import type { ProviderModule, ProviderName } from "./provider.ts";

interface ProviderEntry {
  name: ProviderName;
  displayName: string;
  aliases: readonly string[];
  /** False where only the provider's own app can share (no link, so nothing to expire). */
  makesLinks: boolean;
  load: () => Promise<ProviderModule>;
}

const PROVIDERS: readonly ProviderEntry[] = [
  {
    name: "dropbox",
    displayName: "Dropbox",
    aliases: [],
    makesLinks: true,
    load: async () => (await import("./dropbox.ts")).default,
  },
  {
    name: "gdrive",
    displayName: "Google Drive",
    aliases: ["google", "drive"],
    makesLinks: true,
    load: async () => (await import("./gdrive.ts")).default,
  },
  {
    name: "gphotos",
    displayName: "Google Photos",
    aliases: ["google-photos"],
    makesLinks: false,
    load: async () => (await import("./gphotos.ts")).default,
  },
];

export const providerNames = (): ProviderName[] => PROVIDERS.map((entry) => entry.name);

export function findProvider(nameOrAlias: string): ProviderEntry {
  const wanted = nameOrAlias.trim().toLowerCase();
  const entry = PROVIDERS.find((p) => p.name === wanted || p.aliases.includes(wanted));
  if (!entry) {
    throw usageError(
      `Unknown provider "${nameOrAlias}".`,
      `Valid providers: ${describeProviders()}.`,
    );
  }
  return entry;
}

/** The environment variable that gives a provider's token to scripts: DMSHARE_DROPBOX_TOKEN. */
export const tokenVariable = (name: string) => `DMSHARE_${name.toUpperCase()}_TOKEN`;

export function displayNameOf(name: string): string {
  return PROVIDERS.find((p) => p.name === name)?.displayName ?? name;
}

function describeProviders(): string {
  return PROVIDERS.map((p) =>
    p.aliases.length ? `${p.name} (${p.aliases.join(", ")})` : p.name,
  ).join(", ");
}
