import { chmod } from "node:fs/promises";
import type { Env } from "../context.ts";
import { DmshareError } from "../lib/errors.ts";
import { rememberSecrets } from "../lib/secrets.ts";
import type { CredentialStore, StoredCredentials } from "./credential-store.ts";
import { localFileError, PRIVATE_FILE_MODE, readTextIfExists, writeFileAtomic } from "./files.ts";
import { credentialStoreChoice, keychainOrFile } from "./keychain.ts";
import { type LockHolder, withFileLock } from "./lock.ts";
import { credentialsPath } from "./paths.ts";

// The credential types live in ./credential-store.ts, which keychain.ts shares without
// importing this module.
export type { CredentialStore, StoredCredentials } from "./credential-store.ts";

type CredentialFile = Record<string, StoredCredentials>;

/** A JSON file readable by the user only (0600) in the config dir. */
export function fileCredentialStore(configDir: string, holder: LockHolder): CredentialStore {
  const file = credentialsPath(configDir);

  async function read(): Promise<CredentialFile> {
    const text = await readTextIfExists(file);
    if (text === null) return {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
        return parsed as CredentialFile;
      }
    } catch {
      // reported below
    }
    throw new DmshareError("auth", `The credentials file ${file} is not valid JSON.`, {
      hint: `Delete it and log in again: rm '${file}' && dmshare login <provider>`,
    });
  }

  async function change(edit: (all: CredentialFile) => boolean): Promise<boolean> {
    return withFileLock(
      `${file}.lock`,
      async () => {
        const all = await read();
        const changed = edit(all);
        if (changed) {
          await writeFileAtomic(file, `${JSON.stringify(all, null, 2)}\n`);
          await chmod(file, PRIVATE_FILE_MODE).catch((error: unknown) => {
            throw localFileError(error, file, "protect");
          });
        }
        return changed;
      },
      holder,
    );
  }

  return {
    locate: async () => `the file ${file}`,
    get: async (provider) => (await read())[provider],
    set: async (provider, credentials) => {
      await change((all) => {
        all[provider] = credentials;
        return true;
      });
    },
    delete: (provider) =>
      change((all) => {
        if (!(provider in all)) return false;
        delete all[provider];
        return true;
      }),
  };
}

/** Where dmshare keeps credentials: the OS keychain where there is one, else the 0600 file. */
export function openCredentialStore(
  env: Env,
  configDir: string,
  system: LockHolder & { platform: NodeJS.Platform },
): CredentialStore {
  const { platform } = system;
  const choice = credentialStoreChoice(env.DMSHARE_CREDENTIAL_STORE);
  const file = fileCredentialStore(configDir, system);
  if (choice === "file") return remembering(file);
  return remembering(
    keychainOrFile(file, configDir, env, { required: choice === "keychain", platform }),
  );
}

/** Every credential read or saved is remembered, so no message or log can print it. */
function remembering(store: CredentialStore): CredentialStore {
  const remember = (credentials: StoredCredentials | undefined) => {
    if (credentials) {
      rememberSecrets(credentials.accessToken, credentials.refreshToken, credentials.clientSecret);
    }
    return credentials;
  };
  return {
    locate: (provider) => store.locate(provider),
    get: async (provider) => remember(await store.get(provider)),
    set: (provider, credentials) => {
      remember(credentials);
      return store.set(provider, credentials);
    },
    delete: (provider) => store.delete(provider),
  };
}
