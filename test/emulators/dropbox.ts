// A local emulator of the Dropbox API v2 (api and content hosts on one base URL) and its OAuth
// endpoints, for the routes dmshare uses, written from the public API reference and the Stone
// specs (dropbox/dropbox-api-spec). Run it on its own with:
//
//   node test/emulators/dropbox.ts --port 8790 [--account-type basic] [--token T ...]
//        [--app-key K --redirect-uri U ...] [--list-page-size N] [--access-token-lifetime S]

import { randomBytes, randomInt } from "node:crypto";
import { parseArgs } from "node:util";
import {
  ARG_TYPES,
  type ListSharedLinksArg,
  type ModifySharedLinkSettingsArg,
  type SharedLinkSettings,
  type UploadArg,
  type UploadSessionAppendArg,
  type UploadSessionFinishArg,
  type UploadSessionStartArg,
} from "./dropbox-args.ts";
import {
  displayPath,
  dropboxContentHash,
  FileContent,
  type FileNode,
  FileStore,
  type FolderNode,
  LookupFailure,
  lowerPath,
  WriteFailure,
} from "./dropbox-files.ts";
import { ALL_SCOPES, type AppRegistration, OAuthServer } from "./dropbox-oauth.ts";
import { UploadSessions } from "./dropbox-sessions.ts";
import {
  type AccountType,
  type ResolvedSharedLink,
  type SharedLinkRecord,
  SharedLinkStore,
} from "./dropbox-sharing.ts";
import {
  decodeArgument,
  type Json,
  parseStoneJson,
  RouteError,
  type StoneType,
  StoneValidationError,
  union,
} from "./dropbox-wire.ts";
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
  type StatusFault,
  serveWhenRunDirectly,
} from "./http.ts";

export type { AccountType, ResolvedSharedLink, SharedLinkRecord } from "./dropbox-sharing.ts";
export type { RequestRecord } from "./http.ts";

export type DropboxStatusFault =
  | {
      kind: "status";
      status: 429;
      retryAfterSeconds?: number;
      reason?: "too_many_requests" | "too_many_write_operations";
    }
  | { kind: "status"; status: 500 | 502 | 503; retryAfterSeconds?: number }
  /**
   * A route error, e.g. `path/insufficient_space`: the tags make the error_summary, and the
   * error is those unions nested (where a route wraps a union in a struct field, such as
   * upload's `path.reason`, the nesting is simplified).
   */
  | { kind: "status"; status: 409; reason: string };

export type DropboxFault = Fault<LatencyFault | CutFault | HoldFault | DropboxStatusFault>;

export interface DropboxEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  accountType?: AccountType;
  accessTokenLifetimeSeconds?: number;
  apps?: AppRegistration[];
  /** Bearer tokens accepted without OAuth, with every scope and no expiry. */
  staticTokens?: string[];
  /** Links per sharing/list_shared_links page. */
  listPageSize?: number;
  /** The emulator's clock, in epoch milliseconds. */
  now?: () => number;
}

export interface EmulatedFile {
  pathDisplay: string;
  pathLower: string;
  id: string;
  size: number;
  rev: string;
  contentHash: string;
  clientModified: string;
  serverModified: string;
}

export interface EmulatedFolder {
  pathDisplay: string;
  pathLower: string;
  id: string;
}

const EMAIL = "emma.ulator@example.com";

/** The app every emulator knows, used by issueAccessToken; it has no redirect URIs. */
export const DEFAULT_CLIENT_ID = "emulator-app-key";

const MAX_UPLOAD_BYTES = 150 * 1024 * 1024;
const LOGGED_HEADERS = [
  "authorization",
  "content-type",
  "content-length",
  "transfer-encoding",
  "dropbox-api-arg",
  "dropbox-api-select-user",
  "dropbox-api-path-root",
  "user-agent",
];
const RPC_CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "text/plain; charset=dropbox-cors-hack",
];
const UPLOAD_CONTENT_TYPES = ["application/octet-stream", "text/plain; charset=dropbox-cors-hack"];

/** A 400 answer: plain text after `Error in call to API function "<route>": `. */
class BadRequest extends Error {}

interface RouteCall {
  arg: unknown;
  body: Buffer;
  accessToken: string;
}

interface Route {
  style: "rpc" | "upload";
  /** The OAuth scope the token needs; null for routes any token may call. */
  scope: string | null;
  arg: StoneType | null;
  run: (call: RouteCall) => Json;
}

function route<A>(
  style: Route["style"],
  scope: string | null,
  arg: StoneType | null,
  run: (arg: A, call: RouteCall) => Json,
): Route {
  return { style, scope, arg, run: (call) => run(call.arg as A, call) };
}

function json(status: number, body: Json, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  };
}

function text(status: number, body: string): Reply {
  return { status, headers: { "Content-Type": "text/plain; charset=utf-8" }, body };
}

/** A WriteError or LookupError from the store, nested under the route error's member. */
function nested(member: string, failure: WriteFailure | LookupFailure): RouteError {
  return new RouteError([member, ...failure.tags], union(member, failure.error));
}

function rethrowing<T>(member: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (error instanceof WriteFailure || error instanceof LookupFailure) {
      throw nested(member, error);
    }
    throw error;
  }
}

export class DropboxEmulator extends EmulatorBase {
  readonly defaultClientId = DEFAULT_CLIENT_ID;
  private readonly account: { type: AccountType };
  private readonly accountId = `dbid:${randomBytes(26).toString("base64url").slice(0, 35)}`;
  private readonly files: FileStore;
  private readonly sessions: UploadSessions;
  private readonly links: SharedLinkStore;
  private readonly oauth: OAuthServer;
  private readonly listPageSize: number;
  private readonly routes: Record<string, Route>;

  constructor(options: DropboxEmulatorOptions = {}) {
    super();
    const now = options.now ?? Date.now;
    this.account = { type: options.accountType ?? "basic" };
    this.listPageSize = options.listPageSize ?? 200;
    this.files = new FileStore(now, String(randomInt(1_000_000, 9_999_999)));
    this.sessions = new UploadSessions(now);
    this.links = new SharedLinkStore(this.files, this.account, now);
    this.oauth = new OAuthServer(
      { accountId: this.accountId, uid: String(randomInt(10_000_000, 99_999_999)), email: EMAIL },
      options.accessTokenLifetimeSeconds ?? 14400,
      now,
    );
    this.oauth.registerApp(DEFAULT_CLIENT_ID, []);
    for (const app of options.apps ?? []) this.oauth.registerApp(app.clientId, app.redirectUris);
    for (const token of options.staticTokens ?? []) this.oauth.addStaticToken(token);
    this.routes = this.buildRoutes();
    this.http = new HttpEmulator({
      port: options.port,
      handle: (exchange) => this.handle(exchange),
      renderStatusFault: renderStatusFault,
      loggedHeaders: LOGGED_HEADERS,
      maxBufferedBodyBytes: MAX_UPLOAD_BYTES,
    });
  }

  registerApp(clientId: string, redirectUris: string[]): void {
    this.oauth.registerApp(clientId, redirectUris);
  }

  /** Tokens for the default app, as a completed offline authorization would give. */
  issueAccessToken(options: { expiresInSeconds?: number } = {}): {
    accessToken: string;
    refreshToken: string;
  } {
    return this.oauth.issue(DEFAULT_CLIENT_ID, ALL_SCOPES, options.expiresInSeconds);
  }

  /** Every access token issued so far (static ones included) now answers expired_access_token. */
  expireAccessTokens(): void {
    this.oauth.expireAccessTokens();
  }

  revokeRefreshTokens(): void {
    this.oauth.revokeRefreshTokens();
  }

  setAccountType(type: AccountType): void {
    this.account.type = type;
  }

  inject(fault: DropboxFault): void {
    this.http.inject(fault);
  }

  clearFaults(): void {
    this.http.clearFaults();
  }

  listFiles(): EmulatedFile[] {
    return [...this.files.entries()]
      .filter((node): node is FileNode => node.kind === "file")
      .map((file) => ({
        pathDisplay: displayPath(file),
        pathLower: lowerPath(file),
        id: file.id,
        size: file.content.size,
        rev: file.rev,
        contentHash: file.contentHash,
        clientModified: file.clientModified,
        serverModified: file.serverModified,
      }));
  }

  listFolders(): EmulatedFolder[] {
    return [...this.files.entries()]
      .filter((node): node is FolderNode => node.kind === "folder")
      .map((folder) => ({
        pathDisplay: displayPath(folder),
        pathLower: lowerPath(folder),
        id: folder.id,
      }));
  }

  /** The stored bytes of a file (path in any case, or `id:…`), or null. */
  readFile(path: string): Buffer | null {
    try {
      const node = this.files.lookup(path);
      return node.kind === "file" ? node.content.bytes : null;
    } catch (error) {
      if (error instanceof LookupFailure) return null;
      throw error;
    }
  }

  /** Every link ever created, with its status. */
  /** The owner revokes a link on the Dropbox website, behind dmshare's back. */
  revokeSharedLinkOnWebsite(url: string): void {
    this.links.revoke(url);
  }

  sharedLinks(): SharedLinkRecord[] {
    return this.links.records();
  }

  /** What a visitor opening the URL gets, or null when the link does not work. */
  resolveSharedLink(url: string): ResolvedSharedLink | null {
    return this.links.resolve(url);
  }

  private handle(exchange: Exchange): Reply {
    const reply = this.dispatch(exchange, exchange.url.pathname);
    if (reply.status >= 400 && typeof reply.body === "string") {
      exchange.record.errorSummary = describeError(reply.body);
    }
    const requestId = randomBytes(16).toString("hex");
    return { ...reply, headers: { ...reply.headers, "X-Dropbox-Request-Id": requestId } };
  }

  private dispatch(exchange: Exchange, path: string): Reply {
    if (path === "/oauth2/authorize") return this.oauth.authorize(exchange);
    if (path === "/oauth2/token") {
      if (exchange.method !== "POST") return text(405, "Method Not Allowed");
      return this.oauth.token(exchange);
    }
    const name = path.startsWith("/2/") ? path.slice(3) : undefined;
    const found = name === undefined ? undefined : this.routes[name];
    if (name === undefined || !found) return text(404, `Unknown API function: "${name ?? path}"`);
    try {
      return this.callRoute(found, exchange);
    } catch (error) {
      if (error instanceof BadRequest) {
        return text(400, `Error in call to API function "${name}": ${error.message}`);
      }
      if (error instanceof RouteError) {
        return json(409, { error_summary: error.summary, error: error.error });
      }
      throw error;
    }
  }

  private callRoute(found: Route, exchange: Exchange): Reply {
    if (exchange.method !== "POST") return text(405, "Method Not Allowed");
    const accessToken = readBearer(exchange);
    const check = this.oauth.check(accessToken);
    if (!check.ok) {
      return json(401, { error_summary: `${check.reason}/`, error: union(check.reason) });
    }
    if (found.scope !== null && !check.scopes.has(found.scope)) {
      return json(401, {
        error_summary: "missing_scope/",
        error: { ".tag": "missing_scope", required_scope: found.scope },
      });
    }
    const contentType = (exchange.headers["content-type"] ?? "").trim();
    const accepted = found.style === "upload" ? UPLOAD_CONTENT_TYPES : RPC_CONTENT_TYPES;
    const hasBody = exchange.bodyBytes > 0;
    if ((found.style === "upload" || hasBody) && !accepted.includes(contentType.toLowerCase())) {
      const expected = accepted.map((type) => `"${type}"`).join(", ");
      throw new BadRequest(
        `Bad HTTP "Content-Type" header: "${contentType}".  Expecting one of ${expected}.`,
      );
    }
    const arg =
      found.style === "upload"
        ? readHeaderArg(exchange, found.arg)
        : readBodyArg(exchange, found.arg);
    if (found.style === "upload") {
      if (exchange.bodyBytes > MAX_UPLOAD_BYTES) {
        throw new RouteError(["payload_too_large"], union("payload_too_large"));
      }
      const expectedHash = (arg as { content_hash?: string }).content_hash;
      if (expectedHash !== undefined && dropboxContentHash(exchange.body) !== expectedHash) {
        throw new RouteError(["content_hash_mismatch"], union("content_hash_mismatch"));
      }
    }
    return json(200, found.run({ arg, body: exchange.body, accessToken }));
  }

  private buildRoutes(): Record<string, Route> {
    const files = this.files;
    return {
      "files/upload": route<UploadArg>(
        "upload",
        "files.content.write",
        ARG_TYPES.upload,
        (arg, { body }) => {
          try {
            return files.fileMetadata(files.commitFile(arg, new FileContent([body])));
          } catch (error) {
            if (!(error instanceof WriteFailure)) throw error;
            throw new RouteError(["path", ...error.tags], {
              ".tag": "path",
              reason: error.error,
              upload_session_id: this.sessions.holding(body),
            });
          }
        },
      ),
      "files/upload_session/start": route<UploadSessionStartArg>(
        "upload",
        "files.content.write",
        ARG_TYPES.uploadSessionStart,
        (arg, { body }) => ({ session_id: this.sessions.start(arg, body) }),
      ),
      "files/upload_session/append_v2": route<UploadSessionAppendArg>(
        "upload",
        "files.content.write",
        ARG_TYPES.uploadSessionAppend,
        (arg, { body }) => {
          this.sessions.append(arg, body);
          return null;
        },
      ),
      "files/upload_session/finish": route<UploadSessionFinishArg>(
        "upload",
        "files.content.write",
        ARG_TYPES.uploadSessionFinish,
        (arg, { body }) => files.fileMetadata(this.finishSession(arg, body, false)),
      ),
      "files/upload_session/finish_batch_v2": route<{ entries: UploadSessionFinishArg[] }>(
        "rpc",
        "files.content.write",
        ARG_TYPES.uploadSessionFinishBatch,
        (arg) => ({ entries: arg.entries.map((entry) => this.finishBatchEntry(entry)) }),
      ),
      "files/create_folder_v2": route<{ path: string; autorename: boolean }>(
        "rpc",
        "files.content.write",
        ARG_TYPES.createFolder,
        (arg) => ({
          metadata: files.folderMetadata(
            rethrowing("path", () => files.createFolder(arg.path, arg.autorename)),
          ),
        }),
      ),
      "files/delete_v2": route<{ path: string }>(
        "rpc",
        "files.content.write",
        ARG_TYPES.delete,
        (arg) => ({
          metadata: files.taggedMetadata(rethrowing("path_lookup", () => files.delete(arg.path))),
        }),
      ),
      "files/get_metadata": route<{ path: string; include_deleted: boolean }>(
        "rpc",
        "files.metadata.read",
        ARG_TYPES.getMetadata,
        (arg) => this.getMetadata(arg.path, arg.include_deleted),
      ),
      "sharing/create_shared_link_with_settings": route<{
        path: string;
        settings?: SharedLinkSettings;
      }>("rpc", "sharing.write", ARG_TYPES.createSharedLink, (arg) =>
        this.links.create(arg.path, arg.settings),
      ),
      "sharing/list_shared_links": route<ListSharedLinksArg>(
        "rpc",
        "sharing.read",
        ARG_TYPES.listSharedLinks,
        (arg) => this.links.list(arg, this.listPageSize),
      ),
      "sharing/revoke_shared_link": route<{ url: string }>(
        "rpc",
        "sharing.write",
        ARG_TYPES.revokeSharedLink,
        (arg) => {
          this.links.revoke(arg.url);
          return null;
        },
      ),
      "sharing/modify_shared_link_settings": route<ModifySharedLinkSettingsArg>(
        "rpc",
        "sharing.write",
        ARG_TYPES.modifySharedLink,
        (arg) => this.links.modify(arg),
      ),
      "users/get_current_account": route("rpc", "account_info.read", null, () =>
        this.currentAccount(),
      ),
      "auth/token/revoke": route("rpc", null, null, (_arg, { accessToken }) => {
        this.oauth.revoke(accessToken);
        return null;
      }),
    };
  }

  private finishSession(arg: UploadSessionFinishArg, body: Buffer, batch: boolean): FileNode {
    const content = this.sessions.finishContent(arg, body, batch);
    const file = rethrowing("path", () => this.files.commitFile(arg.commit, content));
    this.sessions.markCommitted(arg.cursor.session_id);
    return file;
  }

  private finishBatchEntry(entry: UploadSessionFinishArg): Json {
    try {
      return {
        ".tag": "success",
        ...this.files.fileMetadata(this.finishSession(entry, Buffer.alloc(0), true)),
      };
    } catch (error) {
      if (error instanceof RouteError) return union("failure", error.error);
      throw error;
    }
  }

  private getMetadata(path: string, includeDeleted: boolean): Json {
    if (path === "/") throw new BadRequest("request body: path: The root folder is unsupported.");
    try {
      return this.files.taggedMetadata(this.files.lookup(path));
    } catch (error) {
      if (!(error instanceof LookupFailure)) throw error;
      const deleted = includeDeleted ? this.files.deletedAt(path) : undefined;
      if (deleted === undefined) throw nested("path", error);
      return {
        ".tag": "deleted",
        name: deleted.slice(deleted.lastIndexOf("/") + 1),
        path_lower: deleted.toLowerCase(),
        path_display: deleted,
      };
    }
  }

  private currentAccount(): Json {
    const namespace = this.files.rootNamespaceId;
    const team =
      this.account.type === "business"
        ? {
            team: {
              id: "dbtid:AAFdgehTzw7WlXhZJsbGCLePe8RvQGYDr-I",
              name: "Emulated Team",
              sharing_policies: {
                shared_folder_member_policy: union("anyone"),
                shared_folder_join_policy: union("from_anyone"),
                shared_link_create_policy: union("default_public"),
              },
              office_addin_policy: union("disabled"),
              top_level_content_policy: union("admin_only"),
            },
            team_member_id: "dbmid:AAHhy7WsR0x-u4ZCqiDl5Fz5zvuL3kmspwU",
          }
        : {};
    return {
      account_id: this.accountId,
      name: {
        given_name: "Emma",
        surname: "Ulator",
        familiar_name: "Emma",
        display_name: "Emma Ulator",
        abbreviated_name: "EU",
      },
      email: EMAIL,
      email_verified: true,
      disabled: false,
      country: "US",
      locale: "en",
      referral_link: "https://www.dropbox.com/referrals/AABmQ7P0Yo_emulator?src=global9",
      ...team,
      is_paired: false,
      account_type: union(this.account.type),
      root_info: {
        ".tag": "user",
        root_namespace_id: namespace,
        home_namespace_id: namespace,
      },
    };
  }
}

function readBearer(exchange: Exchange): string {
  const value = exchange.headers.authorization ?? exchange.url.searchParams.get("authorization");
  if (value === undefined || value === null) {
    throw new BadRequest(
      'Must provide HTTP header "Authorization" or URL parameter "authorization".',
    );
  }
  const match = /^Bearer +(\S+)$/i.exec(value);
  if (!match?.[1]) {
    throw new BadRequest(
      `Invalid authorization value in HTTP header "Authorization": "${value}".  Expecting "Bearer <oauth2-access-token>".`,
    );
  }
  return match[1];
}

/** Decodes an argument; the request log keeps the JSON as the client sent it. */
function decodeArg(exchange: Exchange, type: StoneType | null, text: string, where: string) {
  try {
    const json = parseStoneJson(text);
    exchange.record.arg = json;
    return decodeArgument(type, json);
  } catch (error) {
    if (error instanceof StoneValidationError) {
      throw new BadRequest(`${where}: ${error.describe()}`);
    }
    throw error;
  }
}

/** Content routes: the argument comes in Dropbox-API-Arg (ASCII only) or the `arg` parameter. */
function readHeaderArg(exchange: Exchange, type: StoneType | null): unknown {
  const header = exchange.headers["dropbox-api-arg"];
  if (typeof header === "string") {
    // Node hands header bytes over as latin1, so raw UTF-8 shows up as characters above 0x7E.
    if (/[^\t\x20-\x7e]/.test(header)) {
      throw new BadRequest('HTTP header "Dropbox-API-Arg": could not decode input as JSON');
    }
    return decodeArg(exchange, type, header, 'HTTP header "Dropbox-API-Arg"');
  }
  const param = exchange.url.searchParams.get("arg");
  if (param !== null) return decodeArg(exchange, type, param, 'URL parameter "arg"');
  throw new BadRequest('Must provide HTTP header "Dropbox-API-Arg" or URL parameter "arg".');
}

function readBodyArg(exchange: Exchange, type: StoneType | null): unknown {
  return decodeArg(exchange, type, exchange.body.toString("utf8"), "request body");
}

/** The error_summary of a JSON error, or the text of a plain one. */
function describeError(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error_summary?: string; error?: unknown };
    if (typeof parsed.error_summary === "string") return parsed.error_summary;
    if (typeof parsed.error === "string") return parsed.error;
  } catch {
    // Not JSON: a plain-text or HTML error.
  }
  return body
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

function renderStatusFault(fault: StatusFault): Reply {
  if (fault.status === 409 && fault.reason) {
    const tags = fault.reason.split("/").filter(Boolean);
    const error = tags.reduceRight<Json | undefined>((inner, tag) => union(tag, inner), undefined);
    return json(409, { error_summary: `${tags.join("/")}/..`, error: error ?? null });
  }
  if (fault.status === 429) {
    const reason = fault.reason ?? "too_many_requests";
    const retryAfter = fault.retryAfterSeconds ?? 1;
    return json(
      429,
      { error_summary: `${reason}/..`, error: { reason: union(reason), retry_after: retryAfter } },
      { "Retry-After": String(retryAfter) },
    );
  }
  const messages: Record<number, string> = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
  };
  const reply = text(fault.status, messages[fault.status] ?? "Error");
  if (fault.retryAfterSeconds !== undefined) {
    reply.headers = { ...reply.headers, "Retry-After": String(fault.retryAfterSeconds) };
  }
  return reply;
}

export async function startDropboxEmulator(
  options: DropboxEmulatorOptions = {},
): Promise<DropboxEmulator> {
  const emulator = new DropboxEmulator(options);
  await emulator.listen();
  return emulator;
}

/** `node test/emulators/…ts --port N --token T`: the emulator on its own, for trying dmshare by hand. */
async function startFromArguments() {
  const { values } = parseArgs({
    options: {
      ...COMMON_ARGUMENTS,
      "account-type": { type: "string", default: "basic" },
      "app-key": { type: "string" },
      "redirect-uri": { type: "string", multiple: true, default: [] },
    },
  });
  const accountType = values["account-type"];
  if (accountType !== "basic" && accountType !== "pro" && accountType !== "business") {
    throw new Error(`--account-type must be basic, pro or business, not "${accountType}"`);
  }
  const appKey = values["app-key"];
  return startDropboxEmulator({
    ...commonOptions(values),
    accountType,
    apps: appKey ? [{ clientId: appKey, redirectUris: values["redirect-uri"] }] : [],
  });
}

serveWhenRunDirectly(import.meta.url, "Dropbox", startFromArguments);
