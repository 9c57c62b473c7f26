import { Dropbox, DropboxAuth, DropboxResponseError, type files, type sharing } from "dropbox";
import type { Ctx } from "../../context.ts";
import { authError, providerError, usageError } from "../../errors.ts";
import type { StoredCredentials } from "../../store/credentials.ts";
import { withoutControls } from "../../text.ts";
import { baseUrlOverride } from "../base-url.ts";
import { BUILTIN_APPS } from "../builtin-apps.ts";
import { providerFetch } from "../guarded-fetch.ts";
import { newOAuthState, openIfWanted, receiveOAuthRedirect } from "../oauth-loopback.ts";
import type {
  Account,
  LinkState,
  LinkToRevoke,
  LiveLink,
  LocalFile,
  LoginRequest,
  LoginUi,
  Provider,
  ProviderLink,
  ProviderModule,
  ProviderSession,
  RemoteItem,
  RevokeOutcome,
  SharedLink,
  ShareOptions,
  UploadedFile,
  UploadProgress,
} from "../provider.ts";
import {
  explainFailure,
  isNetworkError,
  lastFailure,
  RATE_LIMITED,
  type RetryDecision,
  retryAfterMs,
  retryOptionsFor,
  withRetry,
} from "../retry.ts";
import { checkCredentialShape, loginWithToken } from "../token-login.ts";
import {
  Concurrency,
  chunkBytesFor,
  FilePart,
  mapSettled,
  type Settled,
  uploadedOrIncomplete,
} from "../transfer.ts";

const PROVIDER = "dropbox";
const LABEL = "Dropbox";
/** Everything dmshare uploads lives under this folder (inside the app folder). */
const ROOT = "/dmshare";
/**
 * Files up to this size go up in one request; larger ones through an upload session, in
 * chunks that are retried one by one, so a dropped connection costs at most one chunk.
 */
const SINGLE_REQUEST_MAX = 8 * 1024 * 1024;
const MIB = 1024 * 1024;

const FINISH_BATCH_MAX = 1000;
const UPLOAD_CONCURRENCY = 6;

/**
 * The SDK's fetch: `DMSHARE_DROPBOX_API_URL` replaces both API hosts, and Ctrl-C aborts
 * uploads in flight (only uploads: the calls that clean up after them must still run).
 */
function dropboxFetch(ctx: Ctx): typeof fetch {
  const base = apiBaseUrl(ctx);
  const hosts = base ? [new URL(base).host] : ["api.dropboxapi.com", "content.dropboxapi.com"];
  const send = providerFetch(ctx, LABEL, hosts);
  return (input, init) => {
    const url = String(input);
    const upload = url.startsWith("https://content.dropboxapi.com/");
    return send(base ? url.replace(/^https:\/\/(api|content)\.dropboxapi\.com/, base) : url, {
      ...init,
      ...(upload ? { signal: ctx.signal } : {}),
    });
  };
}

const apiBaseUrl = (ctx: Ctx) => baseUrlOverride(ctx, "DMSHARE_DROPBOX_API_URL", LABEL);

function loginPageUrl(ctx: Ctx, url: string): string {
  const base = apiBaseUrl(ctx);
  return base
    ? url.replace(/^https:\/\/(www\.)?dropbox\.com\/oauth2\/authorize/, `${base}/oauth2/authorize`)
    : url;
}

const errorTag = (error: DropboxResponseError<unknown>): string => {
  const body = error.error as { error_summary?: string } | string | undefined;
  return typeof body === "object" && body?.error_summary ? body.error_summary : String(body ?? "");
};

function retryDecision(error: unknown): RetryDecision {
  if (error instanceof DropboxResponseError) {
    const afterMs = retryAfterMs(error.headers?.get?.("retry-after"));
    // 429: too_many_requests or too_many_write_operations, both with Retry-After.
    if (error.status === 429) return { retry: true, reason: RATE_LIMITED, afterMs };
    if (error.status >= 500) {
      return { retry: true, reason: `Dropbox answered ${error.status}`, afterMs };
    }
    return { retry: false };
  }
  if (isNetworkError(error)) return { retry: true, reason: "connection lost" };
  return { retry: false };
}

/** Turns an SDK error into a sentence for the user with the exit code it deserves. */
function translate(error: unknown, action: string, loginAgain: string): Error {
  if (error instanceof DropboxResponseError) {
    const summary = errorTag(error);
    if (error.status === 401) {
      return authError(
        `Dropbox rejected dmshare's login while trying to ${action} (${summary.split("/")[0] || "unauthorized"}).`,
        loginAgain,
      );
    }
    const oauthError = (error.error as { error?: unknown } | undefined)?.error;
    if (error.status === 400 && typeof oauthError === "string") {
      // The token endpoint (refresh): invalid_grant, invalid_client, …
      return authError(
        `Dropbox no longer accepts dmshare's stored login (${oauthError}).`,
        loginAgain,
      );
    }
    if (summary.startsWith("settings_error")) {
      return usageError(
        `Your Dropbox plan does not allow these link settings (${summary.replace(/\/+\.*$/, "")}).`,
        "Send again without --expires / --no-download / --password, or use a Dropbox plan that has them.",
      );
    }
    if (summary.startsWith("path/insufficient_space")) {
      return providerError(
        `Your Dropbox is full, so dmshare can't ${action}.`,
        "Free some space and try again.",
      );
    }
    if (error.status === 409) {
      return providerError(
        `Dropbox refused to ${action}: ${summary}.`,
        "Check the item in Dropbox, then try again.",
      );
    }
    if (error.status === 429) {
      return providerError(
        `Dropbox is rate-limiting dmshare, so it couldn't ${action}.`,
        "Wait a minute and try again.",
      );
    }
    return providerError(`Dropbox failed to ${action} (HTTP ${error.status}).`, "Try again later.");
  }
  if (isNetworkError(error)) {
    return providerError(
      `Could not reach Dropbox to ${action}.`,
      "Check your network connection and try again.",
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

function credentialsFromEnv(ctx: Ctx): StoredCredentials | undefined {
  const token = ctx.env.DMSHARE_DROPBOX_TOKEN?.trim();
  return token ? { accessToken: token } : undefined;
}

async function connect(session: ProviderSession): Promise<Provider> {
  const { ctx, credentials } = session;
  const fromEnv = credentialsFromEnv(ctx);
  const stored = fromEnv ?? (await credentials.get(PROVIDER));
  if (!stored) {
    throw authError(
      "Not logged in to Dropbox.",
      "Run: dmshare login dropbox   (or set DMSHARE_DROPBOX_TOKEN for scripts)",
    );
  }
  checkCredentialShape(
    stored,
    LABEL,
    fromEnv
      ? "Set DMSHARE_DROPBOX_TOKEN to the token alone, or unset it and run: dmshare login dropbox"
      : "Log in again: dmshare login dropbox",
  );
  const auth = new DropboxAuth({
    accessToken: stored.accessToken,
    refreshToken: stored.refreshToken,
    clientId: stored.clientId,
    accessTokenExpiresAt: stored.expiresAt ? new Date(stored.expiresAt) : undefined,
    fetch: dropboxFetch(ctx),
  });
  const dbx = new Dropbox({ auth });
  const canRefresh = Boolean(stored.refreshToken && stored.clientId);
  let savedToken = stored.accessToken;
  /** The uploads running now: a rate limit makes them back off. */
  let uploads: Concurrency | undefined;
  const loginAgain = fromEnv
    ? `DMSHARE_DROPBOX_TOKEN holds a token Dropbox does not accept: replace it, or unset it and run: dmshare login dropbox`
    : "Log in again: dmshare login dropbox";

  /** Saves a token the SDK refreshed, so the next run does not refresh again. */
  async function persistRefreshedToken() {
    const current = auth.getAccessToken();
    if (fromEnv || !current || current === savedToken) return;
    savedToken = current;
    await credentials.set(PROVIDER, {
      ...stored,
      accessToken: current,
      expiresAt: auth.getAccessTokenExpiresAt()?.toISOString(),
    } as StoredCredentials);
  }

  /**
   * One API call with retries, one refresh on an expired token, and a translated error.
   * `recover` may turn a 409 (by its error_summary) into a result instead of an error.
   */
  async function call<T>(
    action: string,
    request: () => Promise<{ result: T }>,
    recover?: (summary: string, error: DropboxResponseError<unknown>) => Promise<T> | undefined,
  ): Promise<T> {
    let refreshed = false;
    try {
      for (;;) {
        try {
          const { result } = await withRetry(
            request,
            retryDecision,
            retryOptionsFor(ctx, () => uploads?.backOff()),
          );
          return result;
        } catch (error) {
          const failure = lastFailure(error);
          const expired =
            failure instanceof DropboxResponseError &&
            failure.status === 401 &&
            errorTag(failure).startsWith("expired_access_token");
          if (!expired || !canRefresh || refreshed) throw error;
          refreshed = true;
          await auth.refreshAccessToken();
        }
      }
    } catch (error) {
      const failure = lastFailure(error);
      const recovered =
        failure instanceof DropboxResponseError && failure.status === 409
          ? recover?.(errorTag(failure), failure)
          : undefined;
      if (recovered) return recovered;
      throw explainFailure(error, action, ctx.signal, (last) =>
        translate(last, action, loginAgain),
      );
    } finally {
      await persistRefreshedToken();
    }
  }

  /**
   * Sends a file's bytes into an upload session and closes it; returns the session id. After a
   * lost connection the chunk is sent again; when Dropbox says it holds a different offset
   * (`incorrect_offset`: the lost reply's chunk did arrive), the upload goes on from there.
   */
  async function uploadToSession(file: LocalFile, onProgress: UploadProgress): Promise<string> {
    // Dropbox asks for multiples of 4 MiB.
    const chunkBytes = chunkBytesFor(file.bytes, { multiple: 4 * MIB, min: 8 * MIB });
    const firstEnd = Math.min(file.bytes, chunkBytes);
    const { session_id: sessionId } = await call(`upload ${file.name}`, () =>
      dbx.filesUploadSessionStart({
        close: firstEnd === file.bytes,
        contents: new FilePart(file, 0, firstEnd, onProgress),
      }),
    );
    let offset = firstEnd;
    while (offset < file.bytes) {
      const from = offset;
      const end = Math.min(file.bytes, from + chunkBytes);
      offset = await call(
        `upload ${file.name}`,
        async () => {
          await dbx.filesUploadSessionAppendV2({
            cursor: { session_id: sessionId, offset: from },
            close: end === file.bytes,
            contents: new FilePart(file, from, end, onProgress),
          });
          return { result: end };
        },
        (summary, error) => {
          const held = correctOffset(error);
          return summary.startsWith("incorrect_offset") && held !== undefined
            ? Promise.resolve(held)
            : undefined;
        },
      );
    }
    return sessionId;
  }

  /** Every send gets its own file (identical bytes too), so links never share a file. */
  const commitInfo = (file: LocalFile, folder: string): files.CommitInfo => ({
    path: `${folder}/${file.name}`,
    mode: { ".tag": "add" },
    autorename: true,
    strict_conflict: true,
    client_modified: dropboxTime(file.modifiedAt),
  });

  const uploadedFrom = (
    file: LocalFile,
    folder: string,
    metadata: files.FileMetadata,
  ): UploadedFile => ({
    localPath: file.path,
    bytes: file.bytes,
    // A path from the server: printed and stored, so without control characters.
    remotePath: withoutControls(metadata.path_display ?? `${folder}/${metadata.name}`),
    remoteId: metadata.id,
  });

  async function uploadOne(file: LocalFile, folder: string, onProgress: UploadProgress) {
    if (file.bytes <= SINGLE_REQUEST_MAX) {
      const metadata = await call(`upload ${file.name}`, () =>
        dbx.filesUpload({
          ...commitInfo(file, folder),
          contents: new FilePart(file, 0, file.bytes, onProgress),
        }),
      );
      return uploadedFrom(file, folder, metadata);
    }
    const sessionId = await uploadToSession(file, onProgress);
    const metadata = await call(`upload ${file.name}`, () =>
      dbx.filesUploadSessionFinish({
        cursor: { session_id: sessionId, offset: file.bytes },
        commit: commitInfo(file, folder),
        contents: Buffer.alloc(0),
      } as files.UploadSessionFinishArg),
    );
    return uploadedFrom(file, folder, metadata);
  }

  /**
   * Concurrent sessions committed together by finish_batch_v2, as Dropbox recommends. A file
   * that fails does not stop the others (see uploadedOrIncomplete).
   */
  async function uploadBatch(
    batch: LocalFile[],
    folder: string,
    onProgress: UploadProgress,
    concurrency: number,
  ) {
    uploads = new Concurrency(concurrency);
    const sessions = await mapSettled(batch, uploads, (file) => uploadToSession(file, onProgress));
    const results: Settled<UploadedFile>[] = sessions.map((session) =>
      session.ok ? { ok: false, error: undefined } : session,
    );
    const ready = batch.flatMap((file, index) => {
      const session = sessions[index];
      return session?.ok ? [{ file, index, sessionId: session.value }] : [];
    });
    for (let start = 0; start < ready.length; start += FINISH_BATCH_MAX) {
      const slice = ready.slice(start, start + FINISH_BATCH_MAX);
      const { entries } = await call("save the uploaded files", () =>
        dbx.filesUploadSessionFinishBatchV2({
          entries: slice.map(({ file, sessionId }) => ({
            cursor: { session_id: sessionId, offset: file.bytes },
            commit: commitInfo(file, folder),
          })),
        }),
      );
      entries.forEach((entry, position) => {
        const { file, index } = slice[position] as (typeof slice)[number];
        if (entry[".tag"] === "success") {
          results[index] = {
            ok: true,
            value: uploadedFrom(file, folder, entry as files.FileMetadata),
          };
          return;
        }
        const { failure } = entry as files.UploadSessionFinishBatchResultEntryFailure;
        results[index] = {
          ok: false,
          error: providerError(`Dropbox could not save ${file.name} (${describeTag(failure)}).`),
        };
      });
    }
    return uploadedOrIncomplete(batch, results);
  }

  const isViewOnlyPublic = (link: sharing.SharedLinkMetadataReference, options: ShareOptions) => {
    const permissions = link.link_permissions;
    const visibility = permissions?.resolved_visibility?.[".tag"];
    const access = permissions?.link_access_level?.[".tag"];
    const audience = permissions?.effective_audience?.[".tag"];
    const sameExpiry =
      (link.expires ?? null) === (options.expiresAt ? dropboxTime(options.expiresAt) : null);
    return (
      // A password can't be read back: a link that must have one is always given it again.
      options.password === undefined &&
      (visibility === "public" || audience === "public") &&
      (access === undefined || access === "viewer") &&
      permissions?.allow_download !== options.noDownload &&
      sameExpiry
    );
  };

  const linkFrom = (link: sharing.SharedLinkMetadataReference, reused: boolean): SharedLink => ({
    // Checked by the core before it is trusted (an HTML page answered with 200 has no url).
    url: link?.url,
    expiresAt: link?.expires ? new Date(link.expires) : null,
    reused,
    identity: {
      ...(typeof link?.id === "string" && { itemId: link.id }),
      ...(typeof link?.path_lower === "string" && { pathLower: link.path_lower }),
    },
  });

  const provider = {
    name: PROVIDER,
    capabilities: {
      publicLinks: true,
      albums: true,
      expiry: true,
      noDownload: true,
      password: true,
      revoke: true,
      deleteFiles: true,
    },

    async whoami(): Promise<Account> {
      const account = await call("read your account", () => dbx.usersGetCurrentAccount());
      return {
        id: account.account_id,
        name: account.name.display_name,
        email: account.email ?? null,
      };
    },

    async checkShareOptions(options: ShareOptions): Promise<void> {
      const wanted = [
        options.expiresAt && "--expires",
        options.noDownload && "--no-download",
        options.password !== undefined && "--password",
      ]
        .filter(Boolean)
        .join(" and ");
      if (!wanted) return;
      if ((await accountType()) !== "basic") return;
      throw usageError(
        `Your Dropbox Basic plan does not allow ${wanted} on shared links.`,
        `Nothing was uploaded. Send without ${wanted}, or use a paid Dropbox plan.`,
      );
    },

    async createAlbum(name: string): Promise<RemoteItem> {
      const { metadata } = await call(`create the album folder "${name}"`, () =>
        dbx.filesCreateFolderV2({ path: `${ROOT}/${name}`, autorename: true }),
      );
      return {
        remotePath: withoutControls(metadata.path_display ?? `${ROOT}/${metadata.name}`),
        remoteId: metadata.id,
      };
    },

    async upload(
      files: LocalFile[],
      album: RemoteItem | null,
      onProgress: UploadProgress,
      concurrency = UPLOAD_CONCURRENCY,
    ) {
      const folder = album?.remotePath ?? ROOT;
      const [only] = files;
      if (only && files.length === 1) return [await uploadOne(only, folder, onProgress)];
      return uploadBatch(files, folder, onProgress, concurrency);
    },

    async share(target: RemoteItem, options: ShareOptions): Promise<SharedLink> {
      const settings: sharing.SharedLinkSettings = {
        audience: { ".tag": "public" },
        access: { ".tag": "viewer" },
        ...(options.expiresAt ? { expires: dropboxTime(options.expiresAt) } : {}),
        ...(options.noDownload ? { allow_download: false } : {}),
        ...(options.password !== undefined
          ? {
              audience: { ".tag": "password" },
              require_password: true,
              link_password: options.password,
            }
          : {}),
      };
      return call(
        `create a link to ${target.remotePath}`,
        async () => {
          const { result } = await dbx.sharingCreateSharedLinkWithSettings({
            path: target.remotePath,
            settings,
          });
          return { result: linkFrom(result, false) };
        },
        (summary, error) =>
          summary.startsWith("shared_link_already_exists")
            ? reuseExisting(target.remotePath, error, settings, options)
            : undefined,
      );
    },

    async revoke(link: LinkToRevoke): Promise<RevokeOutcome> {
      const urls = link.url ? [link.url] : await linksTo(link.target);
      let revokedAny = false;
      for (const url of urls) {
        revokedAny =
          (await call(
            "revoke the link",
            async () => {
              await dbx.sharingRevokeSharedLink({ url });
              return { result: true };
            },
            (summary) =>
              summary.startsWith("shared_link_not_found") ? Promise.resolve(false) : undefined,
          )) || revokedAny;
      }
      return revokedAny ? "revoked" : "already-revoked";
    },

    async deleteItems(items: RemoteItem[]): Promise<void> {
      for (const item of items) {
        await call(
          `delete ${item.remotePath}`,
          async () => {
            await dbx.filesDeleteV2({ path: item.remotePath });
            return { result: undefined };
          },
          (summary) =>
            summary.startsWith("path_lookup/not_found") ? Promise.resolve(undefined) : undefined,
        );
      }
    },

    /** Dropbox Basic has no link expiry; paid plans do. */
    async nativeExpiry(): Promise<boolean> {
      return (await accountType()) !== "basic";
    },

    async linkState(target: RemoteItem): Promise<LinkState> {
      // By id, so an item moved or renamed in Dropbox is still found.
      const found = await call(
        `look up the links to ${target.remotePath}`,
        () => dbx.sharingListSharedLinks({ path: target.remoteId, direct_only: true }),
        (summary) => (summary.startsWith("path/not_found") ? Promise.resolve(null) : undefined),
      );
      if (!found) return { item: "gone", links: [] };
      return { item: "present", links: found.links.map((link) => liveLinkFrom(link)) };
    },

    async listLinks(): Promise<ProviderLink[]> {
      const found: ProviderLink[] = [];
      let cursor: string | undefined;
      do {
        const page = await call("list your shared links", () =>
          dbx.sharingListSharedLinks(cursor ? { cursor } : {}),
        );
        for (const link of page.links) {
          const adoptable = providerLinkFrom(link);
          if (adoptable) found.push(adoptable);
        }
        cursor = page.has_more ? page.cursor : undefined;
      } while (cursor);
      return found;
    },
  } satisfies Provider;

  let accountTypeOnce: Promise<string> | undefined;
  /** `basic`, `pro` or `business`, asked once per run. */
  function accountType(): Promise<string> {
    accountTypeOnce ??= call("read your account", () => dbx.usersGetCurrentAccount()).then(
      (account) => account.account_type[".tag"],
    );
    return accountTypeOnce;
  }

  async function linksTo(target: RemoteItem | null): Promise<string[]> {
    if (!target) return [];
    const { links } = await call(
      "look up links",
      () => dbx.sharingListSharedLinks({ path: target.remotePath, direct_only: true }),
      (summary) =>
        summary.startsWith("path/not_found")
          ? Promise.resolve({ links: [], has_more: false })
          : undefined,
    );
    return links.map((link) => link.url);
  }

  /** Dropbox already has a link to this item: reuse it, made view-only if it isn't. */
  async function reuseExisting(
    path: string,
    conflict: DropboxResponseError<unknown>,
    settings: sharing.SharedLinkSettings,
    options: ShareOptions,
  ): Promise<SharedLink> {
    const body = conflict.error as {
      error?: { shared_link_already_exists?: { metadata?: sharing.SharedLinkMetadataReference } };
    };
    let existing = body.error?.shared_link_already_exists?.metadata;
    if (!existing) {
      const { links } = await call("look up the existing link", () =>
        dbx.sharingListSharedLinks({ path, direct_only: true }),
      );
      existing = links[0];
    }
    if (!existing) throw translate(conflict, `create a link to ${path}`, loginAgain);
    if (isViewOnlyPublic(existing, options)) return linkFrom(existing, true);
    const { url } = existing;
    const modified = await call("make the existing link view-only", () =>
      dbx.sharingModifySharedLinkSettings({ url, settings, remove_expiration: !options.expiresAt }),
    );
    return linkFrom(modified, true);
  }

  return provider;
}

const liveLinkFrom = (link: sharing.SharedLinkMetadataReference): LiveLink => ({
  url: link.url,
  expiresAt: link.expires ? new Date(link.expires) : null,
});

/** A link to a file or folder inside dmshare's folder, as sync adopts it; else null. */
function providerLinkFrom(link: sharing.SharedLinkMetadataReference): ProviderLink | null {
  const pathLower = link.path_lower;
  if (!pathLower?.startsWith(`${ROOT}/`) || !link.id) return null;
  const kind = (link as { ".tag"?: string })[".tag"];
  if (kind !== "file" && kind !== "folder") return null;
  const file = link as Partial<sharing.FileLinkMetadataReference>;
  // path_lower is lower case; the display path keeps the item's own name.
  const remotePath = withoutControls(
    `${pathLower.slice(0, pathLower.lastIndexOf("/"))}/${link.name}`,
  );
  return {
    ...liveLinkFrom(link),
    kind: kind === "file" ? "photo" : "album",
    name: link.name,
    target: { remotePath, remoteId: link.id },
    uploadedAt: file.server_modified ? new Date(file.server_modified) : null,
    bytes: typeof file.size === "number" ? file.size : null,
  };
}

const correctOffset = (error: DropboxResponseError<unknown>) =>
  (error.error as { error?: { correct_offset?: number } }).error?.correct_offset;

/** `path/conflict/file` from a Stone union such as `{".tag":"path","path":{".tag":"conflict",…}}`. */
function describeTag(union: unknown): string {
  const parts: string[] = [];
  let node = union as Record<string, unknown> | undefined;
  while (node && typeof node === "object" && typeof node[".tag"] === "string") {
    const tag = node[".tag"] as string;
    parts.push(tag);
    node = node[tag] as Record<string, unknown> | undefined;
  }
  return parts.join("/") || "unknown reason";
}

/** Dropbox timestamps have no fractional seconds: `2026-12-31T23:59:59Z`. */
const dropboxTime = (when: Date) => `${when.toISOString().slice(0, 19)}Z`;

async function login(
  request: LoginRequest,
  session: ProviderSession,
  ui: LoginUi,
): Promise<Account> {
  const { ctx, credentials } = session;
  if (request.token) {
    return loginWithToken(PROVIDER, LABEL, request.token, session, async (withToken) =>
      (await connect(withToken)).whoami(),
    );
  }
  if (request.device) {
    throw usageError(
      "Dropbox has no device login: --device is for Google Drive.",
      "Without a browser here: dmshare login dropbox --no-browser --no-redirect (open the URL anywhere, paste the code Dropbox shows).",
    );
  }
  // Yours (--app-key, DMSHARE_DROPBOX_APP_KEY) first, else the one this build carries.
  const yours = request.clientId ?? ctx.env.DMSHARE_DROPBOX_APP_KEY?.trim();
  const appKey = yours || BUILTIN_APPS.dropboxAppKey;
  if (!appKey) {
    throw usageError(
      "No Dropbox app key given, and this build of dmshare carries no app of its own.",
      'Create a Dropbox app (README, "Connect Dropbox": https://www.dropbox.com/developers/apps), then run: dmshare login dropbox --app-key KEY  (or set DMSHARE_DROPBOX_APP_KEY)',
    );
  }
  if (!yours) ui.info("Logging in with dmshare's own Dropbox app (--app-key KEY uses yours).");
  const auth = new DropboxAuth({ clientId: appKey, fetch: dropboxFetch(ctx) });
  /** Shows (and opens) Dropbox's consent page; no redirect URI means Dropbox shows a code. */
  const presentLoginPage = async (redirectUri: string | undefined, state: string) => {
    const url = await auth.getAuthenticationUrl(
      redirectUri as string,
      state,
      "code",
      "offline",
      undefined,
      "none",
      true,
    );
    const loginUrl = loginPageUrl(ctx, String(url));
    ui.showAuthorizeUrl(loginUrl, await openIfWanted(ctx, loginUrl, request.openBrowser));
  };
  let redirectUri: string | undefined;
  let code: string;
  if (request.pasteCode) {
    await presentLoginPage(undefined, newOAuthState());
    code = (await ui.askForCode("Paste the code Dropbox shows after you press Allow: ")).trim();
    if (!code) {
      throw usageError("No code pasted.", "Run dmshare login dropbox --no-redirect again.");
    }
  } else {
    const receiver = await receiveOAuthRedirect({
      port: request.port,
      providerLabel: LABEL,
      timeoutMs: request.timeoutMs,
      signal: ctx.signal,
    });
    try {
      redirectUri = receiver.redirectUri;
      await presentLoginPage(redirectUri, receiver.state);
      code = await receiver.code;
    } finally {
      receiver.close();
    }
  }
  let tokens: {
    access_token: string;
    refresh_token?: string;
    expires_in?: number;
    account_id?: string;
  };
  try {
    const response = await auth.getAccessTokenFromCode(redirectUri as string, code);
    tokens = response.result as typeof tokens;
  } catch (error) {
    if (error instanceof DropboxResponseError && error.status === 400) {
      throw authError(
        "Dropbox did not accept the login code (it may have expired or been used already).",
        "Run dmshare login dropbox again.",
      );
    }
    throw translate(error, "finish the login", "Run: dmshare login dropbox");
  }
  await credentials.set(PROVIDER, {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    expiresAt: tokens.expires_in
      ? new Date(ctx.now().getTime() + tokens.expires_in * 1000).toISOString()
      : undefined,
    clientId: appKey,
    accountId: tokens.account_id,
  });
  const provider = await connect(session);
  return provider.whoami();
}

export default { connect, login } satisfies ProviderModule;
