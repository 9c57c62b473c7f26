// Drive API v3 as an app sees it: about, files (create, get with alt=media, list with `q`,
// update with addParents/removeParents, delete, emptyTrash, generateIds), the three upload
// protocols, and permissions. Scopes decide what a token may call; with `drive.file` a token
// sees only the files its OAuth client created (the root folder excepted).

import { createHash } from "node:crypto";
import {
  matches,
  parseQuery,
  type Query,
  QueryError,
  type QueryFile,
} from "./google-drive-query.ts";
import { parseMultipart, ResumableSessions, type Session } from "./google-drive-upload.ts";
import type { TokenCheck } from "./google-oauth.ts";
import {
  applyFieldMask,
  BodyError,
  type FieldMask,
  FieldMaskError,
  type FieldSchema,
  GoogleError,
  insufficientScopes,
  invalidCredentials,
  type Json,
  type JsonObject,
  jsonReply,
  missingCredentials,
  notFoundPage,
  parseFieldMask,
  randomChars,
  readAccessToken,
  readJsonObject,
  rfc3339,
  wantsPretty,
} from "./google-wire.ts";
import type { Exchange, Reply } from "./http.ts";

export const FOLDER_MIME = "application/vnd.google-apps.folder";
const GOOGLE_APPS = "application/vnd.google-apps.";

const AUTH = "https://www.googleapis.com/auth/";
const SCOPE = {
  drive: `${AUTH}drive`,
  file: `${AUTH}drive.file`,
  readonly: `${AUTH}drive.readonly`,
  metadata: `${AUTH}drive.metadata`,
  metadataReadonly: `${AUTH}drive.metadata.readonly`,
  appdata: `${AUTH}drive.appdata`,
  photosReadonly: `${AUTH}drive.photos.readonly`,
  scripts: `${AUTH}drive.scripts`,
};
/** Scopes each kind of method accepts (as the Drive discovery document lists them). */
const READ = [
  SCOPE.drive,
  SCOPE.file,
  SCOPE.readonly,
  SCOPE.metadata,
  SCOPE.metadataReadonly,
  SCOPE.appdata,
  SCOPE.photosReadonly,
];
const WRITE = [SCOPE.drive, SCOPE.file, SCOPE.appdata];
const UPDATE = [SCOPE.drive, SCOPE.file, SCOPE.appdata, SCOPE.metadata, SCOPE.scripts];
const SHARE = [SCOPE.drive, SCOPE.file];
/** Scopes that see every file, not only the app's own. */
const SEE_ALL = [SCOPE.drive, SCOPE.readonly, SCOPE.metadata, SCOPE.metadataReadonly];

export interface DriveAccount {
  displayName: string;
  emailAddress: string;
  permissionId: string;
}

export interface EmulatedDriveFile {
  id: string;
  name: string;
  mimeType: string;
  parents: string[];
  /** Bytes of content; null for folders and Google Docs-type files. */
  size: number | null;
  trashed: boolean;
  copyRequiresWriterPermission: boolean;
  createdTime: string;
  modifiedTime: string;
  md5Checksum: string | null;
  appProperties: Record<string, string>;
}

export interface DrivePermission {
  id: string;
  type: "user" | "group" | "domain" | "anyone";
  role: "owner" | "organizer" | "fileOrganizer" | "writer" | "commenter" | "reader";
  allowFileDiscovery?: boolean;
  emailAddress?: string;
  domain?: string;
  displayName?: string;
  expirationTime?: string;
}

export interface ResolvedDriveLink {
  fileId: string;
  kind: "file" | "folder";
  access: "reader" | "commenter" | "writer" | null;
  canDownload: boolean;
}

interface Caller {
  clientId: string;
  scopes: ReadonlySet<string>;
}

interface DriveNode {
  id: string;
  name: string;
  mimeType: string;
  parents: string[];
  /** Null for folders and Google Docs-type files. */
  content: Buffer | null;
  createdTime: number;
  modifiedTime: number;
  viewedByMeTime?: number;
  trashed: boolean;
  explicitlyTrashed: boolean;
  trashedTime?: number;
  starred: boolean;
  description?: string;
  copyRequiresWriterPermission: boolean;
  writersCanShare: boolean;
  appProperties: Record<string, string>;
  properties: Record<string, string>;
  originalFilename?: string;
  /** The OAuth client that created it; null for what the user made in Drive itself. */
  appClientId: string | null;
  /** Every permission but the owner's. */
  permissions: DrivePermission[];
  version: number;
  headRevisionId?: string;
}

// ---- resource schemas (for fields= validation) ---------------------------------------

const USER_SCHEMA: FieldSchema = {
  kind: "leaf",
  displayName: "leaf",
  photoLink: "leaf",
  me: "leaf",
  permissionId: "leaf",
  emailAddress: "leaf",
};
const PERMISSION_SCHEMA: FieldSchema = {
  kind: "leaf",
  id: "leaf",
  type: "leaf",
  emailAddress: "leaf",
  domain: "leaf",
  role: "leaf",
  view: "leaf",
  allowFileDiscovery: "leaf",
  displayName: "leaf",
  photoLink: "leaf",
  expirationTime: "leaf",
  teamDrivePermissionDetails: "map",
  permissionDetails: "map",
  deleted: "leaf",
  pendingOwner: "leaf",
  inheritedPermissionsDisabled: "leaf",
};
const FILE_SCHEMA: FieldSchema = {
  ...Object.fromEntries(
    [
      "kind",
      "driveId",
      "fileExtension",
      "copyRequiresWriterPermission",
      "md5Checksum",
      "writersCanShare",
      "viewedByMe",
      "mimeType",
      "parents",
      "thumbnailLink",
      "iconLink",
      "shared",
      "headRevisionId",
      "webViewLink",
      "webContentLink",
      "size",
      "viewersCanCopyContent",
      "permissionIds",
      "hasThumbnail",
      "spaces",
      "folderColorRgb",
      "id",
      "name",
      "description",
      "starred",
      "trashed",
      "explicitlyTrashed",
      "createdTime",
      "modifiedTime",
      "modifiedByMeTime",
      "viewedByMeTime",
      "sharedWithMeTime",
      "quotaBytesUsed",
      "version",
      "originalFilename",
      "ownedByMe",
      "fullFileExtension",
      "isAppAuthorized",
      "teamDriveId",
      "hasAugmentedPermissions",
      "thumbnailVersion",
      "trashedTime",
      "modifiedByMe",
      "resourceKey",
      "sha1Checksum",
      "sha256Checksum",
      "inheritedPermissionsDisabled",
    ].map((name) => [name, "leaf"]),
  ),
  ...Object.fromEntries(
    [
      "exportLinks",
      "appProperties",
      "properties",
      "capabilities",
      "contentHints",
      "imageMediaMetadata",
      "videoMediaMetadata",
      "shortcutDetails",
      "contentRestrictions",
      "linkShareMetadata",
      "labelInfo",
      "downloadRestrictions",
    ].map((name) => [name, "map"]),
  ),
  owners: USER_SCHEMA,
  lastModifyingUser: USER_SCHEMA,
  sharingUser: USER_SCHEMA,
  trashingUser: USER_SCHEMA,
  permissions: PERMISSION_SCHEMA,
} as FieldSchema;
const FILE_LIST_SCHEMA: FieldSchema = {
  kind: "leaf",
  nextPageToken: "leaf",
  incompleteSearch: "leaf",
  files: FILE_SCHEMA,
};
const PERMISSION_LIST_SCHEMA: FieldSchema = {
  kind: "leaf",
  nextPageToken: "leaf",
  permissions: PERMISSION_SCHEMA,
};
const ABOUT_SCHEMA: FieldSchema = {
  kind: "leaf",
  user: USER_SCHEMA,
  storageQuota: "map",
  importFormats: "map",
  exportFormats: "map",
  maxImportSizes: "map",
  maxUploadSize: "leaf",
  appInstalled: "leaf",
  folderColorPalette: "leaf",
  driveThemes: "map",
  teamDriveThemes: "map",
  canCreateDrives: "leaf",
  canCreateTeamDrives: "leaf",
};
const GENERATED_IDS_SCHEMA: FieldSchema = { kind: "leaf", space: "leaf", ids: "leaf" };

const FILE_DEFAULT = "kind,id,name,mimeType";
const FILE_LIST_DEFAULT = `kind,incompleteSearch,nextPageToken,files(${FILE_DEFAULT})`;
const PERMISSION_DEFAULT = "kind,id,type,role,allowFileDiscovery";
const PERMISSION_LIST_DEFAULT = `kind,nextPageToken,permissions(${PERMISSION_DEFAULT})`;

/** Body fields a client may set, by method. */
const CREATE_WRITABLE = new Set([
  "kind",
  "id",
  "name",
  "mimeType",
  "parents",
  "description",
  "starred",
  "appProperties",
  "properties",
  "createdTime",
  "modifiedTime",
  "viewedByMeTime",
  "copyRequiresWriterPermission",
  "writersCanShare",
  "viewersCanCopyContent",
  "originalFilename",
  "folderColorRgb",
  "contentHints",
  "contentRestrictions",
  "shortcutDetails",
  "downloadRestrictions",
  "inheritedPermissionsDisabled",
]);
const UPDATE_WRITABLE = new Set(
  [...CREATE_WRITABLE, "trashed"].filter(
    (name) => !["id", "parents", "createdTime"].includes(name),
  ),
);

const ROLE_RANK = { reader: 1, commenter: 2, writer: 3, fileOrganizer: 4, organizer: 5, owner: 6 };
const ROLES = Object.keys(ROLE_RANK) as DrivePermission["role"][];
const PERMISSION_TYPES = ["user", "group", "domain", "anyone"] as const;

// ---- errors -----------------------------------------------------------------------------

const fileNotFound = (id: string) =>
  new GoogleError(404, `File not found: ${id}.`, {
    reason: "notFound",
    location: "fileId",
    locationType: "parameter",
  });
const invalidValue = (location: string, message = "Invalid Value") =>
  new GoogleError(400, message, { reason: "invalid", location, locationType: "parameter" });
const badRequest = (message: string) => new GoogleError(400, message, { reason: "badRequest" });
const notWritable = (
  message = "The resource body includes fields which are not directly writable.",
) => new GoogleError(403, message, { reason: "fieldNotWritable" });
const noFilePermission = () =>
  new GoogleError(403, "The user does not have sufficient permissions for this file.", {
    reason: "insufficientFilePermissions",
  });
const rangeError = (location: string, value: string, max: number) =>
  invalidValue(location, `Invalid value '${value}'. Values must be within the range: [1, ${max}]`);

// ---- small helpers --------------------------------------------------------------------------

const isFolder = (node: DriveNode) => node.mimeType === FOLDER_MIME;
const isBinary = (node: DriveNode) => !node.mimeType.startsWith(GOOGLE_APPS);
const checksums = new WeakMap<Buffer, Map<string, string>>();
/** A checksum of a file's content, computed once and when first asked for (1 GB takes seconds). */
function checksum(content: Buffer | null, algorithm: "md5" | "sha1" | "sha256"): string | null {
  if (!content) return null;
  const known = checksums.get(content) ?? new Map<string, string>();
  checksums.set(content, known);
  const value = known.get(algorithm) ?? createHash(algorithm).update(content).digest("hex");
  known.set(algorithm, value);
  return value;
}
const newFileId = () => `1${randomChars(32)}`;
/** A stable Drive permissionId for an email address (digits, like Google's). */
const permissionIdFor = (email: string) =>
  BigInt(`0x${createHash("sha256").update(email.toLowerCase()).digest("hex").slice(0, 16)}`)
    .toString()
    .padStart(20, "0");

function parseTime(value: Json | undefined, location: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const time = typeof value === "string" ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) throw invalidValue(location, `Invalid value for: ${location}`);
  return time;
}

function optionalString(body: JsonObject, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw badRequest(`Invalid value for: ${name}`);
  return value;
}

function optionalBoolean(body: JsonObject, name: string): boolean | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw badRequest(`Invalid value for: ${name}`);
  return value;
}

/** appProperties/properties: string values set, null values removed. */
function mergeProperties(
  current: Record<string, string>,
  value: Json | undefined,
  name: string,
): Record<string, string> {
  if (value === undefined || value === null) return current;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw badRequest(`Invalid value for: ${name}`);
  }
  const merged = { ...current };
  for (const [key, each] of Object.entries(value)) {
    if (each === null) delete merged[key];
    else if (typeof each === "string") merged[key] = each;
    else throw badRequest(`Invalid value for: ${name}.${key}`);
  }
  return merged;
}

function checkWritable(body: JsonObject, writable: Set<string>, update: boolean): void {
  for (const name of Object.keys(body)) {
    if (writable.has(name)) continue;
    if (update && name === "parents") {
      throw notWritable(
        "The parents field is not directly writable in update requests. Use the addParents and removeParents parameters instead.",
      );
    }
    throw notWritable();
  }
}

const encodeToken = (offset: number, key: string) =>
  `~!!~${Buffer.from(JSON.stringify({ o: offset, k: key })).toString("base64url")}`;

function decodeToken(token: string, key: string, location = "pageToken"): number {
  try {
    const parsed = JSON.parse(Buffer.from(token.replace(/^~!!~/, ""), "base64url").toString()) as {
      o?: unknown;
      k?: unknown;
    };
    if (typeof parsed.o === "number" && parsed.o >= 0 && parsed.k === key) return parsed.o;
  } catch {
    // not one of ours
  }
  throw invalidValue(location);
}

const shortHash = (text: string) =>
  createHash("sha1").update(text).digest("base64url").slice(0, 12);

function parsePageSize(value: string | null, max: number, fallback: number): number {
  if (value === null) return fallback;
  const size = Number(value);
  if (!/^-?\d+$/.test(value) || size < 1 || size > max) throw rangeError("pageSize", value, max);
  return size;
}

/** orderBy keys Drive accepts, with how each compares two files. */
const ORDER_KEYS: Record<string, (a: DriveNode, b: DriveNode) => number> = {
  createdTime: (a, b) => a.createdTime - b.createdTime,
  folder: (a, b) => Number(isFolder(b)) - Number(isFolder(a)),
  modifiedByMeTime: (a, b) => a.modifiedTime - b.modifiedTime,
  modifiedTime: (a, b) => a.modifiedTime - b.modifiedTime,
  name: (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  name_natural: (a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }),
  quotaBytesUsed: (a, b) => (a.content?.length ?? 0) - (b.content?.length ?? 0),
  recency: (a, b) => a.modifiedTime - b.modifiedTime,
  sharedWithMeTime: () => 0,
  starred: (a, b) => Number(b.starred) - Number(a.starred),
  viewedByMeTime: (a, b) => (a.viewedByMeTime ?? 0) - (b.viewedByMeTime ?? 0),
};

function parseOrderBy(text: string | null): (a: DriveNode, b: DriveNode) => number {
  const keys = (text ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [key = "", direction, extra] = part.split(/\s+/);
      const compare = ORDER_KEYS[key];
      if (!compare || extra !== undefined || (direction !== undefined && direction !== "desc")) {
        throw invalidValue("orderBy");
      }
      return direction === "desc" ? (a: DriveNode, b: DriveNode) => compare(b, a) : compare;
    });
  // Without orderBy: oldest first, which keeps pages stable while files are added.
  keys.push(ORDER_KEYS.createdTime as (a: DriveNode, b: DriveNode) => number);
  keys.push((a, b) => (a.id < b.id ? -1 : 1));
  return (a, b) => {
    for (const compare of keys) {
      const order = compare(a, b);
      if (order !== 0) return order;
    }
    return 0;
  };
}

export interface DriveOptions {
  account: DriveAccount;
  now: () => number;
  listPageSize: number;
  checkToken: (token: string | undefined) => TokenCheck;
}

export class DriveApi {
  readonly rootId = `0A${randomChars(11)}Uk9PVA`;
  readonly uploads: ResumableSessions;
  private readonly options: DriveOptions;
  private readonly nodes = new Map<string, DriveNode>();
  private readonly generatedIds = new Set<string>();

  constructor(options: DriveOptions) {
    this.options = options;
    this.uploads = new ResumableSessions(options.now);
    const now = options.now();
    this.nodes.set(this.rootId, {
      id: this.rootId,
      name: "My Drive",
      mimeType: FOLDER_MIME,
      parents: [],
      content: null,
      createdTime: now,
      modifiedTime: now,
      trashed: false,
      explicitlyTrashed: false,
      starred: false,
      copyRequiresWriterPermission: false,
      writersCanShare: true,
      appProperties: {},
      properties: {},
      appClientId: null,
      permissions: [],
      version: 1,
    });
  }

  // ---- what tests read and do behind the client's back ---------------------------------

  files(): EmulatedDriveFile[] {
    return [...this.nodes.values()]
      .filter((node) => node.id !== this.rootId)
      .map((node) => ({
        id: node.id,
        name: node.name,
        mimeType: node.mimeType,
        parents: [...node.parents],
        size: node.content ? node.content.length : null,
        trashed: node.trashed,
        copyRequiresWriterPermission: node.copyRequiresWriterPermission,
        createdTime: rfc3339(node.createdTime),
        modifiedTime: rfc3339(node.modifiedTime),
        md5Checksum: checksum(node.content, "md5"),
        appProperties: { ...node.appProperties },
      }));
  }

  read(id: string): Buffer | null {
    return this.nodes.get(id)?.content ?? null;
  }

  permissionsOf(id: string): DrivePermission[] {
    const node = this.nodes.get(id);
    return node ? [this.ownerPermission(), ...node.permissions].map((each) => ({ ...each })) : [];
  }

  /** What an anonymous visitor opening the URL gets; null for an unknown or malformed URL. */
  resolveLink(url: string): ResolvedDriveLink | null {
    const id = fileIdFromUrl(url);
    const node = id === null ? undefined : this.nodes.get(id);
    if (!node || node.id === this.rootId) return null;
    let best = 0;
    let trashed = false;
    for (let current: DriveNode | undefined = node; current; ) {
      trashed ||= current.trashed;
      for (const permission of current.permissions) {
        if (permission.type === "anyone") best = Math.max(best, ROLE_RANK[permission.role]);
      }
      const parent: string | undefined = current.parents[0];
      current = parent === undefined ? undefined : this.nodes.get(parent);
    }
    const access =
      trashed || best === 0
        ? null
        : best >= ROLE_RANK.writer
          ? "writer"
          : best === ROLE_RANK.commenter
            ? "commenter"
            : "reader";
    const folder = isFolder(node);
    const canDownload =
      access !== null &&
      (folder || (isBinary(node) && (!node.copyRequiresWriterPermission || access === "writer")));
    return { fileId: node.id, kind: folder ? "folder" : "file", access, canDownload };
  }

  removePermission(fileId: string, permissionId: string): void {
    const node = this.nodes.get(fileId);
    if (!node) throw new Error(`No Drive file ${fileId}`);
    const index = node.permissions.findIndex((each) => each.id === permissionId);
    if (index < 0) throw new Error(`File ${fileId} has no permission ${permissionId}`);
    node.permissions.splice(index, 1);
  }

  /** Deletes a file (and what a folder holds) as the user would in Drive itself. */
  deleteFile(id: string): void {
    if (!this.nodes.has(id) || id === this.rootId) throw new Error(`No Drive file ${id}`);
    this.removeTree(id);
  }

  // ---- HTTP -------------------------------------------------------------------------------

  handle(exchange: Exchange): Reply {
    try {
      return this.route(exchange);
    } catch (error) {
      if (error instanceof GoogleError) return error.reply(wantsPretty(exchange));
      if (error instanceof BodyError) {
        return new GoogleError(400, "Parse Error", { reason: "parseError" }).reply(
          wantsPretty(exchange),
        );
      }
      throw error;
    }
  }

  private route(exchange: Exchange): Reply {
    const { pathname } = exchange.url;
    const method = exchange.method;
    if (pathname === "/upload/drive/v3/files" || pathname.startsWith("/upload/drive/v3/files/")) {
      return this.uploadRoute(exchange);
    }
    if (!pathname.startsWith("/drive/v3/")) return notFoundPage();
    const parts = pathname.slice("/drive/v3/".length).split("/").map(decodeURIComponent);
    const [resource, fileId, sub, permissionId, extra] = parts;
    if (resource === "about" && parts.length === 1 && method === "GET") return this.about(exchange);
    if (resource !== "files" || extra !== undefined) return notFoundPage();
    if (fileId === undefined) {
      if (method === "GET") return this.list(exchange);
      if (method === "POST") return this.createMetadataOnly(exchange);
      return notFoundPage();
    }
    if (sub === undefined) {
      if (fileId === "generateIds" && method === "GET") return this.generateIds(exchange);
      if (fileId === "trash" && method === "DELETE") return this.emptyTrash(exchange);
      if (method === "GET") return this.get(exchange, fileId);
      if (method === "PATCH") return this.update(exchange, fileId, null);
      if (method === "DELETE") return this.delete(exchange, fileId);
      return notFoundPage();
    }
    if (sub !== "permissions") return notFoundPage();
    if (permissionId === undefined) {
      if (method === "GET") return this.listPermissions(exchange, fileId);
      if (method === "POST") return this.createPermission(exchange, fileId);
      return notFoundPage();
    }
    if (method === "GET") return this.getPermission(exchange, fileId, permissionId);
    if (method === "PATCH") return this.updatePermission(exchange, fileId, permissionId);
    if (method === "DELETE") return this.deletePermission(exchange, fileId, permissionId);
    return notFoundPage();
  }

  private authenticate(exchange: Exchange, accepted: readonly string[], method: string): Caller {
    const check = this.options.checkToken(readAccessToken(exchange));
    if (!check.ok) {
      throw check.reason === "missing" ? missingCredentials(false) : invalidCredentials(false);
    }
    if (!accepted.some((scope) => check.scopes.has(scope))) {
      throw insufficientScopes(accepted, {
        service: "drive.googleapis.com",
        name: `google.apps.drive.v3.${method}`,
      });
    }
    return { clientId: check.clientId, scopes: check.scopes };
  }

  private reply(exchange: Exchange, status: number, body: Json | undefined): Reply {
    return jsonReply(status, body ?? {}, { pretty: wantsPretty(exchange) });
  }

  private mask(fields: string | null, schema: FieldSchema, fallback: string): FieldMask {
    try {
      return parseFieldMask(fields || fallback, schema);
    } catch (error) {
      if (!(error instanceof FieldMaskError)) throw error;
      throw new GoogleError(400, `Invalid field selection ${error.message}`, {
        reason: "invalidParameter",
        location: "fields",
        locationType: "parameter",
      });
    }
  }

  private fileReply(exchange: Exchange, node: DriveNode, caller: Caller, fields?: string | null) {
    const selection = this.mask(
      fields === undefined ? exchange.url.searchParams.get("fields") : fields,
      FILE_SCHEMA,
      FILE_DEFAULT,
    );
    return this.reply(exchange, 200, applyFieldMask(this.resource(node, caller), selection));
  }

  // ---- visibility ---------------------------------------------------------------------

  private canSee(node: DriveNode, caller: Caller): boolean {
    if (node.id === this.rootId) return true;
    if (SEE_ALL.some((scope) => caller.scopes.has(scope))) return true;
    return caller.scopes.has(SCOPE.file) && node.appClientId === caller.clientId;
  }

  private canWrite(node: DriveNode, caller: Caller, content: boolean): boolean {
    if (caller.scopes.has(SCOPE.drive)) return true;
    if (!content && caller.scopes.has(SCOPE.metadata)) return true;
    return caller.scopes.has(SCOPE.file) && node.appClientId === caller.clientId;
  }

  /** The node the caller may see, by id or the `root` alias; 404 otherwise. */
  private visible(id: string, caller: Caller): DriveNode {
    const node = this.nodes.get(id === "root" ? this.rootId : id);
    if (!node || !this.canSee(node, caller)) throw fileNotFound(id);
    return node;
  }

  private writable(id: string, caller: Caller, content = false): DriveNode {
    const node = this.visible(id, caller);
    if (node.id === this.rootId || !this.canWrite(node, caller, content)) throw noFilePermission();
    return node;
  }

  private ancestors(node: DriveNode): DriveNode[] {
    const found: DriveNode[] = [];
    const seen = new Set<string>();
    let parent = node.parents[0];
    while (parent !== undefined && !seen.has(parent)) {
      seen.add(parent);
      const next = this.nodes.get(parent);
      if (!next) break;
      found.push(next);
      parent = next.parents[0];
    }
    return found;
  }

  private descendants(id: string): DriveNode[] {
    const found: DriveNode[] = [];
    const queue = [id];
    while (queue.length > 0) {
      const current = queue.shift() as string;
      for (const node of this.nodes.values()) {
        if (node.parents.includes(current) && !found.includes(node)) {
          found.push(node);
          queue.push(node.id);
        }
      }
    }
    return found;
  }

  private removeTree(id: string): void {
    for (const node of this.descendants(id)) this.nodes.delete(node.id);
    this.nodes.delete(id);
  }

  // ---- resources ------------------------------------------------------------------------

  private user(): JsonObject {
    const { account } = this.options;
    return {
      kind: "drive#user",
      displayName: account.displayName,
      photoLink: "https://lh3.googleusercontent.com/a/default-user=s64",
      me: true,
      permissionId: account.permissionId,
      emailAddress: account.emailAddress,
    };
  }

  private ownerPermission(): DrivePermission {
    const { account } = this.options;
    return {
      id: account.permissionId,
      type: "user",
      role: "owner",
      emailAddress: account.emailAddress,
      displayName: account.displayName,
    };
  }

  private permissionResource(permission: DrivePermission): JsonObject {
    return {
      kind: "drive#permission",
      id: permission.id,
      type: permission.type,
      emailAddress: permission.emailAddress,
      domain: permission.domain,
      role: permission.role,
      allowFileDiscovery: permission.allowFileDiscovery,
      displayName: permission.displayName,
      photoLink:
        permission.type === "user"
          ? "https://lh3.googleusercontent.com/a/default-user=s64"
          : undefined,
      expirationTime: permission.expirationTime,
      deleted: permission.type === "user" || permission.type === "group" ? false : undefined,
      pendingOwner: permission.type === "user" ? false : undefined,
    };
  }

  private isShared(node: DriveNode): boolean {
    return [node, ...this.ancestors(node)].some((each) => each.permissions.length > 0);
  }

  private resource(node: DriveNode, caller: Caller): JsonObject {
    const folder = isFolder(node);
    const binary = isBinary(node);
    const permissions = [this.ownerPermission(), ...node.permissions];
    const dot = node.name.lastIndexOf(".");
    const extension = binary && !folder && dot > 0 ? node.name.slice(dot + 1) : undefined;
    const size = node.content ? String(node.content.length) : undefined;
    const docKind = /^application\/vnd\.google-apps\.(document|spreadsheets?|presentation)$/.exec(
      node.mimeType,
    )?.[1];
    const webViewLink = folder
      ? `https://drive.google.com/drive/folders/${node.id}?usp=drivesdk`
      : docKind
        ? `https://docs.google.com/${docKind === "spreadsheet" ? "spreadsheets" : docKind}/d/${node.id}/edit?usp=drivesdk`
        : `https://drive.google.com/file/d/${node.id}/view?usp=drivesdk`;
    const own = node.id !== this.rootId;
    return {
      kind: "drive#file",
      id: node.id,
      name: node.name,
      mimeType: node.mimeType,
      description: node.description,
      starred: node.starred,
      trashed: node.trashed,
      explicitlyTrashed: node.explicitlyTrashed,
      trashedTime: node.trashedTime === undefined ? undefined : rfc3339(node.trashedTime),
      trashingUser: node.trashedTime === undefined ? undefined : this.user(),
      parents: node.parents.length > 0 ? [...node.parents] : undefined,
      properties: Object.keys(node.properties).length > 0 ? { ...node.properties } : undefined,
      appProperties:
        Object.keys(node.appProperties).length > 0 ? { ...node.appProperties } : undefined,
      spaces: ["drive"],
      version: String(node.version),
      webContentLink:
        binary && !folder ? `https://drive.google.com/uc?id=${node.id}&export=download` : undefined,
      webViewLink,
      iconLink: `https://drive-thirdparty.googleusercontent.com/16/type/${node.mimeType}`,
      hasThumbnail: false,
      thumbnailVersion: "0",
      viewedByMe: true,
      viewedByMeTime: rfc3339(node.viewedByMeTime ?? node.createdTime),
      createdTime: rfc3339(node.createdTime),
      modifiedTime: rfc3339(node.modifiedTime),
      modifiedByMeTime: rfc3339(node.modifiedTime),
      modifiedByMe: true,
      owners: [this.user()],
      lastModifyingUser: this.user(),
      shared: this.isShared(node),
      ownedByMe: true,
      capabilities: {
        canAddChildren: folder,
        canChangeCopyRequiresWriterPermission: !folder,
        canComment: true,
        canCopy: !folder,
        canDelete: own,
        canDownload: true,
        canEdit: true,
        canListChildren: folder,
        canModifyContent: true,
        canMoveItemWithinDrive: own,
        canReadRevisions: !folder,
        canRemoveChildren: folder,
        canRename: own,
        canShare: true,
        canTrash: own,
        canUntrash: own,
      },
      viewersCanCopyContent: !node.copyRequiresWriterPermission,
      copyRequiresWriterPermission: node.copyRequiresWriterPermission,
      writersCanShare: node.writersCanShare,
      permissions: permissions.map((each) => this.permissionResource(each)),
      permissionIds: permissions.map((each) => each.id),
      originalFilename: node.originalFilename,
      fullFileExtension: extension,
      fileExtension: extension,
      // Computed only when `fields` asks for them.
      get md5Checksum() {
        return checksum(node.content, "md5") ?? undefined;
      },
      get sha1Checksum() {
        return checksum(node.content, "sha1") ?? undefined;
      },
      get sha256Checksum() {
        return checksum(node.content, "sha256") ?? undefined;
      },
      size,
      quotaBytesUsed: size ?? "0",
      headRevisionId: node.headRevisionId,
      isAppAuthorized: node.appClientId !== null && node.appClientId === caller.clientId,
      linkShareMetadata: { securityUpdateEligible: false, securityUpdateEnabled: true },
      inheritedPermissionsDisabled: false,
    };
  }

  private queryFile(node: DriveNode): QueryFile {
    const anyone = node.permissions.find((each) => each.type === "anyone");
    const domain = node.permissions.find((each) => each.type === "domain");
    const me = ["me", this.options.account.emailAddress];
    const emails = (minimum: number) =>
      node.permissions
        .filter((each) => each.emailAddress !== undefined && ROLE_RANK[each.role] >= minimum)
        .map((each) => each.emailAddress as string);
    const text =
      node.content && node.content.length <= 1024 * 1024 && /^text\//.test(node.mimeType)
        ? node.content.toString("utf8")
        : "";
    return {
      name: node.name,
      mimeType: node.mimeType,
      fullText: `${node.name}\n${node.description ?? ""}\n${text}`,
      parents: node.parents,
      trashed: node.trashed,
      starred: node.starred,
      createdTime: node.createdTime,
      modifiedTime: node.modifiedTime,
      viewedByMeTime: node.viewedByMeTime,
      properties: node.properties,
      appProperties: node.appProperties,
      visibility: anyone
        ? anyone.allowFileDiscovery
          ? "anyoneCanFind"
          : "anyoneWithLink"
        : domain
          ? domain.allowFileDiscovery
            ? "domainCanFind"
            : "domainWithLink"
          : "limited",
      owners: me,
      writers: [...me, ...emails(ROLE_RANK.writer)],
      readers: [...me, ...emails(ROLE_RANK.reader)],
    };
  }

  // ---- about --------------------------------------------------------------------------

  private about(exchange: Exchange): Reply {
    this.authenticate(exchange, READ, "DriveAbout.Get");
    const fields = exchange.url.searchParams.get("fields");
    if (!fields) {
      throw new GoogleError(400, "The 'fields' parameter is required for this method.", {
        reason: "required",
        location: "fields",
        locationType: "parameter",
      });
    }
    const used = [...this.nodes.values()].reduce(
      (sum, node) => sum + (node.content?.length ?? 0),
      0,
    );
    const trashed = [...this.nodes.values()]
      .filter((node) => node.trashed)
      .reduce((sum, node) => sum + (node.content?.length ?? 0), 0);
    const about: JsonObject = {
      kind: "drive#about",
      user: this.user(),
      storageQuota: {
        limit: String(15 * 1024 ** 3),
        usage: String(used),
        usageInDrive: String(used),
        usageInDriveTrash: String(trashed),
      },
      importFormats: {},
      exportFormats: {},
      maxImportSizes: {},
      maxUploadSize: String(5 * 1024 ** 4),
      appInstalled: false,
      folderColorPalette: ["#ac725e", "#d06b64", "#f83a22", "#fa573c", "#ff7537", "#ffad46"],
      canCreateDrives: true,
      canCreateTeamDrives: true,
    };
    return this.reply(exchange, 200, applyFieldMask(about, this.mask(fields, ABOUT_SCHEMA, "")));
  }

  // ---- files ----------------------------------------------------------------------------

  private get(exchange: Exchange, fileId: string): Reply {
    const caller = this.authenticate(exchange, READ, "DriveFiles.Get");
    const node = this.visible(fileId, caller);
    const alt = exchange.url.searchParams.get("alt") ?? "json";
    if (alt === "media") return this.download(exchange, node);
    if (alt !== "json") throw invalidValue("alt");
    return this.fileReply(exchange, node, caller);
  }

  private download(exchange: Exchange, node: DriveNode): Reply {
    if (!node.content) {
      throw new GoogleError(
        403,
        "Only files with binary content can be downloaded. Use Export with Docs Editors files.",
        { reason: "fileNotDownloadable", location: "alt", locationType: "parameter" },
      );
    }
    const content = node.content;
    const headers: Record<string, string> = {
      "Content-Type": node.mimeType,
      "Content-Disposition": "attachment",
      "X-Goog-Hash": `md5=${createHash("md5").update(content).digest("base64")}`,
    };
    const range = /^bytes=(\d*)-(\d*)$/.exec(String(exchange.headers.range ?? ""));
    if (range && (range[1] !== "" || range[2] !== "")) {
      const size = content.length;
      const start = range[1] === "" ? Math.max(0, size - Number(range[2])) : Number(range[1]);
      const end =
        range[1] === "" || range[2] === "" ? size - 1 : Math.min(Number(range[2]), size - 1);
      if (start >= size || end < start) {
        return { status: 416, headers: { "Content-Range": `bytes */${size}` }, body: "" };
      }
      return {
        status: 206,
        headers: { ...headers, "Content-Range": `bytes ${start}-${end}/${size}` },
        body: content.subarray(start, end + 1),
      };
    }
    return { status: 200, headers, body: content };
  }

  private list(exchange: Exchange): Reply {
    const caller = this.authenticate(exchange, READ, "DriveFiles.List");
    const params = exchange.url.searchParams;
    const pageSize = parsePageSize(params.get("pageSize"), 1000, this.options.listPageSize);
    const selection = this.mask(params.get("fields"), FILE_LIST_SCHEMA, FILE_LIST_DEFAULT);
    const q = params.get("q");
    let query: Query | null = null;
    if (q !== null && q.trim() !== "") {
      try {
        query = parseQuery(q);
      } catch (error) {
        if (error instanceof QueryError) throw invalidValue("q");
        throw error;
      }
    }
    const order = parseOrderBy(params.get("orderBy"));
    const spaces = (params.get("spaces") ?? "drive").split(",").map((space) => space.trim());
    if (spaces.some((space) => !["drive", "appDataFolder", "photos"].includes(space))) {
      throw invalidValue("spaces");
    }
    const key = shortHash(`${q}\u0000${params.get("orderBy")}\u0000${caller.clientId}`);
    const offset = params.get("pageToken")
      ? decodeToken(params.get("pageToken") as string, key)
      : 0;
    const aliases = { root: this.rootId };
    const found = spaces.includes("drive")
      ? [...this.nodes.values()]
          .filter((node) => node.id !== this.rootId && this.canSee(node, caller))
          .filter((node) => query === null || matches(query, this.queryFile(node), aliases))
          .sort(order)
      : [];
    const page = found.slice(offset, offset + pageSize);
    const next = offset + pageSize < found.length ? encodeToken(offset + pageSize, key) : undefined;
    const body: JsonObject = {
      kind: "drive#fileList",
      nextPageToken: next,
      incompleteSearch: false,
      files: page.map((node) => this.resource(node, caller)),
    };
    return this.reply(exchange, 200, applyFieldMask(body, selection));
  }

  private createMetadataOnly(exchange: Exchange): Reply {
    const caller = this.authenticate(exchange, WRITE, "DriveFiles.Create");
    const metadata = readJsonObject(exchange);
    const node = this.create(metadata, null, null, caller);
    return this.fileReply(exchange, node, caller);
  }

  private uploadRoute(exchange: Exchange): Reply {
    const params = exchange.url.searchParams;
    const rest = exchange.url.pathname.slice("/upload/drive/v3/files".length);
    const fileId = rest === "" ? null : decodeURIComponent(rest.slice(1));
    if (fileId !== null && (fileId === "" || fileId.includes("/"))) return notFoundPage();
    const uploadId = params.get("upload_id");
    if (uploadId !== null) return this.sessionRequest(exchange, uploadId);
    if (fileId === null ? exchange.method !== "POST" : exchange.method !== "PATCH") {
      return notFoundPage();
    }
    const uploadType = params.get("uploadType");
    const caller =
      fileId === null
        ? this.authenticate(exchange, WRITE, "DriveFiles.Create")
        : this.authenticate(exchange, UPDATE, "DriveFiles.Update");
    const contentType = String(exchange.headers["content-type"] ?? "");
    if (uploadType === "media" || uploadType === "multipart") {
      const upload =
        uploadType === "media"
          ? {
              metadata: {},
              content: exchange.body,
              mediaType: contentType || "application/octet-stream",
            }
          : parseMultipart(contentType, exchange.body);
      if (uploadType === "multipart") exchange.record.arg = upload.metadata;
      if (fileId !== null) return this.update(exchange, fileId, upload);
      const node = this.create(upload.metadata, upload.content, upload.mediaType, caller);
      return this.fileReply(exchange, node, caller);
    }
    if (uploadType !== "resumable") throw invalidValue("uploadType");
    const metadata = readJsonObject(exchange);
    if (fileId === null) this.planCreate(metadata, caller);
    else this.planUpdate(this.writable(fileId, caller, true), metadata, params, caller);
    const declared = exchange.headers["x-upload-content-length"];
    const total = declared === undefined ? null : Number(declared);
    if (total !== null && (!Number.isInteger(total) || total < 0)) {
      throw badRequest("Invalid X-Upload-Content-Length header.");
    }
    const session = this.uploads.start({
      fileId,
      metadata,
      mediaType: (exchange.headers["x-upload-content-type"] as string | undefined) ?? null,
      total,
      query: new URLSearchParams(params),
      clientId: caller.clientId,
      scopes: caller.scopes,
    });
    const origin = exchange.headers.host ? `http://${exchange.headers.host}` : "";
    const location = new URL(`${origin}${exchange.url.pathname}`, "http://127.0.0.1");
    location.searchParams.set("uploadType", "resumable");
    location.searchParams.set("upload_id", session.id);
    return {
      status: 200,
      headers: {
        Location: origin ? location.href : `${location.pathname}${location.search}`,
        "X-GUploader-UploadID": session.id,
      },
      body: "",
    };
  }

  /** PUT (a chunk or a status query) or DELETE (cancel) on a session URI. */
  private sessionRequest(exchange: Exchange, uploadId: string): Reply {
    if (exchange.method === "DELETE") {
      this.uploads.cancel(uploadId);
      return { status: 499, body: "" };
    }
    if (exchange.method !== "PUT" && exchange.method !== "POST") return notFoundPage();
    const session = this.uploads.find(uploadId);
    const contentRange = exchange.headers["content-range"] as string | undefined;
    const outcome = this.uploads.put(session, contentRange, exchange.body);
    const caller: Caller = { clientId: session.clientId, scopes: session.scopes };
    const fields = exchange.url.searchParams.get("fields") ?? session.query.get("fields");
    if (outcome.kind === "incomplete") {
      const headers: Record<string, string> = { "X-GUploader-UploadID": session.id };
      if (outcome.received > 0) headers.Range = `bytes=0-${outcome.received - 1}`;
      return { status: 308, headers, body: "" };
    }
    if (outcome.kind === "completed-before") {
      const node = this.nodes.get(outcome.fileId);
      if (!node) throw fileNotFound(outcome.fileId);
      return this.fileReply(exchange, node, caller, fields);
    }
    const node = this.completeSession(session, outcome.content, caller);
    this.uploads.markCompleted(session, node.id);
    return this.fileReply(exchange, node, caller, fields);
  }

  private completeSession(session: Session, content: Buffer, caller: Caller): DriveNode {
    if (session.fileId === null) {
      return this.create(session.metadata, content, session.mediaType, caller);
    }
    const node = this.writable(session.fileId, caller, true);
    this.planUpdate(node, session.metadata, session.query, caller)(content, session.mediaType);
    return node;
  }

  /** Checks a create request; what it returns makes the file. */
  private planCreate(metadata: JsonObject, caller: Caller) {
    checkWritable(metadata, CREATE_WRITABLE, false);
    const name = optionalString(metadata, "name");
    const mimeType = optionalString(metadata, "mimeType");
    const description = optionalString(metadata, "description");
    const originalFilename = optionalString(metadata, "originalFilename");
    const starred = optionalBoolean(metadata, "starred") ?? false;
    const copyRequiresWriterPermission =
      optionalBoolean(metadata, "copyRequiresWriterPermission") ??
      optionalBoolean(metadata, "viewersCanCopyContent") === false;
    const writersCanShare = optionalBoolean(metadata, "writersCanShare") ?? true;
    const createdTime = parseTime(metadata.createdTime, "createdTime");
    const modifiedTime = parseTime(metadata.modifiedTime, "modifiedTime");
    const viewedByMeTime = parseTime(metadata.viewedByMeTime, "viewedByMeTime");
    const appProperties = mergeProperties({}, metadata.appProperties, "appProperties");
    const properties = mergeProperties({}, metadata.properties, "properties");
    let parentId = this.rootId;
    const parents = metadata.parents;
    if (parents !== undefined && parents !== null) {
      if (!Array.isArray(parents) || parents.some((each) => typeof each !== "string")) {
        throw badRequest("Invalid value for: parents");
      }
      if (parents.length > 1) {
        throw new GoogleError(403, "Increasing the number of parents is not allowed.", {
          reason: "cannotAddParent",
        });
      }
      if (parents.length === 1) {
        const parent = this.visible(parents[0] as string, caller);
        if (!isFolder(parent)) throw badRequest("The specified parent is not a folder.");
        parentId = parent.id;
      }
    }
    let id = newFileId();
    const requestedId = optionalString(metadata, "id");
    if (requestedId !== undefined) {
      if (this.nodes.has(requestedId)) {
        throw new GoogleError(409, "A file already exists with the provided ID.", {
          reason: "duplicate",
        });
      }
      if (!this.generatedIds.has(requestedId)) {
        throw new GoogleError(400, "The provided file ID is not usable.", {
          reason: "fileIdNotUsable",
          location: "file.id",
          locationType: "other",
        });
      }
      id = requestedId;
    }
    return (content: Buffer | null, mediaType: string | null): DriveNode => {
      const type = mimeType ?? mediaType ?? "application/octet-stream";
      if (type === FOLDER_MIME && content && content.length > 0) {
        throw badRequest("A folder can't have content.");
      }
      const binary = !type.startsWith(GOOGLE_APPS);
      const stored = binary ? (content ?? Buffer.alloc(0)) : null;
      const now = this.options.now();
      const node: DriveNode = {
        id,
        name: name ?? "Untitled",
        mimeType: type,
        parents: [parentId],
        content: stored,
        createdTime: createdTime ?? now,
        modifiedTime: modifiedTime ?? now,
        viewedByMeTime: viewedByMeTime ?? now,
        trashed: false,
        explicitlyTrashed: false,
        starred,
        description,
        copyRequiresWriterPermission,
        writersCanShare,
        appProperties,
        properties,
        originalFilename: originalFilename ?? (content ? (name ?? "Untitled") : undefined),
        appClientId: caller.clientId,
        permissions: [],
        version: 1,
        headRevisionId: stored ? randomChars(51) : undefined,
      };
      this.generatedIds.delete(id);
      this.nodes.set(id, node);
      return node;
    };
  }

  private create(
    metadata: JsonObject,
    content: Buffer | null,
    mediaType: string | null,
    caller: Caller,
  ): DriveNode {
    return this.planCreate(metadata, caller)(content, mediaType);
  }

  /** Checks an update request; what it returns applies it (with new content, if any). */
  private planUpdate(
    node: DriveNode,
    metadata: JsonObject,
    params: URLSearchParams,
    caller: Caller,
  ) {
    checkWritable(metadata, UPDATE_WRITABLE, true);
    const name = optionalString(metadata, "name");
    const mimeType = optionalString(metadata, "mimeType");
    const description = optionalString(metadata, "description");
    const originalFilename = optionalString(metadata, "originalFilename");
    const starred = optionalBoolean(metadata, "starred");
    const trashed = optionalBoolean(metadata, "trashed");
    const copyRequiresWriterPermission =
      optionalBoolean(metadata, "copyRequiresWriterPermission") ??
      (optionalBoolean(metadata, "viewersCanCopyContent") === undefined
        ? undefined
        : !optionalBoolean(metadata, "viewersCanCopyContent"));
    const writersCanShare = optionalBoolean(metadata, "writersCanShare");
    const modifiedTime = parseTime(metadata.modifiedTime, "modifiedTime");
    const viewedByMeTime = parseTime(metadata.viewedByMeTime, "viewedByMeTime");
    const appProperties = mergeProperties(
      node.appProperties,
      metadata.appProperties,
      "appProperties",
    );
    const properties = mergeProperties(node.properties, metadata.properties, "properties");
    const ids = (param: string) =>
      (params.get(param) ?? "")
        .split(",")
        .map((each) => each.trim())
        .filter(Boolean);
    const removed = new Set(ids("removeParents").map((id) => (id === "root" ? this.rootId : id)));
    const added = ids("addParents").map((id) => {
      const parent = this.visible(id, caller);
      if (!isFolder(parent)) throw badRequest("The specified parent is not a folder.");
      if (parent.id === node.id || this.ancestors(parent).includes(node)) {
        throw badRequest("The parents field would create a cycle in the folder tree.");
      }
      return parent.id;
    });
    const parents = [...new Set([...node.parents.filter((id) => !removed.has(id)), ...added])];
    if (parents.length > Math.max(1, node.parents.length)) {
      throw new GoogleError(403, "Increasing the number of parents is not allowed.", {
        reason: "cannotAddParent",
      });
    }
    return (content: Buffer | null = null, mediaType: string | null = null): void => {
      const now = this.options.now();
      if (content !== null) {
        if (!isBinary(node)) throw badRequest("This file's content can't be replaced.");
        node.content = content;
        node.headRevisionId = randomChars(51);
        node.mimeType = mimeType ?? mediaType ?? node.mimeType;
      } else if (mimeType !== undefined) {
        node.mimeType = mimeType;
      }
      if (name !== undefined) node.name = name;
      if (description !== undefined) node.description = description;
      if (originalFilename !== undefined) node.originalFilename = originalFilename;
      if (starred !== undefined) node.starred = starred;
      if (copyRequiresWriterPermission !== undefined) {
        node.copyRequiresWriterPermission = copyRequiresWriterPermission;
      }
      if (writersCanShare !== undefined) node.writersCanShare = writersCanShare;
      if (viewedByMeTime !== undefined) node.viewedByMeTime = viewedByMeTime;
      node.appProperties = appProperties;
      node.properties = properties;
      node.parents = parents;
      if (trashed !== undefined && trashed !== node.trashed) {
        for (const each of [node, ...this.descendants(node.id)]) {
          each.trashed = trashed;
          each.trashedTime = trashed ? now : undefined;
          each.explicitlyTrashed = trashed && each === node;
        }
      }
      node.modifiedTime = modifiedTime ?? now;
      node.version += 1;
    };
  }

  private update(
    exchange: Exchange,
    fileId: string,
    upload: { metadata: JsonObject; content: Buffer; mediaType: string } | null,
  ): Reply {
    const caller = this.authenticate(exchange, UPDATE, "DriveFiles.Update");
    const node = this.writable(fileId, caller, upload !== null);
    const metadata = upload ? upload.metadata : readJsonObject(exchange);
    this.planUpdate(
      node,
      metadata,
      exchange.url.searchParams,
      caller,
    )(upload?.content ?? null, upload?.mediaType ?? null);
    return this.fileReply(exchange, node, caller);
  }

  private delete(exchange: Exchange, fileId: string): Reply {
    const caller = this.authenticate(exchange, WRITE, "DriveFiles.Delete");
    const node = this.writable(fileId, caller);
    this.removeTree(node.id);
    return { status: 204, body: "" };
  }

  private emptyTrash(exchange: Exchange): Reply {
    this.authenticate(exchange, [SCOPE.drive], "DriveFiles.EmptyTrash");
    for (const node of [...this.nodes.values()]) {
      if (node.trashed && this.nodes.has(node.id)) this.removeTree(node.id);
    }
    return { status: 204, body: "" };
  }

  private generateIds(exchange: Exchange): Reply {
    this.authenticate(exchange, WRITE, "DriveFiles.GenerateIds");
    const params = exchange.url.searchParams;
    const count = params.get("count") ?? "10";
    if (!/^\d+$/.test(count) || Number(count) < 1 || Number(count) > 1000) {
      throw rangeError("count", count, 1000);
    }
    const space = params.get("space") ?? "drive";
    if (space !== "drive" && space !== "appDataFolder") throw invalidValue("space");
    const ids = Array.from({ length: Number(count) }, newFileId);
    for (const id of ids) this.generatedIds.add(id);
    const selection = this.mask(params.get("fields"), GENERATED_IDS_SCHEMA, "kind,space,ids");
    return this.reply(
      exchange,
      200,
      applyFieldMask({ kind: "drive#generatedIds", space, ids }, selection),
    );
  }

  // ---- permissions ----------------------------------------------------------------------

  private findPermission(node: DriveNode, permissionId: string): DrivePermission {
    const found = [this.ownerPermission(), ...node.permissions].find(
      (each) => each.id === permissionId,
    );
    if (!found) {
      throw new GoogleError(404, `Permission not found: ${permissionId}.`, {
        reason: "notFound",
        location: "permissionId",
        locationType: "parameter",
      });
    }
    return found;
  }

  private permissionReply(exchange: Exchange, permission: DrivePermission): Reply {
    const selection = this.mask(
      exchange.url.searchParams.get("fields"),
      PERMISSION_SCHEMA,
      PERMISSION_DEFAULT,
    );
    return this.reply(
      exchange,
      200,
      applyFieldMask(this.permissionResource(permission), selection),
    );
  }

  private listPermissions(exchange: Exchange, fileId: string): Reply {
    const caller = this.authenticate(exchange, READ, "DrivePermissions.List");
    const node = this.visible(fileId, caller);
    const params = exchange.url.searchParams;
    const all = [this.ownerPermission(), ...node.permissions];
    // My Drive items answer every permission when no pageSize is given.
    const pageSize = parsePageSize(params.get("pageSize"), 100, all.length || 1);
    const key = shortHash(`permissions\u0000${node.id}`);
    const token = params.get("pageToken");
    const offset = token ? decodeToken(token, key) : 0;
    const next = offset + pageSize < all.length ? encodeToken(offset + pageSize, key) : undefined;
    const body: JsonObject = {
      kind: "drive#permissionList",
      nextPageToken: next,
      permissions: all
        .slice(offset, offset + pageSize)
        .map((each) => this.permissionResource(each)),
    };
    const selection = this.mask(
      params.get("fields"),
      PERMISSION_LIST_SCHEMA,
      PERMISSION_LIST_DEFAULT,
    );
    return this.reply(exchange, 200, applyFieldMask(body, selection));
  }

  private getPermission(exchange: Exchange, fileId: string, permissionId: string): Reply {
    const caller = this.authenticate(exchange, READ, "DrivePermissions.Get");
    const node = this.visible(fileId, caller);
    return this.permissionReply(exchange, this.findPermission(node, permissionId));
  }

  private createPermission(exchange: Exchange, fileId: string): Reply {
    const caller = this.authenticate(exchange, SHARE, "DrivePermissions.Create");
    const node = this.writable(fileId, caller);
    const body = readJsonObject(exchange);
    const params = exchange.url.searchParams;
    const type = optionalString(body, "type");
    const role = optionalString(body, "role");
    if (type === undefined) {
      throw new GoogleError(400, "The permission type field is required.", {
        reason: "required",
        location: "permission.type",
        locationType: "other",
      });
    }
    if (role === undefined) {
      throw new GoogleError(400, "The permission role field is required.", {
        reason: "required",
        location: "permission.role",
        locationType: "other",
      });
    }
    if (!(PERMISSION_TYPES as readonly string[]).includes(type)) {
      throw new GoogleError(400, "The permission type field is invalid.", {
        reason: "invalid",
        location: "permission.type",
        locationType: "other",
      });
    }
    if (!(ROLES as string[]).includes(role)) {
      throw new GoogleError(400, "The permission role field is invalid.", {
        reason: "invalid",
        location: "permission.role",
        locationType: "other",
      });
    }
    if (role === "owner") {
      if (params.get("transferOwnership") !== "true") {
        throw new GoogleError(
          403,
          "The transferOwnership parameter must be enabled when the permission role is 'owner'.",
          { reason: "forbidden", location: "transferOwnership", locationType: "parameter" },
        );
      }
      throw new GoogleError(
        403,
        "Consent is required to transfer ownership of a file to another user.",
        {
          reason: "consentRequiredForOwnershipTransfer",
        },
      );
    }
    if (role === "organizer" || role === "fileOrganizer") {
      throw new GoogleError(403, `The role ${role} is only for items in shared drives.`, {
        reason: "invalidSharingRequest",
      });
    }
    const emailAddress = optionalString(body, "emailAddress");
    const domain = optionalString(body, "domain");
    const allowFileDiscovery = optionalBoolean(body, "allowFileDiscovery") ?? false;
    const expirationTime = parseTime(body.expirationTime, "permission.expirationTime");
    if (expirationTime !== undefined) {
      if (type === "anyone" || type === "domain") {
        throw new GoogleError(403, "Expiration dates cannot be set on this permission.", {
          reason: "cannotSetExpirationOnAnyoneOrDomain",
        });
      }
      if (expirationTime <= this.options.now()) {
        throw new GoogleError(400, "Expiration dates must be in the future.", {
          reason: "expirationDatesMustBeInTheFuture",
        });
      }
    }
    const typed = type as DrivePermission["type"];
    const permission: DrivePermission = {
      id: "",
      type: typed,
      role: role as DrivePermission["role"],
    };
    if (typed === "anyone") {
      permission.id = allowFileDiscovery ? "anyone" : "anyoneWithLink";
      permission.allowFileDiscovery = allowFileDiscovery;
    } else if (typed === "domain") {
      if (!domain) {
        throw new GoogleError(400, "The permission domain field is required.", {
          reason: "required",
          location: "permission.domain",
          locationType: "other",
        });
      }
      permission.id = `${permissionIdFor(`@${domain}`)}k`;
      permission.domain = domain;
      permission.displayName = domain;
      permission.allowFileDiscovery = allowFileDiscovery;
    } else {
      if (!emailAddress?.includes("@")) {
        throw new GoogleError(400, "The permission emailAddress field is required.", {
          reason: "required",
          location: "permission.emailAddress",
          locationType: "other",
        });
      }
      if (emailAddress.toLowerCase() === this.options.account.emailAddress.toLowerCase()) {
        return this.permissionReply(exchange, this.ownerPermission());
      }
      permission.id = permissionIdFor(emailAddress);
      permission.emailAddress = emailAddress.toLowerCase();
      permission.displayName = emailAddress.split("@")[0];
      if (expirationTime !== undefined) permission.expirationTime = rfc3339(expirationTime);
    }
    // One general-access setting per item (anyone, or one per domain), one entry per person.
    node.permissions = node.permissions.filter((each) =>
      typed === "anyone" ? each.type !== "anyone" : each.id !== permission.id,
    );
    node.permissions.push(permission);
    return this.permissionReply(exchange, permission);
  }

  private updatePermission(exchange: Exchange, fileId: string, permissionId: string): Reply {
    const caller = this.authenticate(exchange, SHARE, "DrivePermissions.Update");
    const node = this.writable(fileId, caller);
    const permission = this.findPermission(node, permissionId);
    const body = readJsonObject(exchange);
    for (const name of Object.keys(body)) {
      if (!["kind", "role", "expirationTime", "type", "id"].includes(name)) throw notWritable();
    }
    if (permission.role === "owner") {
      throw new GoogleError(403, "The owner's role can't be changed.", { reason: "forbidden" });
    }
    const role = optionalString(body, "role");
    if (role !== undefined) {
      if (!["reader", "commenter", "writer"].includes(role)) {
        throw new GoogleError(400, "The permission role field is invalid.", {
          reason: "invalid",
          location: "permission.role",
          locationType: "other",
        });
      }
      permission.role = role as DrivePermission["role"];
    }
    if (exchange.url.searchParams.get("removeExpiration") === "true") {
      delete permission.expirationTime;
    }
    const expirationTime = parseTime(body.expirationTime, "permission.expirationTime");
    if (expirationTime !== undefined) permission.expirationTime = rfc3339(expirationTime);
    return this.permissionReply(exchange, permission);
  }

  private deletePermission(exchange: Exchange, fileId: string, permissionId: string): Reply {
    const caller = this.authenticate(exchange, SHARE, "DrivePermissions.Delete");
    const node = this.writable(fileId, caller);
    const permission = this.findPermission(node, permissionId);
    if (permission.role === "owner") {
      throw new GoogleError(403, "The owner of a file cannot be removed.", {
        reason: "cannotRemoveOwner",
      });
    }
    node.permissions = node.permissions.filter((each) => each !== permission);
    return { status: 204, body: "" };
  }
}

/** The id in a Drive link: /file/d/ID/…, /drive/folders/ID, open?id=ID, uc?id=ID, Docs links. */
export function fileIdFromUrl(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== "https:" || !/^(drive|docs)\.google\.com$/.test(parsed.hostname)) {
    return null;
  }
  const path = parsed.pathname;
  const match =
    /^\/file\/d\/([\w-]+)(?:\/(?:view|edit|preview))?\/?$/.exec(path) ??
    /^\/drive\/(?:u\/\d+\/)?folders\/([\w-]+)\/?$/.exec(path) ??
    /^\/(?:document|spreadsheets|presentation)\/d\/([\w-]+)(?:\/\w+)?\/?$/.exec(path);
  if (match?.[1]) return match[1];
  if (path === "/open" || path === "/uc") return parsed.searchParams.get("id");
  return null;
}
