// The one call policy every provider uses (src/providers/authorized-call.ts), with a client
// of dmshare's own AuthorizedClient interface standing for an SDK: credentials from the
// environment or the store, one refresh on an expired token, the refreshed token saved (never
// one from the environment), recovery, and the translated error.

import { describe, expect, it } from "vitest";
import { DmshareError, providerError } from "../../src/lib/errors.ts";
import {
  type AuthorizedClient,
  authorized,
  authorizedCall,
  loadCredentials,
} from "../../src/providers/authorized-call.ts";
import type { ProviderSession } from "../../src/providers/provider.ts";
import type { CredentialStore, StoredCredentials } from "../../src/store/credentials.ts";
import { testContext } from "../helpers/context.ts";

const WHO = { name: "dropbox", label: "Dropbox" } as const;

function memoryStore(initial?: StoredCredentials) {
  const saved: StoredCredentials[] = [];
  let current = initial;
  const store: CredentialStore = {
    locate: async () => "memory",
    get: async () => current,
    set: async (_name, credentials) => {
      current = credentials;
      saved.push(credentials);
    },
    delete: async () => false,
  };
  return { store, saved };
}

function sessionWith(store: CredentialStore, env: Record<string, string> = {}): ProviderSession {
  return { ctx: testContext({ configDir: "/nonexistent", env }).ctx, credentials: store };
}

class Expired extends Error {}
class Refused extends Error {}

/** An SDK stand-in: its token changes on refresh; Expired means "refresh may help". */
function fakeClient(): AuthorizedClient & { refreshes: number } {
  const client = {
    refreshes: 0,
    accessToken: "old-token",
    token: () => ({ accessToken: client.accessToken, expiresAt: "2026-12-01T00:00:00.000Z" }),
    refresh: async () => {
      client.refreshes += 1;
      client.accessToken = `new-token-${client.refreshes}`;
    },
    expired: (failure: unknown) => failure instanceof Expired,
    retryDecision: () => ({ retry: false as const }),
    translate: (failure: unknown, action: string, loginAgain: string) =>
      providerError(
        `translated ${String((failure as Error).message)} while trying to ${action}`,
        loginAgain,
      ),
  };
  return client;
}

const STORED: StoredCredentials = {
  accessToken: "old-token",
  refreshToken: "refresh",
  clientId: "app",
};

describe("loadCredentials", () => {
  it("is 'not logged in' with the login command and the token variable", async () => {
    const { store } = memoryStore();
    const error = await loadCredentials(sessionWith(store), WHO).catch((caught) => caught);
    expect(error).toBeInstanceOf(DmshareError);
    expect(error).toMatchObject({
      kind: "auth",
      message: "Not logged in to Dropbox.",
      hint: "Run: dmshare login dropbox   (or set DMSHARE_DROPBOX_TOKEN for scripts)",
    });
  });

  it("prefers the environment's token, and says to replace it when rejected", async () => {
    const { store } = memoryStore(STORED);
    const loaded = await loadCredentials(
      sessionWith(store, { DMSHARE_DROPBOX_TOKEN: " env-token " }),
      WHO,
    );
    expect(loaded.stored).toEqual({ accessToken: "env-token" });
    expect(loaded.fromEnv).toBe(true);
    expect(loaded.loginAgain).toMatch(
      /^DMSHARE_DROPBOX_TOKEN holds a token Dropbox does not accept/,
    );
  });
});

describe("authorizedCall", () => {
  async function setUp(stored: StoredCredentials = STORED, env: Record<string, string> = {}) {
    const { store, saved } = memoryStore(stored);
    const session = sessionWith(store, env);
    const client = fakeClient();
    const state = authorized(session, WHO, await loadCredentials(session, WHO), client);
    return { state, client, saved };
  }

  it("refreshes an expired token once, retries, and saves the new token", async () => {
    const { state, client, saved } = await setUp();
    let attempts = 0;
    const result = await authorizedCall(state, "list", async () => {
      attempts += 1;
      if (attempts === 1) throw new Expired("expired");
      return "listed";
    });
    expect(result).toBe("listed");
    expect(client.refreshes).toBe(1);
    expect(saved).toEqual([
      { ...STORED, accessToken: "new-token-1", expiresAt: "2026-12-01T00:00:00.000Z" },
    ]);
    // Saved once: the next call with the same token writes nothing.
    await authorizedCall(state, "list", async () => "again");
    expect(saved).toHaveLength(1);
  });

  it("refreshes at most once per call: a second expiry is the translated error", async () => {
    const { state, client } = await setUp();
    const error = await authorizedCall(state, "list", async () => {
      throw new Expired("expired");
    }).catch((caught) => caught);
    expect(client.refreshes).toBe(1);
    expect(error).toMatchObject({
      kind: "provider",
      message: "translated expired while trying to list",
      hint: "Log in again: dmshare login dropbox",
    });
  });

  it("never refreshes or saves a token from the environment", async () => {
    const { state, client, saved } = await setUp(STORED, { DMSHARE_DROPBOX_TOKEN: "env-token" });
    await authorizedCall(state, "list", async () => {
      throw new Expired("expired");
    }).catch(() => {});
    expect(client.refreshes).toBe(0);
    expect(saved).toEqual([]);
  });

  it("turns a failure into a result when recover says so, and leaves others errors", async () => {
    const { state } = await setUp();
    const recovered = await authorizedCall(
      state,
      "delete",
      async () => {
        throw new Refused("gone");
      },
      (failure) => (failure instanceof Refused ? Promise.resolve("already gone") : undefined),
    );
    expect(recovered).toBe("already gone");
    const error = await authorizedCall(
      state,
      "delete",
      async () => {
        throw new Error("other");
      },
      (failure) => (failure instanceof Refused ? "never" : undefined),
    ).catch((caught) => caught);
    expect(error).toMatchObject({ message: "translated other while trying to delete" });
  });
});
