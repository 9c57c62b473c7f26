import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { providerSession } from "../../src/core/session.ts";
import { DmshareError } from "../../src/lib/errors.ts";
import { loadCredentials } from "../../src/providers/authorized-call.ts";
import { ONEDRIVE, openAuth as openWith } from "../../src/providers/onedrive/auth.ts";
import { loginOneDrive } from "../../src/providers/onedrive/login.ts";
import type { LoginRequest, LoginUi, ProviderSession } from "../../src/providers/provider.ts";
import type { StoredCredentials } from "../../src/store/credentials.ts";
import { playBrowserConsent, playDeviceVerification } from "../emulators/browser.ts";
import { startMicrosoftEmulator } from "../emulators/microsoft.ts";
import { type MicrosoftIdentity, mountIdentity } from "../emulators/microsoft-identity.ts";
import { MicrosoftIdentityServer } from "../emulators/microsoft-identity-server.ts";
import { testContext } from "../helpers/context.ts";

const APP = "8a2c1f4e-3b7d-4e21-9f0a-5c6d7e8f9a0b";
const NO_DEVICE_APP = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";
const SCOPES = "Files.ReadWrite.AppFolder User.Read offline_access";
const ACCOUNT = { id: "00000000-0000-0000-0001-000000000001", name: "Mia Soft", email: null };

const server = new MicrosoftIdentityServer({
  account: {
    displayName: "Mia Soft",
    userPrincipalName: "mia@outlook.example",
    id: ACCOUNT.id,
  },
  deviceIntervalSeconds: 0.02,
});
const identity = server.identity;
const configDirs: string[] = [];

beforeAll(async () => {
  await server.listen();
  identity.registerApp({ clientId: APP, displayName: "dmshare", publicClientFlows: true });
  identity.registerApp({ clientId: NO_DEVICE_APP, publicClientFlows: false });
});
afterAll(() => server.close());
afterEach(async () => {
  for (const dir of configDirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function session(env: Record<string, string> = {}): Promise<ProviderSession> {
  const configDir = await mkdtemp(path.join(tmpdir(), "dmshare-onedrive-"));
  configDirs.push(configDir);
  const { ctx } = testContext({
    configDir,
    env: { DMSHARE_ONEDRIVE_AUTH_URL: server.url, DMSHARE_CREDENTIAL_STORE: "file", ...env },
  });
  return providerSession(ctx);
}

const request = (extra: Partial<LoginRequest> = {}): LoginRequest => ({
  clientId: APP,
  port: 0,
  openBrowser: false,
  pasteCode: false,
  timeoutMs: 10_000,
  ...extra,
});

/** A person who presses `decision` on the page the login shows, then lands on the redirect. */
function browserUi(decision: "allow" | "deny", seen: string[] = []): LoginUi {
  return {
    showAuthorizeUrl: (url) => {
      seen.push(url);
      void playBrowserConsent(url, decision).then(async ({ location }) => {
        if (location) await (await fetch(location)).text();
      });
    },
    askForCode: async () => "",
    showDeviceCode: () => {},
    info: () => {},
  };
}

function deviceUi(decision: "allow" | "deny" | "wait", shown: string[] = []): LoginUi {
  return {
    showAuthorizeUrl: () => {},
    askForCode: async () => "",
    showDeviceCode: (url, code) => {
      shown.push(url, code);
      if (decision !== "wait") void playDeviceVerification(url, code, decision);
    },
    info: () => {},
  };
}

const whoami = async () => ACCOUNT;
const openAuth = async (s: ProviderSession) => openWith(s, await loadCredentials(s, ONEDRIVE));
const stored = async (s: ProviderSession) =>
  (await s.credentials.get("onedrive")) as StoredCredentials;

async function loggedIn(): Promise<ProviderSession> {
  const s = await session();
  await loginOneDrive(request(), s, browserUi("allow"), whoami);
  return s;
}

describe("dmshare login onedrive, in the browser", () => {
  it("PKCE on a localhost redirect, the three scopes only; stores a refresh token", async () => {
    const s = await session();
    const seen: string[] = [];
    const before = server.requests.length;
    const account = await loginOneDrive(request(), s, browserUi("allow", seen), whoami);
    expect(account).toEqual(ACCOUNT);
    const asked = new URL(seen[0] ?? "");
    expect(asked.pathname).toBe("/common/oauth2/v2.0/authorize");
    expect(asked.searchParams.get("scope")).toBe(SCOPES);
    expect(asked.searchParams.get("code_challenge_method")).toBe("S256");
    expect(asked.searchParams.get("redirect_uri")).toMatch(/^http:\/\/localhost:\d+\/$/);
    const token = server.requests.slice(before).find((r) => r.path.endsWith("/token"));
    expect(token?.arg).toMatchObject({
      grant_type: "authorization_code",
      client_id: APP,
      code_verifier: "[redacted]",
    });
    expect(token?.arg).not.toHaveProperty("client_secret");
    const saved = await stored(s);
    expect(saved.clientId).toBe(APP);
    expect(identity.check(saved.accessToken).ok).toBe(true);
    expect(identity.refreshTokenState(saved.refreshToken ?? "")).toBe("live");
  });

  it("Cancel on the consent page → exit 3, nothing stored", async () => {
    const s = await session();
    const failure = await loginOneDrive(request(), s, browserUi("deny"), whoami).catch((e) => e);
    expect(failure).toBeInstanceOf(DmshareError);
    expect(failure.kind).toBe("auth");
    expect(failure.message).toMatch(/OneDrive login was not completed: AADSTS65004/);
    expect(await s.credentials.get("onedrive")).toBeUndefined();
  });

  it("refuses a client secret, a non-GUID client id, and no client id at all", async () => {
    const s = await session();
    const ui = browserUi("allow");
    for (const [extra, message] of [
      [{ clientSecret: "shh-secret" }, /public client, which has no client secret/],
      [{ clientId: "my-app" }, /"my-app" is not a Microsoft Application \(client\) ID/],
      [{ clientId: undefined }, /No Microsoft app given, and this build of dmshare carries none/],
      [{ pasteCode: true }, /OneDrive has no paste-the-code login/],
    ] as const) {
      const failure = await loginOneDrive(request(extra), s, ui, whoami).catch((e) => e);
      expect(failure.kind).toBe("usage");
      expect(failure.message).toMatch(message);
    }
  });

  it("DMSHARE_ONEDRIVE_CLIENT_ID gives the app when --client-id does not", async () => {
    const s = await session({ DMSHARE_ONEDRIVE_CLIENT_ID: APP });
    await loginOneDrive(request({ clientId: undefined }), s, browserUi("allow"), whoami);
    expect((await stored(s)).clientId).toBe(APP);
  });
});

describe("dmshare login onedrive --device", () => {
  it("pending until accepted on another device; then logged in", async () => {
    const s = await session();
    const shown: string[] = [];
    await loginOneDrive(request({ device: true }), s, deviceUi("allow", shown), whoami);
    expect(shown[0]).toBe(`${server.url}/devicelogin`);
    expect(shown[1]).toMatch(/^[A-Z0-9]{9}$/);
    expect((await stored(s)).refreshToken).toBeTruthy();
  });

  it("declined → auth error; expired → says to start again; no public client flows → usage", async () => {
    const s = await session();
    const declined = await loginOneDrive(request({ device: true }), s, deviceUi("deny"), whoami)
      .then(() => undefined)
      .catch((e) => e);
    expect(declined.kind).toBe("auth");
    expect(declined.message).toMatch(/sign-in was declined/);

    const before = server.requests.length;
    const waiting = loginOneDrive(request({ device: true }), s, deviceUi("wait"), whoami);
    await waitUntil(() =>
      server.requests
        .slice(before)
        .some((r) => r.errorSummary?.startsWith("authorization_pending")),
    );
    identity.expireDeviceCodes();
    const expired = await waiting.catch((e) => e);
    expect(expired.kind).toBe("auth");
    expect(expired.message).toMatch(/expired before it was entered/);

    const noFlows = await loginOneDrive(
      request({ device: true, clientId: NO_DEVICE_APP }),
      s,
      deviceUi("allow"),
      whoami,
    ).catch((e) => e);
    expect(noFlows.kind).toBe("usage");
    expect(noFlows.message).toMatch(/does not allow the device login: AADSTS7000218/);
    expect(noFlows.hint).toMatch(/Allow public client flows/);
    expect(await s.credentials.get("onedrive")).toBeUndefined();
  });

  it("slow_down: waits 5 s longer, then succeeds", async () => {
    const s = await session();
    const before = server.requests.length;
    const ui = deviceUi("wait");
    const shown: string[] = [];
    ui.showDeviceCode = (url, code) => {
      shown.push(url, code);
      identity.slowDownDevicePolls(1);
    };
    const done = loginOneDrive(request({ device: true }), s, ui, whoami);
    await waitUntil(() =>
      server.requests.slice(before).some((r) => r.errorSummary?.startsWith("slow_down")),
    );
    await playDeviceVerification(shown[0] ?? "", shown[1] ?? "", "allow");
    await done;
    expect((await stored(s)).refreshToken).toBeTruthy();
  }, 20_000);
});

describe("OneDrive access tokens (auth.ts)", () => {
  it("a refresh rotates the refresh token: the new one is stored, the old one is refused", async () => {
    const s = await loggedIn();
    const first = await stored(s);
    const auth = await openAuth(s);
    expect(await auth.accessToken()).toBe(first.accessToken);
    const fresh = await auth.refresh();
    const second = await stored(s);
    expect(fresh).toBe(second.accessToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(identity.refreshTokenState(first.refreshToken ?? "")).toBe("used");
    // The old refresh token is refused by Microsoft (strictly, as the emulator does).
    const replay = await fetch(`${server.url}/common/oauth2/v2.0/token`, {
      method: "POST",
      body: new URLSearchParams({
        client_id: APP,
        grant_type: "refresh_token",
        refresh_token: first.refreshToken ?? "",
        scope: SCOPES,
      }),
    });
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error_codes: number[] }).error_codes).toEqual([70000]);
    // …and dmshare goes on with the new one.
    expect(await (await openAuth(s)).refresh()).toBe((await stored(s)).accessToken);
  });

  it("refreshes made at once (parallel uploads all getting 401) spend the refresh token once", async () => {
    const s = await loggedIn();
    const auth = await openAuth(s);
    const before = server.requests.length;
    const tokens = await Promise.all([auth.refresh(), auth.refresh(), auth.refresh()]);
    expect(new Set(tokens).size).toBe(1);
    expect(server.requests.slice(before).filter((r) => r.path.endsWith("/token"))).toHaveLength(1);
  });

  it("hands out the new access token only after the rotated refresh token is saved", async () => {
    const s = await loggedIn();
    let releaseSave: () => void = () => {};
    const saving = new Promise<void>((resolve) => {
      releaseSave = resolve;
    });
    const saves: string[] = [];
    const slowStore: ProviderSession = {
      ...s,
      credentials: {
        ...s.credentials,
        set: async (name, credentials) => {
          saves.push(credentials.refreshToken ?? "");
          await saving;
          await s.credentials.set(name, credentials);
        },
      },
    };
    const auth = await openAuth(slowStore);
    let handedOut = false;
    const refreshed = auth.refresh().then((token) => {
      handedOut = true;
      return token;
    });
    await waitUntil(() => saves.length === 1);
    expect(handedOut).toBe(false);
    releaseSave();
    expect(await refreshed).toBe((await stored(s)).accessToken);
    expect((await stored(s)).refreshToken).toBe(saves[0]);
  });

  it("an expired access token is refreshed before it is used", async () => {
    const s = await loggedIn();
    const before = await stored(s);
    await s.credentials.set("onedrive", { ...before, expiresAt: "2000-01-01T00:00:00Z" });
    const token = await (await openAuth(s)).accessToken();
    expect(token).not.toBe(before.accessToken);
    expect(token).toBe((await stored(s)).accessToken);
  });

  it("a refresh token another dmshare process already spent: takes over its saved login", async () => {
    const s = await loggedIn();
    const mine = await openAuth(s);
    const other = await openAuth(s);
    const theirs = await other.refresh();
    expect(await mine.refresh()).toBe(theirs);
  });

  it("two dmshare processes refreshing at once send the refresh token once (a lock file)", async () => {
    const s = await loggedIn();
    const [one, two] = [await openAuth(s), await openAuth(s)];
    const before = server.requests.length;
    const tokens = await Promise.all([one.refresh(), two.refresh()]);
    expect(tokens[0]).toBe(tokens[1]);
    expect(server.requests.slice(before).filter((r) => r.path.endsWith("/token"))).toHaveLength(1);
  });

  it("a revoked refresh token → exit 3 saying to log in again", async () => {
    const s = await loggedIn();
    identity.revokeRefreshTokens();
    const failure = await (await openAuth(s)).refresh().catch((e) => e);
    expect(failure).toBeInstanceOf(DmshareError);
    expect(failure.kind).toBe("auth");
    expect(failure.message).toMatch(
      /Microsoft no longer accepts dmshare's OneDrive login: AADSTS50173/,
    );
    expect(failure.hint).toMatch(/dmshare login onedrive/);
    expect(`${failure.message} ${failure.hint}`).not.toContain((await stored(s)).refreshToken);
  });

  it("DMSHARE_ONEDRIVE_TOKEN is used as it is and never refreshed", async () => {
    const s = await session({ DMSHARE_ONEDRIVE_TOKEN: "EwBscript-token-value" });
    const auth = await openAuth(s);
    expect(auth.fromEnv).toBe(true);
    expect(await auth.accessToken()).toBe("EwBscript-token-value");
    expect(await auth.refresh()).toBeNull();
    expect(auth.loginAgain).toMatch(/unset it and run: dmshare login onedrive/);
  });

  it("not logged in → exit 3 naming the login command", async () => {
    const failure = await openAuth(await session()).catch((e) => e);
    expect(failure.kind).toBe("auth");
    expect(failure.message).toBe("Not logged in to OneDrive.");
    expect(failure.hint).toMatch(/dmshare login onedrive/);
  });
});

describe("the identity emulator is as strict as Microsoft", () => {
  const post = (form: Record<string, string>) =>
    fetch(`${server.url}/common/oauth2/v2.0/token`, {
      method: "POST",
      body: new URLSearchParams(form),
    }).then(async (response) => ({
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
    }));

  it("refuses a secret from a public client, a wrong PKCE verifier, a reused code", async () => {
    const secret = await post({ client_id: APP, grant_type: "refresh_token", client_secret: "x" });
    expect(secret.status).toBe(401);
    expect(secret.body).toMatchObject({ error: "invalid_client", error_codes: [700025] });

    const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"; // of "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    const authorize = `${server.url}/common/oauth2/v2.0/authorize?${new URLSearchParams({
      client_id: APP,
      response_type: "code",
      redirect_uri: "http://localhost:4567/",
      scope: SCOPES,
      code_challenge: challenge,
      code_challenge_method: "S256",
    })}`;
    const { location } = await playBrowserConsent(authorize, "allow");
    const code = new URL(location ?? "").searchParams.get("code") ?? "";
    const redeem = (verifier: string) =>
      post({
        client_id: APP,
        grant_type: "authorization_code",
        code,
        redirect_uri: "http://localhost:4567/",
        code_verifier: verifier,
      });
    expect((await redeem("wrong-verifier-wrong-verifier-wrong-verifier")).body.error_codes).toEqual(
      [501481],
    );
    expect((await redeem("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).status).toBe(200);
    expect((await redeem("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).body.error_codes).toEqual([
      54005,
    ]);
  });

  it("a redirect URI other than http://localhost is refused on the page", async () => {
    const page = (redirect: string) =>
      playBrowserConsent(
        `${server.url}/common/oauth2/v2.0/authorize?${new URLSearchParams({
          client_id: APP,
          response_type: "code",
          redirect_uri: redirect,
          scope: SCOPES,
        })}`,
        "allow",
      );
    await expect(page("http://127.0.0.1:4567/")).rejects.toThrow(/AADSTS50011/);
    await expect(page("https://evil.example/")).rejects.toThrow(/AADSTS50011/);
    await expect(page("http://localhost:1/")).resolves.toHaveProperty("location");
  });

  it("refuses an unknown scope, an unknown app, a tenant that is not one, and prompt=none without consent", async () => {
    const authorize = (params: Record<string, string>, tenant = "common") =>
      playBrowserConsent(
        `${server.url}/${tenant}/oauth2/v2.0/authorize?${new URLSearchParams({
          client_id: APP,
          response_type: "code",
          redirect_uri: "http://localhost:4567/",
          scope: SCOPES,
          ...params,
        })}`,
        "allow",
      );
    await expect(authorize({ scope: "Files.ReadWrite.Everything" })).rejects.toThrow(/AADSTS70011/);
    await expect(authorize({ client_id: NO_DEVICE_APP.replace("0f", "ff") })).rejects.toThrow(
      /AADSTS700016/,
    );
    const tenant = await fetch(`${server.url}/contoso/oauth2/v2.0/token`, { method: "POST" });
    expect(((await tenant.json()) as { error_codes: number[] }).error_codes).toEqual([90002]);
    const silent = await fetch(
      `${server.url}/common/oauth2/v2.0/authorize?${new URLSearchParams({
        client_id: APP,
        response_type: "code",
        redirect_uri: "http://localhost:4567/",
        scope: SCOPES,
        prompt: "none",
      })}`,
      { redirect: "manual" },
    );
    expect(silent.headers.get("location")).toMatch(/error=interaction_required/);
  });

  it("a refresh asking for more than was granted is refused", async () => {
    const { refreshToken } = identity.issue(APP, ["Files.ReadWrite.AppFolder", "offline_access"]);
    const wider = await post({
      client_id: APP,
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      scope: "Files.ReadWrite.All offline_access",
    });
    expect(wider.body).toMatchObject({ error: "invalid_grant", error_codes: [65001] });
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("condition never became true");
}

describe("mounted on the Microsoft Graph emulator", () => {
  it("Graph accepts the tokens a login gets, and refuses them once expired", async () => {
    let mounted: MicrosoftIdentity | undefined;
    const graph = await startMicrosoftEmulator({
      identity: mountIdentity({ apps: [{ clientId: APP }] }, (made) => {
        mounted = made;
      }),
    });
    try {
      const s = await session({ DMSHARE_ONEDRIVE_AUTH_URL: graph.url });
      await loginOneDrive(request(), s, browserUi("allow"), whoami);
      const me = (token: string) =>
        fetch(`${graph.url}/v1.0/me`, { headers: { Authorization: `Bearer ${token}` } });
      const { accessToken } = await stored(s);
      expect((await me(accessToken)).status).toBe(200);
      mounted?.expireAccessTokens();
      expect((await me(accessToken)).status).toBe(401);
      const fresh = await (await openAuth(s)).refresh();
      expect((await me(fresh ?? "")).status).toBe(200);
    } finally {
      await graph.close();
    }
  });
});

describe("answers dmshare does not trust or must wait out", () => {
  it("a token endpoint that is busy (503) is asked again; the refresh then succeeds", async () => {
    const s = await loggedIn();
    server.inject({ kind: "status", status: 503, route: /\/token$/, times: 2 });
    const before = server.requests.length;
    const token = await (await openAuth(s)).refresh();
    expect(token).toBe((await stored(s)).accessToken);
    const statuses = server.requests.slice(before).map((r) => r.status);
    expect(statuses).toEqual([503, 503, 200]);
  });

  it("a token endpoint that stays down → exit 4 (not 3: the login may be fine)", async () => {
    const s = await loggedIn();
    server.inject({ kind: "status", status: 503, route: /\/token$/, times: 10 });
    const failure = await (await openAuth(s))
      .refresh()
      .catch((e: DmshareError) => e)
      .finally(() => server.clearFaults());
    expect(failure).toBeInstanceOf(DmshareError);
    expect((failure as DmshareError).kind).toBe("provider");
    expect((failure as DmshareError).message).toMatch(/did not refresh the login.*tried 5 times/);
  });

  /** A session whose fetch answers every identity request with `answer` (a hostile server). */
  async function hostile(answer: unknown): Promise<ProviderSession> {
    const s = await session({ DMSHARE_ONEDRIVE_AUTH_URL: "" });
    const fetch: typeof globalThis.fetch = async () =>
      new Response(JSON.stringify(answer), {
        status: 200,
        headers: { "Content-Type": "application/json" },
      });
    return { ...s, ctx: { ...s.ctx, fetch } };
  }

  it("a device code answer naming a page that is not Microsoft's is not shown", async () => {
    for (const page of [
      "https://evil.example/devicelogin",
      "http://microsoft.com/devicelogin",
      "https://microsoft.com/device\nlogin now at https://evil.example",
    ]) {
      const s = await hostile({
        device_code: "DAQABIQEAAA-device-code",
        user_code: "ABCDEFGHJ",
        verification_uri: page,
        expires_in: 900,
        interval: 5,
      });
      const shown: string[] = [];
      const failure = await loginOneDrive(
        request({ device: true }),
        s,
        deviceUi("wait", shown),
        whoami,
      ).catch((e: DmshareError) => e);
      expect((failure as DmshareError).kind).toBe("provider");
      expect((failure as DmshareError).message).toMatch(/lacks the code or the page/);
      expect(shown).toEqual([]);
    }
  });

  it("a refresh answer without a usable access token changes nothing stored", async () => {
    const s = await loggedIn();
    const before = await stored(s);
    for (const answer of [
      { token_type: "Bearer", refresh_token: "M.C5-next-refresh-token" },
      { token_type: "Bearer", access_token: "has a space", refresh_token: "M.C5-next" },
      { token_type: "mac", access_token: "EwB-mac-token-value", refresh_token: "M.C5-next" },
    ]) {
      const bad = await hostile(answer);
      const real = { ...bad, credentials: s.credentials };
      const failure = await (await openAuth(real)).refresh().catch((e: DmshareError) => e);
      expect((failure as DmshareError).kind).toBe("provider");
      expect(await stored(s)).toEqual(before);
    }
  });
});
