// Microsoft Graph v1.0's OneDrive (personal) API as dmshare uses it, written from Microsoft's
// public references (driveItem, "Addressing items by path", special folders / App Folder,
// "Upload small files", driveItem: createUploadSession, driveItem: createLink, permission,
// "Paging Microsoft Graph data", error responses, throttling):
//
//   /v1.0/me, /v1.0/me/drive (and /v1.0/drives/{driveId}),
//   …/root, …/special/approot, …/items/{id} — each with `:/relative/path:` addressing,
//   GET/DELETE an item, GET/POST …/children (paged with @odata.nextLink and $skiptoken),
//   PUT …:/name:/content (simple upload), POST …/createUploadSession, the session's uploadUrl,
//   POST …/createLink, GET …/permissions, GET/DELETE …/permissions/{id}.
//
// A token with only Files.ReadWrite.AppFolder reaches the app folder and what is inside it,
// nothing else (accessDenied), as Microsoft describes the App Folder permission.

import type { Exchange, Reply } from "./http.ts";
import { GraphSharing } from "./microsoft-graph-sharing.ts";
import { GraphUploads } from "./microsoft-graph-upload.ts";
import {
  errors,
  GraphError,
  isoSeconds,
  type JsonObject,
  jsonReply,
  noContent,
  opaqueToken,
  readJsonBody,
  refuseUnknownProperties,
} from "./microsoft-graph-wire.ts";
import type { GrantedToken } from "./microsoft-tokens.ts";

export type { GraphPermission, ResolvedGraphLink } from "./microsoft-graph-sharing.ts";

export const APP_FOLDER_SCOPE = "Files.ReadWrite.AppFolder";
const FILE_SCOPES = ["Files.Read", "Files.ReadWrite", "Files.Read.All", "Files.ReadWrite.All"];
const WRITE_SCOPES = ["Files.ReadWrite", "Files.ReadWrite.All", APP_FOLDER_SCOPE];
const USER_SCOPES = ["User.Read", "User.ReadWrite", "User.Read.All", "User.ReadBasic.All"];

export interface GraphItem {
  id: string;
  name: string;
  /** null for the drive's root. */
  parentId: string | null;
  folder: boolean;
  content?: Buffer;
  mimeType?: string;
  createdAt: number;
  modifiedAt: number;
  /** fileSystemInfo as the client gave it (the file's own times), else the upload times. */
  clientCreatedAt?: number;
  clientModifiedAt?: number;
  special?: "approot";
  /** Increases with each change (the eTag's version). */
  version: number;
}

export interface GraphAccount {
  displayName: string;
  email: string;
  /** The drive's id (upper-case hex, as personal drives have). */
  driveId: string;
  /** Microsoft 365 Personal/Family: link expiry and passwords; free: neither. */
  plan: "free" | "premium";
  /** The registered app's name: the app folder is `Apps/<appName>`. */
  appName: string;
  appId: string;
}

interface ItemTarget {
  item: GraphItem | undefined;
  /** The parent and the name, when a path names an item that does not exist (yet). */
  parent?: GraphItem;
  name?: string;
  /** Path segments that were missing above `parent` (created by uploads, as OneDrive does). */
  missing?: string[];
}

const MIME_BY_EXTENSION: Record<string, string> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  heic: "image/heic",
  gif: "image/gif",
  webp: "image/webp",
  mp4: "video/mp4",
  mov: "video/quicktime",
  txt: "text/plain",
};

export const mimeOf = (name: string) =>
  MIME_BY_EXTENSION[name.split(".").pop()?.toLowerCase() ?? ""] ?? "application/octet-stream";

/** Characters OneDrive does not allow in names ("Restrictions and limitations"). */
const INVALID_NAME =
  /["*:<>?/\\|]|^\s|[\s.]$|^(?:\.lock|CON|PRN|AUX|NUL|COM\d|LPT\d|desktop\.ini)$|^~\$/i;

export function checkName(name: unknown): string {
  if (typeof name !== "string" || name === "") {
    throw errors.invalidRequest("The name of the item is missing.");
  }
  if (INVALID_NAME.test(name) || name.length > 255) {
    throw new GraphError(400, "invalidRequest", "The provided name contains invalid characters.", {
      innerCode: "invalidName",
    });
  }
  return name;
}

export class DriveStore {
  readonly account: GraphAccount;
  readonly now: () => number;
  readonly items = new Map<string, GraphItem>();
  readonly rootId: string;
  private counter = 100;

  constructor(account: GraphAccount, now: () => number) {
    this.account = account;
    this.now = now;
    const root = this.make({ name: "root", parentId: null, folder: true });
    this.rootId = root.id;
    this.items.set(root.id, root);
  }

  newId(): string {
    this.counter += 1;
    return `${this.account.driveId}!s${this.counter.toString(16)}`;
  }

  make(fields: Pick<GraphItem, "name" | "parentId" | "folder"> & Partial<GraphItem>): GraphItem {
    const time = this.now();
    return { id: this.newId(), createdAt: time, modifiedAt: time, version: 1, ...fields };
  }

  add(item: GraphItem): GraphItem {
    this.items.set(item.id, item);
    return item;
  }

  /** The app folder, made on first use as OneDrive does: `Apps/<app name>`. */
  appFolder(): GraphItem {
    const found = [...this.items.values()].find((item) => item.special === "approot");
    if (found) return found;
    const apps =
      this.childNamed(this.rootId, "Apps") ??
      this.add(this.make({ name: "Apps", parentId: this.rootId, folder: true }));
    return this.add(
      this.make({
        name: this.account.appName,
        parentId: apps.id,
        folder: true,
        special: "approot",
      }),
    );
  }

  childNamed(parentId: string, name: string): GraphItem | undefined {
    const wanted = name.toLowerCase();
    for (const item of this.items.values()) {
      if (item.parentId === parentId && item.name.toLowerCase() === wanted) return item;
    }
    return undefined;
  }

  children(parentId: string): GraphItem[] {
    return [...this.items.values()].filter((item) => item.parentId === parentId);
  }

  /** Removes an item and everything inside it. */
  remove(id: string): void {
    for (const child of this.children(id)) this.remove(child.id);
    this.items.delete(id);
  }

  /** The item's ancestors, nearest first (the root last). */
  ancestors(item: GraphItem): GraphItem[] {
    const found: GraphItem[] = [];
    let parentId = item.parentId;
    while (parentId) {
      const parent = this.items.get(parentId);
      if (!parent) break;
      found.push(parent);
      parentId = parent.parentId;
    }
    return found;
  }

  insideAppFolder(item: GraphItem): boolean {
    return item.special === "approot" || this.ancestors(item).some((a) => a.special === "approot");
  }

  /** `/drive/root:/Apps/dmshare` — the parentReference.path of the item's children. */
  pathOf(item: GraphItem): string {
    const names = [item, ...this.ancestors(item)]
      .filter((i) => i.id !== this.rootId)
      .map((i) => encodeURIComponent(i.name))
      .reverse();
    return `/drive/root:${names.length ? `/${names.join("/")}` : ""}`;
  }

  /** The folder a new item goes into, creating missing folders on the way. */
  ensureFolders(parent: GraphItem, missing: string[]): GraphItem {
    let folder = parent;
    for (const name of missing) {
      folder =
        this.childNamed(folder.id, name) ??
        this.add(this.make({ name: checkName(name), parentId: folder.id, folder: true }));
    }
    return folder;
  }

  json(item: GraphItem, shared: JsonObject | undefined): JsonObject {
    const { account } = this;
    const parent = item.parentId ? this.items.get(item.parentId) : undefined;
    const body: JsonObject = {
      createdDateTime: isoSeconds(item.createdAt),
      cTag: `adDo${item.id.replace("!", "")};${item.version}`,
      eTag: `aRDo${item.id.replace("!", "")}.${item.version}`,
      id: item.id,
      lastModifiedDateTime: isoSeconds(item.modifiedAt),
      name: item.name,
      size: this.sizeOf(item),
      webUrl: `https://onedrive.live.com/?cid=${account.driveId.toLowerCase()}&id=${encodeURIComponent(item.id)}`,
      createdBy: {
        application: { displayName: account.appName, id: account.appId },
        user: { displayName: account.displayName, id: account.driveId.toLowerCase() },
      },
      parentReference: parent
        ? {
            driveId: account.driveId.toLowerCase(),
            driveType: "personal",
            id: parent.id,
            name: parent.id === this.rootId ? "root:" : parent.name,
            path: this.pathOf(parent),
          }
        : { driveId: account.driveId.toLowerCase(), driveType: "personal" },
      fileSystemInfo: {
        createdDateTime: isoSeconds(item.clientCreatedAt ?? item.createdAt),
        lastModifiedDateTime: isoSeconds(item.clientModifiedAt ?? item.modifiedAt),
      },
    };
    if (item.folder) {
      body.folder = { childCount: this.children(item.id).length, view: { viewType: "thumbnails" } };
    } else {
      body.file = { mimeType: item.mimeType ?? mimeOf(item.name), hashes: {} };
    }
    if (item.special) body.specialFolder = { name: item.special };
    if (item.id === this.rootId) body.root = {};
    if (shared) body.shared = shared;
    return body;
  }

  sizeOf(item: GraphItem): number {
    if (!item.folder) return item.content?.length ?? 0;
    return this.children(item.id).reduce((total, child) => total + this.sizeOf(child), 0);
  }
}

export interface GraphApiOptions {
  account: GraphAccount;
  now: () => number;
  listPageSize: number;
  /** Checks the Authorization header: the token's grant, or throws the 401. */
  checkToken: (authorization: string | undefined) => GrantedToken;
}

const has = (token: GrantedToken, scopes: readonly string[]) =>
  token.scopes.some((scope) => scopes.includes(scope));

export class GraphApi {
  readonly store: DriveStore;
  readonly uploads: GraphUploads;
  readonly sharing: GraphSharing;
  /** Rewrite the next answers listing children (hostile-answer tests); each removed after use. */
  readonly listingTampers: ((body: JsonObject) => JsonObject)[] = [];
  /** Rewrite the next answers creating a folder (hostile-answer tests); each removed after use. */
  readonly folderTampers: ((body: JsonObject) => JsonObject)[] = [];
  private readonly options: GraphApiOptions;

  constructor(options: GraphApiOptions) {
    this.options = options;
    this.store = new DriveStore(options.account, options.now);
    this.uploads = new GraphUploads(this.store);
    this.sharing = new GraphSharing(this.store);
  }

  handle(exchange: Exchange): Reply {
    try {
      const path = exchange.url.pathname;
      if (path.startsWith("/rup/")) return this.uploads.session(exchange, path.slice(5));
      return this.route(exchange, path.slice("/v1.0".length));
    } catch (error) {
      if (error instanceof GraphError) return error.reply(exchange, new Date(this.options.now()));
      throw error;
    }
  }

  private route(exchange: Exchange, path: string): Reply {
    const token = this.options.checkToken(exchange.headers.authorization);
    if (path === "/me" || path === "/me/") {
      if (exchange.method !== "GET") throw errors.methodNotAllowed();
      if (!has(token, USER_SCOPES)) {
        throw new GraphError(
          403,
          "Authorization_RequestDenied",
          "Insufficient privileges to complete the operation.",
        );
      }
      return jsonReply(200, this.user(exchange));
    }
    const drive = /^\/(?:me\/drive|drives\/([^/]+))(\/.*)?$/.exec(path);
    if (!drive) {
      const segment = path.split("/")[1] ?? "";
      throw errors.badRequest(`Resource not found for the segment '${segment}'.`);
    }
    if (
      drive[1] !== undefined &&
      drive[1].toLowerCase() !== this.options.account.driveId.toLowerCase()
    ) {
      throw errors.notFound("The resource could not be found.");
    }
    const rest = drive[2] ?? "";
    if (rest === "" || rest === "/") {
      if (exchange.method !== "GET") throw errors.methodNotAllowed();
      return jsonReply(200, this.drive(exchange));
    }
    return this.itemRoute(exchange, rest, token);
  }

  private itemRoute(exchange: Exchange, rest: string, token: GrantedToken): Reply {
    const parsed = /^\/(root|special\/[^/:]+|items\/[^/:]+)(?::(\/[^:]*)(?::)?)?(\/.*)?$/.exec(
      rest,
    );
    if (!parsed) {
      throw errors.badRequest(`Resource not found for the segment '${rest.split("/")[1] ?? ""}'.`);
    }
    const base = this.baseItem(parsed[1] as string, token);
    const target = this.walk(base, parsed[2]);
    const tail = parsed[3] ?? "";
    if (!has(token, WRITE_SCOPES) && exchange.method !== "GET") {
      throw errors.accessDenied("Access denied");
    }
    if (tail === "/content") return this.uploads.simple(exchange, target);
    if (tail === "/createUploadSession") return this.uploads.create(exchange, target);
    const item = target.item;
    if (!item) throw errors.notFound();
    if (tail === "" || tail === "/") return this.itemItself(exchange, item);
    if (tail === "/children") return this.children(exchange, item);
    if (tail === "/createLink") return this.sharing.createLink(exchange, item);
    if (tail === "/permissions") return this.sharing.list(exchange, item);
    const permission = /^\/permissions\/([^/]+)$/.exec(tail);
    if (permission)
      return this.sharing.one(exchange, item, decodeURIComponent(permission[1] as string));
    throw errors.badRequest(`Resource not found for the segment '${tail.split("/")[1] ?? ""}'.`);
  }

  /** root / special/approot / items/{id}, checked against what the token may reach. */
  private baseItem(base: string, token: GrantedToken): GraphItem {
    const { store } = this;
    const appOnly = !has(token, FILE_SCOPES);
    if (!has(token, [...FILE_SCOPES, APP_FOLDER_SCOPE])) {
      throw errors.accessDenied("Access denied");
    }
    let item: GraphItem | undefined;
    if (base === "root") item = store.items.get(store.rootId);
    else if (base.startsWith("special/")) {
      const name = base.slice("special/".length).toLowerCase();
      if (name !== "approot") {
        if (appOnly || !["documents", "photos", "cameraroll", "music"].includes(name)) {
          throw errors.badRequest(`Special folder '${name}' is not supported.`);
        }
        throw errors.notFound();
      }
      item = store.appFolder();
    } else {
      item = store.items.get(decodeURIComponent(base.slice("items/".length)));
      if (!item) throw errors.notFound();
    }
    if (appOnly && item && !store.insideAppFolder(item)) throw errors.accessDenied("Access denied");
    return item as GraphItem;
  }

  /** Follows `:/a/b` below `base`: the item, or where a new one would go. */
  private walk(base: GraphItem, relative: string | undefined): ItemTarget {
    if (relative === undefined || relative === "/" || relative === "") return { item: base };
    const names = relative
      .split("/")
      .filter((s) => s !== "")
      .map((s) => decodeURIComponent(s));
    let current = base;
    for (let index = 0; index < names.length; index += 1) {
      const name = names[index] as string;
      const next = this.store.childNamed(current.id, name);
      if (!next) {
        return {
          item: undefined,
          parent: current,
          name: names[names.length - 1],
          missing: names.slice(index, -1),
        };
      }
      if (!next.folder && index < names.length - 1) throw errors.notFound();
      current = next;
    }
    return {
      item: current,
      parent: this.store.items.get(current.parentId ?? ""),
      name: current.name,
    };
  }

  private itemItself(exchange: Exchange, item: GraphItem): Reply {
    if (exchange.method === "GET") return jsonReply(200, this.itemJson(item));
    if (exchange.method === "DELETE") {
      if (item.special || item.id === this.store.rootId) {
        throw errors.accessDenied("Special folders cannot be deleted.");
      }
      this.checkIfMatch(exchange, item);
      this.store.remove(item.id);
      return noContent();
    }
    throw errors.methodNotAllowed();
  }

  private checkIfMatch(exchange: Exchange, item: GraphItem): void {
    const wanted = exchange.headers["if-match"];
    if (wanted === undefined || wanted === "*") return;
    const json = this.store.json(item, undefined);
    if (wanted !== json.eTag && wanted !== json.cTag) {
      throw new GraphError(412, "resourceModified", "ETag does not match current item's value");
    }
  }

  itemJson(item: GraphItem): JsonObject {
    return this.store.json(item, this.sharing.sharedFacet(item));
  }

  private children(exchange: Exchange, folder: GraphItem): Reply {
    if (!folder.folder) throw errors.badRequest("Item is not a folder.");
    if (exchange.method === "POST") return this.createFolder(exchange, folder);
    if (exchange.method !== "GET") throw errors.methodNotAllowed();
    const query = exchange.url.searchParams;
    for (const key of query.keys()) {
      if (!["$top", "$skiptoken", "$select", "$expand", "$orderby"].includes(key)) {
        throw errors.badRequest(`Query option '${key}' is not allowed.`);
      }
    }
    const top = query.has("$top") ? Number(query.get("$top")) : this.options.listPageSize;
    if (!Number.isInteger(top) || top < 1 || top > 1000) {
      throw errors.badRequest("Invalid value for $top query parameter.");
    }
    const skip = query.has("$skiptoken") ? decodeSkipToken(query.get("$skiptoken") as string) : 0;
    const all = this.store.children(folder.id).sort((a, b) => a.name.localeCompare(b.name));
    const page = all.slice(skip, skip + top);
    const body: JsonObject = { value: page.map((item) => this.itemJson(item)) };
    if (skip + top < all.length) {
      const next = `${baseUrlOf(exchange)}${exchange.url.pathname}`;
      body["@odata.nextLink"] = `${next}?$top=${top}&$skiptoken=${encodeSkipToken(skip + top)}`;
    }
    const tamper = this.listingTampers.shift();
    return jsonReply(200, tamper ? tamper(body) : body);
  }

  private createFolder(exchange: Exchange, parent: GraphItem): Reply {
    const body = readJsonBody(exchange, true) as JsonObject;
    refuseUnknownProperties(body, "microsoft.graph.driveItem", [
      "name",
      "folder",
      "description",
      "fileSystemInfo",
      "@microsoft.graph.conflictBehavior",
    ]);
    const name = checkName(body.name);
    if (body.folder === undefined || typeof body.folder !== "object") {
      throw errors.invalidRequest("Either 'folder' or 'file' must be provided, but not both.");
    }
    const behavior = conflictBehavior(body["@microsoft.graph.conflictBehavior"], "fail");
    const existing = this.store.childNamed(parent.id, name);
    let finalName = name;
    if (existing) {
      if (behavior === "fail")
        throw errors.conflict("An item with the same name already exists under the parent");
      if (behavior === "replace") this.store.remove(existing.id);
      else finalName = this.freeName(parent, name);
    }
    const folder = this.store.add(
      this.store.make({ name: finalName, parentId: parent.id, folder: true }),
    );
    const tamper = this.folderTampers.shift();
    return jsonReply(201, tamper ? tamper(this.itemJson(folder)) : this.itemJson(folder));
  }

  /** "name 1", "name 2"… as the rename conflict behaviour picks. */
  freeName(parent: GraphItem, name: string): string {
    const dot = name.lastIndexOf(".");
    const [stem, extension] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
    for (let n = 1; ; n += 1) {
      const candidate = `${stem} ${n}${extension}`;
      if (!this.store.childNamed(parent.id, candidate)) return candidate;
    }
  }

  private user(exchange: Exchange): JsonObject {
    const { account } = this.options;
    return {
      "@odata.context": `${baseUrlOf(exchange)}/v1.0/$metadata#users/$entity`,
      displayName: account.displayName,
      givenName: account.displayName.split(" ")[0] ?? null,
      surname: account.displayName.split(" ").slice(1).join(" ") || null,
      userPrincipalName: account.email,
      mail: null,
      id: account.driveId.toLowerCase(),
    };
  }

  private drive(exchange: Exchange): JsonObject {
    const { account } = this.options;
    const total = account.plan === "premium" ? 1024 ** 4 : 5 * 1024 ** 3;
    const used = this.store.sizeOf(this.store.items.get(this.store.rootId) as GraphItem);
    return {
      "@odata.context": `${baseUrlOf(exchange)}/v1.0/$metadata#drives/$entity`,
      id: account.driveId.toLowerCase(),
      driveType: "personal",
      owner: { user: { displayName: account.displayName, id: account.driveId.toLowerCase() } },
      quota: { deleted: 0, remaining: total - used, state: "normal", total, used },
    };
  }
}

export function conflictBehavior(value: unknown, fallback: "fail" | "replace" | "rename") {
  if (value === undefined) return fallback;
  if (value !== "fail" && value !== "replace" && value !== "rename") {
    throw errors.invalidRequest(`Invalid conflict behavior '${String(value)}'.`);
  }
  return value;
}

/** The base URL the client reached the emulator on (nextLinks and upload URLs use it). */
export function baseUrlOf(exchange: Exchange): string {
  return `http://${exchange.headers.host ?? "127.0.0.1"}`;
}

const encodeSkipToken = (offset: number) => Buffer.from(`offset=${offset}`).toString("base64url");

function decodeSkipToken(token: string): number {
  const match = /^offset=(\d+)$/.exec(Buffer.from(token, "base64url").toString());
  if (!match) throw errors.badRequest("The $skiptoken is invalid.");
  return Number(match[1]);
}

export const newSessionId = () => opaqueToken(24);
