// A local emulator of the Microsoft services dmshare uses for OneDrive — Microsoft Graph v1.0
// (graph.microsoft.com: /v1.0/me, /v1.0/me/drive/…, upload sessions' URLs under /rup/) and the
// Microsoft identity platform (login.microsoftonline.com: /common/oauth2/v2.0/…, mounted from
// microsoft-identity.ts) — on one base URL with the real paths, written from Microsoft's public
// references. Run it on its own:
//
//   node test/emulators/microsoft.ts --port 8792 [--token T ...] [--plan free|premium]
//        [--list-page-size N] [--app CLIENT_ID ...]   (apps that may log in; default DEFAULT_APP_ID)

import { parseArgs } from "node:util";
import {
  COMMON_ARGUMENTS,
  type CutFault,
  commonOptions,
  EmulatorBase,
  type Exchange,
  type Fault,
  type HoldFault,
  HttpEmulator,
  type LatencyFault,
  type Reply,
  serveWhenRunDirectly,
} from "./http.ts";
import {
  APP_FOLDER_SCOPE,
  type GraphAccount,
  GraphApi,
  type GraphItem,
  type GraphPermission,
  type ResolvedGraphLink,
} from "./microsoft-graph.ts";
import type { UploadSession } from "./microsoft-graph-upload.ts";
import { driveIdOf, GraphError, type JsonObject, jsonReply } from "./microsoft-graph-wire.ts";
import { DEFAULT_APP_ID, mountIdentity } from "./microsoft-identity.ts";
import { MicrosoftTokens } from "./microsoft-tokens.ts";

export type { RequestRecord } from "./http.ts";
export type { GraphItem, GraphPermission, ResolvedGraphLink } from "./microsoft-graph.ts";
export type { UploadSession } from "./microsoft-graph-upload.ts";
export { FRAGMENT_UNIT } from "./microsoft-graph-upload.ts";
export { MicrosoftTokens } from "./microsoft-tokens.ts";
export { APP_FOLDER_SCOPE };

/** The scopes dmshare asks for (and what a bare static token carries). */
export const DEFAULT_SCOPES = [APP_FOLDER_SCOPE, "offline_access", "User.Read"];

/**
 * An HTTP error in Graph's shape. `code` defaults by status (429 activityLimitReached, 503
 * serviceNotAvailable, 500 generalException, 504 gatewayTimeout).
 */
export interface GraphStatusFault {
  kind: "status";
  status: number;
  retryAfterSeconds?: number;
  code?: string;
  message?: string;
}

export type MicrosoftFault = Fault<LatencyFault | CutFault | HoldFault | GraphStatusFault>;

/** What the identity platform module (microsoft-identity.ts) gets to work with. */
export interface IdentityContext {
  tokens: MicrosoftTokens;
  account: GraphAccount;
  now: () => number;
}

/** The identity platform, mounted on `/common/…`, `/consumers/…`, `/organizations/…`. */
export interface IdentityModule {
  handle(exchange: Exchange): Reply | Promise<Reply>;
}

export interface MicrosoftEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Access tokens accepted without a login; a bare string carries DEFAULT_SCOPES. */
  staticTokens?: (string | { token: string; scopes: string[] })[];
  /** children page size when the client gives no $top (OneDrive's default is 200). */
  listPageSize?: number;
  /** Personal OneDrive without (free) or with a Microsoft 365 plan (link expiry, passwords). */
  plan?: "free" | "premium";
  now?: () => Date;
  account?: { displayName: string; email: string };
  appName?: string;
  /** Mounts the identity platform (microsoft-identity.ts) on the same base URL. */
  identity?: (context: IdentityContext) => IdentityModule;
}

const DEFAULT_ACCOUNT = { displayName: "Emma Ulator", email: "emma.ulator@outlook.com" };
const MAX_BODY_BYTES = 1024 * 1024 * 1024;
const LOGGED_HEADERS = [
  "content-type",
  "content-length",
  "content-range",
  "if-match",
  "transfer-encoding",
  "user-agent",
  "sdkversion",
  "client-request-id",
];
const IDENTITY_PATH = /^\/(?:(?:common|consumers|organizations|[0-9a-f-]{36})\/|devicelogin$)/i;

function defaultCode(status: number): string {
  if (status === 429) return "activityLimitReached";
  if (status === 503) return "serviceNotAvailable";
  if (status === 504) return "gatewayTimeout";
  if (status === 401) return "InvalidAuthenticationToken";
  if (status === 403) return "accessDenied";
  if (status === 404) return "itemNotFound";
  if (status === 400) return "invalidRequest";
  return "generalException";
}

function defaultMessage(status: number): string {
  if (status === 429) return "The request has been throttled";
  if (status === 503) return "The service is not available. Try the request again after a delay.";
  return "An unspecified error has occurred.";
}

function renderStatusFault(fault: GraphStatusFault): Reply {
  const headers: Record<string, string> = {};
  if (fault.retryAfterSeconds !== undefined)
    headers["Retry-After"] = String(fault.retryAfterSeconds);
  return new GraphError(
    fault.status,
    fault.code ?? defaultCode(fault.status),
    fault.message ?? defaultMessage(fault.status),
    { headers },
  ).reply();
}

export class MicrosoftEmulator extends EmulatorBase {
  readonly tokens: MicrosoftTokens;
  readonly account: GraphAccount;
  private readonly graph: GraphApi;
  private readonly identity: IdentityModule | undefined;

  constructor(options: MicrosoftEmulatorOptions = {}) {
    super();
    const clock = options.now ?? (() => new Date());
    const now = () => clock().getTime();
    const person = options.account ?? DEFAULT_ACCOUNT;
    this.account = {
      ...person,
      driveId: driveIdOf(),
      plan: options.plan ?? "free",
      appName: options.appName ?? "dmshare",
      appId: "0000000048123456",
    };
    this.tokens = new MicrosoftTokens(now);
    for (const entry of options.staticTokens ?? []) {
      const { token, scopes } =
        typeof entry === "string" ? { token: entry, scopes: DEFAULT_SCOPES } : entry;
      this.tokens.grant(token, { scopes, expiresAt: null });
    }
    this.graph = new GraphApi({
      account: this.account,
      now,
      listPageSize: options.listPageSize ?? 200,
      checkToken: (authorization) => this.tokens.check(authorization),
    });
    this.identity = options.identity?.({ tokens: this.tokens, account: this.account, now });
    this.http = new HttpEmulator({
      port: options.port,
      handle: (exchange) => this.handle(exchange),
      renderStatusFault,
      loggedHeaders: LOGGED_HEADERS,
      maxBufferedBodyBytes: MAX_BODY_BYTES,
    });
  }

  /** Accepts this access token from now on (DEFAULT_SCOPES unless told). */
  addToken(token: string, scopes: string[] = DEFAULT_SCOPES): void {
    this.tokens.grant(token, { scopes, expiresAt: null });
  }

  inject(fault: MicrosoftFault): void {
    this.http.inject(fault as Fault);
  }

  /** Removes injected faults, and rewrites of answers not used yet. */
  clearFaults(): void {
    this.http.clearFaults();
    this.graph.sharing.tampers.length = 0;
    this.graph.uploads.tampers.length = 0;
    this.graph.listingTampers.length = 0;
    this.graph.folderTampers.length = 0;
  }

  set plan(plan: "free" | "premium") {
    this.account.plan = plan;
  }

  /** The app folder (`Apps/<app name>`), made if it does not exist yet. */
  appFolder(): GraphItem {
    return this.graph.store.appFolder();
  }

  /** Every item (folders and files, not the root), with its path below the root. */
  items(): (GraphItem & { path: string })[] {
    const { store } = this.graph;
    return [...store.items.values()]
      .filter((item) => item.id !== store.rootId)
      .map((item) => ({
        ...item,
        path: decodeURIComponent(store.pathOf(item).slice("/drive/root:".length)),
      }));
  }

  item(id: string): GraphItem | undefined {
    return this.graph.store.items.get(id);
  }

  /** The item's children, by name. */
  childrenOf(id: string): GraphItem[] {
    return this.graph.store.children(id).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The item's own links (not those it inherits). */
  permissionsOf(itemId: string): GraphPermission[] {
    return [...this.graph.sharing.permissions.values()].filter((p) => p.itemId === itemId);
  }

  /** Every link the account has, live or expired. */
  permissions(): GraphPermission[] {
    return [...this.graph.sharing.permissions.values()];
  }

  /** The upload sessions still open. */
  uploadSessions(): UploadSession[] {
    return [...this.graph.uploads.sessions.values()];
  }

  /** What an anonymous visitor opening this URL gets; null when it opens nothing. */
  resolveLink(url: string): ResolvedGraphLink | null {
    return this.graph.sharing.resolve(url);
  }

  /** Behind the client's back, as the user would on onedrive.live.com. */
  removePermission(permissionId: string): void {
    this.graph.sharing.permissions.delete(permissionId);
  }

  deleteItem(id: string): void {
    this.graph.store.remove(id);
  }

  /**
   * Rewrites the next createLink answer (after it was made), e.g. to hand out an edit link: for
   * tests of how a client treats a hostile or broken answer.
   */
  tamperNextLink(change: (permission: JsonObject) => JsonObject): void {
    this.graph.sharing.tampers.push(change);
  }

  /**
   * Rewrites the answers to the next fragments PUT on upload URLs, or GETs of their state
   * (one function per answer, the request handled first): for tests of a hostile or broken
   * upload session.
   */
  tamperNextFragments(...changes: ((reply: Reply) => Reply)[]): void {
    this.graph.uploads.tampers.push(...changes);
  }

  /** Rewrites the answers to the next listings of a folder's children (one function each). */
  tamperNextListings(...changes: ((body: JsonObject) => JsonObject)[]): void {
    this.graph.listingTampers.push(...changes);
  }

  /** Rewrites the answers to the next folders made (POST …/children; one function each). */
  tamperNextFolders(...changes: ((body: JsonObject) => JsonObject)[]): void {
    this.graph.folderTampers.push(...changes);
  }

  /** The base of the upload URLs handed out from now on (e.g. a foreign host); undefined resets. */
  set uploadUrlBase(base: string | undefined) {
    this.graph.uploads.uploadUrlBase = base;
  }

  private handle(exchange: Exchange): Reply | Promise<Reply> {
    if (exchange.headers.authorization !== undefined) {
      const scheme = /^\S+/.exec(exchange.headers.authorization)?.[0] ?? "";
      exchange.record.headers.authorization = `${scheme} [redacted]`;
    }
    const path = exchange.url.pathname;
    let reply: Reply | Promise<Reply>;
    if (IDENTITY_PATH.test(path)) {
      reply = this.identity ? this.identity.handle(exchange) : notFound();
    } else if (path.startsWith("/v1.0/") || path === "/v1.0" || path.startsWith("/rup/")) {
      reply = this.graph.handle(exchange);
    } else if (/^\/(beta|v2\.0)\//.test(path)) {
      reply = new GraphError(400, "BadRequest", "Invalid version.").reply(exchange);
    } else {
      reply = notFound();
    }
    return Promise.resolve(reply).then((answer) => {
      if (answer.status >= 400 && answer.body !== undefined) {
        exchange.record.errorSummary = describeError(answer.body.toString());
      }
      return answer;
    });
  }
}

const notFound = (): Reply => ({
  status: 404,
  headers: { "Content-Type": "text/html" },
  body: "<!DOCTYPE html><html><body><h2>The resource you are looking for has been removed, had its name changed, or is temporarily unavailable.</h2></body></html>",
});

/** `code: message` of a Graph error, `error: description` of an identity one, else the text. */
function describeError(body: string): string {
  try {
    const parsed = JSON.parse(body) as {
      error?: string | { code?: string; message?: string };
      error_description?: string;
    };
    if (typeof parsed.error === "string") {
      return parsed.error_description
        ? `${parsed.error}: ${parsed.error_description}`
        : parsed.error;
    }
    if (parsed.error) return `${parsed.error.code ?? ""}: ${parsed.error.message ?? ""}`;
  } catch {
    // not JSON
  }
  return body
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

export { jsonReply };

export async function startMicrosoftEmulator(
  options: MicrosoftEmulatorOptions = {},
): Promise<MicrosoftEmulator> {
  const emulator = new MicrosoftEmulator(options);
  await emulator.listen();
  return emulator;
}

async function startFromArguments() {
  const { values } = parseArgs({
    options: {
      ...COMMON_ARGUMENTS,
      plan: { type: "string", default: "free" },
      // Application (client) IDs that may log in (public clients, public client flows on).
      app: { type: "string", multiple: true, default: [DEFAULT_APP_ID] },
    },
  });
  if (values.plan !== "free" && values.plan !== "premium") {
    throw new Error(`--plan takes free or premium, not "${values.plan}"`);
  }
  const { port, staticTokens, listPageSize } = commonOptions(values);
  const apps = values.app.map((clientId) => ({ clientId, publicClientFlows: true }));
  return startMicrosoftEmulator({
    port,
    staticTokens,
    listPageSize,
    plan: values.plan,
    identity: mountIdentity({ apps }),
  });
}

serveWhenRunDirectly(import.meta.url, "Microsoft", startFromArguments);
