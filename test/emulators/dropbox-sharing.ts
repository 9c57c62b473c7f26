// Shared links: one per file or folder, settings limited by the account type, the
// SharedLinkMetadata JSON, listing with cursors, revocation and what a visitor would get.

import { randomInt } from "node:crypto";
import type {
  ListSharedLinksArg,
  ModifySharedLinkSettingsArg,
  SharedLinkSettings,
} from "./dropbox-args.ts";
import { type FileStore, LookupFailure, lowerPath, type StoreNode } from "./dropbox-files.ts";
import { formatTimestamp, type Json, RouteError, union } from "./dropbox-wire.ts";

export type AccountType = "basic" | "pro" | "business";
export type LinkAudience = "public" | "team" | "no_one" | "password" | "members";
export type LinkAccess = "viewer" | "editor";

interface SharedLink {
  url: string;
  urlId: string;
  rlkey: string;
  targetId: string;
  kind: "file" | "folder";
  /** Where the target was last seen, for inspecting links whose target is gone. */
  lastPathLower: string;
  audience: LinkAudience;
  access: LinkAccess;
  expiresAt?: number;
  password?: string;
  allowDownload: boolean;
  revoked: boolean;
}

/** What a request asked for; absent fields were not specified. */
interface RequestedSettings {
  audience?: LinkAudience;
  access?: LinkAccess;
  expiresAt?: number;
  requirePassword?: boolean;
  password?: string;
  allowDownload?: boolean;
}

export interface SharedLinkRecord {
  url: string;
  kind: "file" | "folder";
  pathLower: string;
  access: LinkAccess;
  audience: LinkAudience;
  expiresAt?: string;
  passwordProtected: boolean;
  allowDownload: boolean;
  status: "active" | "revoked" | "target_deleted" | "expired";
}

export type ResolvedSharedLink = Omit<SharedLinkRecord, "url" | "status">;

const ACCESS_REQUESTS: Record<string, LinkAccess> = {
  viewer: "viewer",
  editor: "editor",
  max: "editor",
  default: "viewer",
};

const settingsError = (reason: "not_authorized" | "invalid_settings") =>
  new RouteError(["settings_error", reason], union("settings_error", union(reason)));

const linkNotFound = () =>
  new RouteError(["shared_link_not_found"], union("shared_link_not_found"));

function randomToken(length: number): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join("");
}

function readRequest(settings: SharedLinkSettings): RequestedSettings {
  const requested: RequestedSettings = {};
  const visibility = settings.requested_visibility?.tag;
  if (visibility === "public") requested.audience = "public";
  if (visibility === "team_only") requested.audience = "team";
  if (visibility === "password") requested.requirePassword = true;
  if (settings.audience) requested.audience = settings.audience.tag as LinkAudience;
  if (requested.audience === "password") requested.requirePassword = true;
  if (settings.require_password !== undefined)
    requested.requirePassword = settings.require_password;
  if (settings.link_password !== undefined) requested.password = settings.link_password;
  if (settings.access) requested.access = ACCESS_REQUESTS[settings.access.tag];
  if (settings.expires !== undefined) requested.expiresAt = Date.parse(settings.expires);
  if (settings.allow_download !== undefined) requested.allowDownload = settings.allow_download;
  return requested;
}

export class SharedLinkStore {
  private readonly files: FileStore;
  private readonly account: { type: AccountType };
  private readonly now: () => number;
  private readonly links: SharedLink[] = [];

  constructor(files: FileStore, account: { type: AccountType }, now: () => number) {
    this.files = files;
    this.account = account;
    this.now = now;
  }

  /** sharing/create_shared_link_with_settings */
  create(path: string, settings: SharedLinkSettings | undefined): Json {
    const target = this.lookupPath(path);
    const requested = settings ? this.checkSettings(settings) : {};
    if (requested.requirePassword && requested.password === undefined) {
      throw settingsError("invalid_settings");
    }
    const existing = this.links.find((link) => link.targetId === target.id && this.isLive(link));
    if (existing) {
      const clash = !this.matches(existing, requested);
      throw new RouteError(
        clash ? ["shared_link_already_exists"] : ["shared_link_already_exists", "metadata"],
        union(
          "shared_link_already_exists",
          clash ? undefined : union("metadata", this.metadata(existing)),
        ),
      );
    }
    const urlId = randomToken(21);
    const rlkey = randomToken(25);
    const location =
      target.kind === "file"
        ? `fi/${urlId}/${encodeURIComponent(target.name)}`
        : `fo/${urlId}/${randomToken(22)}`;
    const link: SharedLink = {
      url: `https://www.dropbox.com/scl/${location}?rlkey=${rlkey}&dl=0`,
      urlId,
      rlkey,
      targetId: target.id,
      kind: target.kind,
      lastPathLower: lowerPath(target),
      audience: requested.audience ?? "public",
      access: requested.access ?? "viewer",
      expiresAt: requested.expiresAt,
      password: requested.requirePassword === false ? undefined : requested.password,
      allowDownload: requested.allowDownload ?? true,
      revoked: false,
    };
    this.links.push(link);
    return this.metadata(link);
  }

  /** sharing/list_shared_links; only a listing without a path pages and returns a cursor. */
  list(arg: ListSharedLinksArg, pageSize: number): Json {
    if (arg.path !== undefined && arg.cursor === undefined) {
      const target = this.lookupPath(arg.path);
      const covering = new Set<string>([target.id]);
      if (!arg.direct_only) {
        for (let folder = target.parent; folder?.parent; folder = folder.parent) {
          covering.add(folder.id);
        }
      }
      const links = this.links.filter((link) => covering.has(link.targetId) && this.isLive(link));
      return { links: links.map((link) => this.metadata(link)), has_more: false };
    }
    const start = arg.cursor === undefined ? 0 : this.readCursor(arg.cursor);
    const page: SharedLink[] = [];
    let next = start;
    while (next < this.links.length && page.length < pageSize) {
      const link = this.links[next] as SharedLink;
      if (this.isLive(link)) page.push(link);
      next += 1;
    }
    const hasMore = this.links.slice(next).some((link) => this.isLive(link));
    return {
      links: page.map((link) => this.metadata(link)),
      has_more: hasMore,
      cursor: Buffer.from(`links:${next}`).toString("base64url"),
    };
  }

  /** sharing/revoke_shared_link */
  revoke(url: string): void {
    const found = this.findByUrl(url);
    if (found === "malformed") {
      throw new RouteError(["shared_link_malformed"], union("shared_link_malformed"));
    }
    if (!found || !this.isLive(found)) throw linkNotFound();
    found.revoked = true;
  }

  /** sharing/modify_shared_link_settings */
  modify(arg: ModifySharedLinkSettingsArg): Json {
    const link = this.findByUrl(arg.url);
    if (!link || link === "malformed" || !this.isLive(link)) throw linkNotFound();
    const requested = this.checkSettings(arg.settings);
    if (requested.access !== undefined && requested.access !== link.access) {
      throw settingsError("invalid_settings");
    }
    const password = requested.password ?? link.password;
    if (requested.requirePassword && password === undefined) {
      throw settingsError("invalid_settings");
    }
    if (requested.audience) link.audience = requested.audience;
    if (requested.expiresAt !== undefined) link.expiresAt = requested.expiresAt;
    if (arg.remove_expiration) link.expiresAt = undefined;
    link.password = requested.requirePassword === false ? undefined : password;
    if (requested.allowDownload !== undefined) link.allowDownload = requested.allowDownload;
    return this.metadata(link);
  }

  records(): SharedLinkRecord[] {
    return this.links.map((link) => ({
      url: link.url,
      ...this.describe(link),
      status: this.status(link),
    }));
  }

  /** What opening the link would give a visitor, or null when it leads nowhere. */
  resolve(url: string): ResolvedSharedLink | null {
    const link = this.findByUrl(url);
    if (!link || link === "malformed" || this.status(link) !== "active") return null;
    return this.describe(link);
  }

  private describe(link: SharedLink): ResolvedSharedLink {
    const target = this.files.getById(link.targetId);
    if (target) link.lastPathLower = lowerPath(target);
    return {
      kind: link.kind,
      pathLower: link.lastPathLower,
      access: link.access,
      audience: link.audience,
      ...(link.expiresAt !== undefined && { expiresAt: formatTimestamp(link.expiresAt) }),
      passwordProtected: link.password !== undefined,
      allowDownload: link.allowDownload,
    };
  }

  private status(link: SharedLink): SharedLinkRecord["status"] {
    if (link.revoked) return "revoked";
    if (!this.files.getById(link.targetId)) return "target_deleted";
    if (link.expiresAt !== undefined && link.expiresAt <= this.now()) return "expired";
    return "active";
  }

  /** Whether the link still exists for its owner (expired links are still listed). */
  private isLive(link: SharedLink): boolean {
    return !link.revoked && this.files.getById(link.targetId) !== undefined;
  }

  private lookupPath(path: string): StoreNode {
    try {
      const node = this.files.lookup(path);
      if (node.parent === null) throw new LookupFailure("not_found");
      return node;
    } catch (error) {
      if (error instanceof LookupFailure) {
        throw new RouteError(["path", ...error.tags], union("path", error.error));
      }
      throw error;
    }
  }

  /** Reads settings and refuses what the account may not set. */
  private checkSettings(settings: SharedLinkSettings): RequestedSettings {
    if (Object.keys(settings).length === 0) throw settingsError("invalid_settings");
    const requested = readRequest(settings);
    const paid = this.account.type !== "basic";
    const paidOnly =
      requested.expiresAt !== undefined ||
      requested.requirePassword === true ||
      requested.password !== undefined ||
      requested.allowDownload === false;
    if (
      (paidOnly && !paid) ||
      (requested.audience === "team" && this.account.type !== "business")
    ) {
      throw settingsError("not_authorized");
    }
    if (requested.expiresAt !== undefined && requested.expiresAt <= this.now()) {
      throw settingsError("invalid_settings");
    }
    return requested;
  }

  private matches(link: SharedLink, requested: RequestedSettings): boolean {
    return (
      (requested.audience === undefined || requested.audience === link.audience) &&
      (requested.access === undefined || requested.access === link.access) &&
      (requested.expiresAt === undefined || requested.expiresAt === link.expiresAt) &&
      (requested.requirePassword === undefined ||
        requested.requirePassword === (link.password !== undefined)) &&
      (requested.password === undefined || requested.password === link.password) &&
      (requested.allowDownload === undefined || requested.allowDownload === link.allowDownload)
    );
  }

  private readCursor(cursor: string): number {
    const match = /^links:(\d+)$/.exec(Buffer.from(cursor, "base64url").toString());
    const index = Number(match?.[1]);
    if (!match || index > this.links.length) throw new RouteError(["reset"], union("reset"));
    return index;
  }

  private findByUrl(url: string): SharedLink | "malformed" | undefined {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return "malformed";
    }
    const [, scl, kind, urlId] = parsed.pathname.split("/");
    const isDropbox = parsed.hostname === "www.dropbox.com" || parsed.hostname === "dropbox.com";
    if (!isDropbox || scl !== "scl" || (kind !== "fi" && kind !== "fo") || !urlId) {
      return "malformed";
    }
    const rlkey = parsed.searchParams.get("rlkey");
    return this.links.find((link) => link.urlId === urlId && link.rlkey === rlkey);
  }

  /** SharedLinkMetadata as returned to the link's owner, with its `.tag`. */
  private metadata(link: SharedLink): Json {
    const target = this.files.getById(link.targetId) as StoreNode;
    const paid = this.account.type !== "basic";
    const business = this.account.type === "business";
    const protectedByPassword = link.password !== undefined;
    const resolved = {
      public: protectedByPassword ? "password" : "public",
      team: protectedByPassword ? "team_and_password" : "team_only",
      password: "password",
      no_one: "no_one",
      members: "no_one",
    }[link.audience];
    const requested = {
      public: protectedByPassword ? "password" : "public",
      team: "team_only",
      password: "password",
      no_one: undefined,
      members: undefined,
    }[link.audience];
    const allowed = { allowed: true };
    const allowedIf = (condition: boolean, reason: string) =>
      condition ? allowed : { allowed: false, disallowed_reason: union(reason) };
    const permissions: { [key: string]: Json } = {
      resolved_visibility: union(resolved),
      ...(requested && { requested_visibility: union(requested) }),
      can_revoke: true,
      visibility_policies: [
        { policy: union("public"), resolved_policy: union("public"), ...allowed },
        {
          policy: union("team_only"),
          resolved_policy: union("team_only"),
          ...allowedIf(business, "user_not_on_team"),
        },
        {
          policy: union("password"),
          resolved_policy: union("password"),
          ...allowedIf(paid, "user_account_type"),
        },
      ],
      can_set_expiry: paid,
      can_remove_expiry: true,
      allow_download: link.allowDownload,
      can_allow_download: true,
      can_disallow_download: paid,
      allow_comments: true,
      team_restricts_comments: false,
      audience_options: [
        { audience: union("public"), ...allowed },
        { audience: union("team"), ...allowedIf(business, "user_not_on_team") },
        { audience: union("no_one"), ...allowed },
      ],
      can_set_password: paid,
      can_remove_password: true,
      require_password: protectedByPassword,
      can_use_extended_sharing_controls: paid,
      effective_audience: union(link.audience),
      link_access_level: union(link.access),
    };
    const common: { [key: string]: Json } = {
      ".tag": target.kind,
      url: link.url,
      id: target.id,
      name: target.name,
      ...(link.expiresAt !== undefined && { expires: formatTimestamp(link.expiresAt) }),
      path_lower: lowerPath(target),
      link_permissions: permissions,
    };
    if (target.kind === "folder") return common;
    return {
      ...common,
      client_modified: target.clientModified,
      server_modified: target.serverModified,
      rev: target.rev,
      size: target.content.size,
    };
  }
}
