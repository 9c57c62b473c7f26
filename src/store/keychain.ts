import { authError, usageError } from "../lib/errors.ts";
import { didYouMean } from "../lib/suggest.ts";
import type { CredentialStore, StoredCredentials } from "./credential-store.ts";

/** Every secret dmshare keeps in the OS keychain is filed under this service name. */
export const KEYCHAIN_SERVICE = "dmshare";

interface Keychain {
  read(account: string): string | null;
  write(account: string, secret: string): void;
  remove(account: string): boolean;
}

/**
 * The OS keychain (macOS Keychain, Windows Credential Manager, the Secret Service on Linux),
 * or null where there is none to be had. On Linux the Secret Service lives on the session
 * bus, so without one (a server, a container, CI) there is no keychain; `required` (when
 * DMSHARE_CREDENTIAL_STORE=keychain) turns that into an error instead.
 */
async function openKeychain(
  env: Readonly<Record<string, string | undefined>>,
  platform: NodeJS.Platform,
  required: boolean,
): Promise<Keychain | null> {
  const unavailable = (why: string) => {
    if (!required) return null;
    throw authError(
      `DMSHARE_CREDENTIAL_STORE=keychain, but ${why}.`,
      "Start a keychain (on Linux: a Secret Service such as gnome-keyring, in a desktop session), or unset DMSHARE_CREDENTIAL_STORE to keep credentials in a file only you can read.",
    );
  };
  if (platform === "linux" && !env.DBUS_SESSION_BUS_ADDRESS) {
    return unavailable(
      "there is no session bus (DBUS_SESSION_BUS_ADDRESS) to reach a Secret Service on",
    );
  }
  let Entry: typeof import("@napi-rs/keyring").Entry;
  try {
    ({ Entry } = await import("@napi-rs/keyring"));
  } catch {
    return unavailable("the keychain module for this system is not installed");
  }
  const keychain: Keychain = {
    read: (account) => new Entry(KEYCHAIN_SERVICE, account).getPassword() ?? null,
    write: (account, secret) => new Entry(KEYCHAIN_SERVICE, account).setPassword(secret),
    remove: (account) => new Entry(KEYCHAIN_SERVICE, account).deletePassword(),
  };
  try {
    // A locked or absent Secret Service fails here, before any secret is trusted to it.
    keychain.read("probe");
    return keychain;
  } catch (error) {
    return unavailable(`the keychain did not answer (${(error as Error).message})`);
  }
}

/**
 * Credentials in the OS keychain where there is one, else in `file`. Credentials already in
 * the file keep working and move to the keychain when next saved. Each config dir has its
 * own keychain entries, so two configurations never see each other's logins.
 */
export function keychainOrFile(
  file: CredentialStore,
  configDir: string,
  env: Readonly<Record<string, string | undefined>>,
  options: { required: boolean; platform: NodeJS.Platform },
): CredentialStore {
  let opened: Promise<Keychain | null> | undefined;
  const keychain = () => {
    opened ??= openKeychain(env, options.platform, options.required);
    return opened;
  };
  const account = (provider: string) => `${provider}:${configDir}`;

  async function fromKeychain(provider: string): Promise<StoredCredentials | undefined> {
    const secret = (await keychain())?.read(account(provider));
    if (!secret) return undefined;
    try {
      return JSON.parse(secret) as StoredCredentials;
    } catch {
      throw authError(
        `The keychain entry for ${provider} (service "${KEYCHAIN_SERVICE}", account "${account(provider)}") is not dmshare's.`,
        `Log in again: dmshare logout ${provider} && dmshare login ${provider}`,
      );
    }
  }

  return {
    locate: async (provider) =>
      (await fromKeychain(provider)) || (!(await file.get(provider)) && (await keychain()))
        ? `the keychain (service "${KEYCHAIN_SERVICE}", account "${account(provider)}")`
        : file.locate(provider),
    get: async (provider) => (await fromKeychain(provider)) ?? file.get(provider),
    set: async (provider, credentials) => {
      const store = await keychain();
      if (!store) return file.set(provider, credentials);
      try {
        store.write(account(provider), JSON.stringify(credentials));
      } catch (error) {
        // A keychain that answers but won't take secrets (locked, no login keyring, a
        // prompt with no display to show it): the file, unless the keychain was demanded.
        if (!options.required) return file.set(provider, credentials);
        throw authError(
          `Could not save the ${provider} login in the keychain: ${(error as Error).message}.`,
          "Unlock the keychain and log in again, or keep credentials in a file only you can read: DMSHARE_CREDENTIAL_STORE=file",
        );
      }
      await file.delete(provider);
    },
    delete: async (provider) => {
      const removedFromKeychain = (await keychain())?.remove(account(provider)) ?? false;
      return (await file.delete(provider)) || removedFromKeychain;
    },
  };
}

/** DMSHARE_CREDENTIAL_STORE: `file`, `keychain`, or unset (the keychain where there is one). */
export function credentialStoreChoice(value: string | undefined): "auto" | "file" | "keychain" {
  const choice = value?.trim().toLowerCase() || "auto";
  if (choice === "auto" || choice === "file" || choice === "keychain") return choice;
  throw usageError(
    `DMSHARE_CREDENTIAL_STORE "${value}" is not a credential store.`,
    `${didYouMean(choice, ["keychain", "file"])}Use DMSHARE_CREDENTIAL_STORE=keychain or =file, or unset it (the keychain where there is one).`,
  );
}
