// OneDrive sharing links, from Microsoft's "driveItem: createLink", "permission resource type",
// "List sharing permissions" and "Delete a sharing permission": createLink makes a link of a
// type (view, edit, embed) and scope (anonymous; organization and users are for work or school
// accounts, not personal ones), returns an existing link of that type and scope for the app with
// 200 (201 when new); expirationDateTime and password need a Microsoft 365 Personal/Family
// plan on personal OneDrive; items inherit the links of the folders they are in
// (`inheritedFrom`), and only a link of the item itself can be deleted. A visitor opening the
// webUrl sees the item (a folder with what it holds) until the permission is deleted or expires.

import type { Exchange, Reply } from "./http.ts";
import type { DriveStore, GraphItem } from "./microsoft-graph.ts";
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

export interface GraphPermission {
  id: string;
  itemId: string;
  type: "view" | "edit" | "embed";
  scope: "anonymous";
  webUrl: string;
  shareId: string;
  expiresAt: number | null;
  password: string | null;
  createdAt: number;
}

/** What an anonymous visitor gets by opening a link. */
export interface ResolvedGraphLink {
  itemId: string;
  name: string;
  kind: "file" | "folder";
  /** For a file: its bytes. */
  content?: Buffer;
  /** For a folder: the names of what it holds. */
  children?: string[];
  /** Whether the visitor can change it (an edit link). */
  canEdit: boolean;
  /** Whether the visitor must type a password first. */
  passwordProtected: boolean;
}

const LINK_TYPES = ["view", "edit", "embed"] as const;

export class GraphSharing {
  readonly permissions = new Map<string, GraphPermission>();
  /** Rewrites the next createLink answers (hostile-answer tests); removed after use. */
  readonly tampers: ((body: JsonObject) => JsonObject)[] = [];
  private readonly store: DriveStore;

  constructor(store: DriveStore) {
    this.store = store;
  }

  createLink(exchange: Exchange, item: GraphItem): Reply {
    if (exchange.method !== "POST") throw errors.methodNotAllowed();
    const body = readJsonBody(exchange, true) as JsonObject;
    refuseUnknownProperties(body, "microsoft.graph.driveItem.createLink", [
      "type",
      "scope",
      "expirationDateTime",
      "password",
      "retainInheritedPermissions",
      "message",
      "recipients",
      "sendNotification",
    ]);
    const type = body.type;
    if (!LINK_TYPES.includes(type as (typeof LINK_TYPES)[number])) {
      throw errors.invalidRequest("Invalid link type. The link type must be view, edit or embed.");
    }
    const scope = body.scope ?? "anonymous";
    if (scope === "organization" || scope === "users" || scope === "existingAccess") {
      throw errors.invalidRequest(
        `The link scope '${String(scope)}' is not supported for personal accounts.`,
      );
    }
    if (scope !== "anonymous") throw errors.invalidRequest("Invalid link scope.");
    const expiresAt = this.expiry(body.expirationDateTime);
    const password = this.password(body.password);
    const existing = [...this.permissions.values()].find(
      (p) => p.itemId === item.id && p.type === type && this.alive(p),
    );
    if (existing) return this.answer(200, existing);
    const shareToken = opaqueToken(12);
    const kind = item.folder ? "f" : "u";
    const permission: GraphPermission = {
      id: opaqueToken(16),
      itemId: item.id,
      type: type as GraphPermission["type"],
      scope: "anonymous",
      webUrl: `https://1drv.ms/${kind}/c/${this.store.account.driveId.toLowerCase()}/${shareToken}`,
      shareId: `s!${shareToken}`,
      expiresAt,
      password,
      createdAt: this.store.now(),
    };
    this.permissions.set(permission.id, permission);
    return this.answer(201, permission);
  }

  private answer(status: number, permission: GraphPermission): Reply {
    let body = this.json(permission, undefined);
    const tamper = this.tampers.shift();
    if (tamper) body = tamper(body);
    return jsonReply(status, body);
  }

  private expiry(value: unknown): number | null {
    if (value === undefined || value === null) return null;
    if (this.store.account.plan !== "premium") {
      throw new GraphError(
        403,
        "accessDenied",
        "Setting an expiration date on a link requires a Microsoft 365 subscription.",
        {
          innerCode: "featureNotAvailable",
        },
      );
    }
    const time = typeof value === "string" ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(time)) {
      throw errors.badRequest(
        "Cannot convert the literal to the expected type 'Edm.DateTimeOffset'.",
      );
    }
    if (time <= this.store.now()) {
      throw errors.invalidRequest("The expiration date must be in the future.");
    }
    return time;
  }

  private password(value: unknown): string | null {
    if (value === undefined || value === null) return null;
    if (typeof value !== "string" || value === "") throw errors.invalidRequest("Invalid password.");
    if (this.store.account.plan !== "premium") {
      throw new GraphError(
        403,
        "accessDenied",
        "Setting a password on a link requires a Microsoft 365 subscription.",
        {
          innerCode: "featureNotAvailable",
        },
      );
    }
    return value;
  }

  alive(permission: GraphPermission): boolean {
    return permission.expiresAt === null || permission.expiresAt > this.store.now();
  }

  /** GET …/permissions: the item's own links, then the ones it inherits. */
  list(exchange: Exchange, item: GraphItem): Reply {
    if (exchange.method !== "GET") throw errors.methodNotAllowed();
    const value = this.effective(item).map(({ permission, from }) => this.json(permission, from));
    return jsonReply(200, { value });
  }

  /** GET or DELETE …/permissions/{id}. */
  one(exchange: Exchange, item: GraphItem, id: string): Reply {
    const found = this.effective(item).find(({ permission }) => permission.id === id);
    if (!found) throw errors.notFound("The permission was not found.");
    if (exchange.method === "GET") return jsonReply(200, this.json(found.permission, found.from));
    if (exchange.method !== "DELETE") throw errors.methodNotAllowed();
    if (found.from) {
      throw errors.invalidRequest(
        "Inherited permissions cannot be deleted; delete the permission on the item it is inherited from.",
      );
    }
    this.permissions.delete(id);
    return noContent();
  }

  /** The links that apply to the item: its own, then those of the folders above it. */
  effective(item: GraphItem): { permission: GraphPermission; from?: GraphItem }[] {
    const found: { permission: GraphPermission; from?: GraphItem }[] = [];
    for (const holder of [item, ...this.store.ancestors(item)]) {
      for (const permission of this.permissions.values()) {
        if (permission.itemId !== holder.id || !this.alive(permission)) continue;
        found.push({ permission, from: holder === item ? undefined : holder });
      }
    }
    return found;
  }

  /** The driveItem's `shared` facet, when anything shares it. */
  sharedFacet(item: GraphItem): JsonObject | undefined {
    if (this.effective(item).length === 0) return undefined;
    const { account } = this.store;
    return {
      owner: { user: { displayName: account.displayName, id: account.driveId.toLowerCase() } },
      scope: "anonymous",
    };
  }

  json(permission: GraphPermission, from: GraphItem | undefined): JsonObject {
    const { account } = this.store;
    const body: JsonObject = {
      id: permission.id,
      roles: [permission.type === "edit" ? "write" : "read"],
      shareId: permission.shareId,
      hasPassword: permission.password !== null,
      link: {
        application: { displayName: account.appName, id: account.appId },
        preventsDownload: false,
        scope: permission.scope,
        type: permission.type,
        webUrl: permission.webUrl,
      },
    };
    if (permission.expiresAt !== null) body.expirationDateTime = isoSeconds(permission.expiresAt);
    if (from) {
      body.inheritedFrom = {
        driveId: account.driveId.toLowerCase(),
        id: from.id,
        path: this.store.pathOf(from),
      };
    }
    return body;
  }

  /** What an anonymous visitor gets at `url`; null when no live link has that address. */
  resolve(url: string): ResolvedGraphLink | null {
    const permission = [...this.permissions.values()].find((p) => p.webUrl === url);
    if (!permission || !this.alive(permission)) return null;
    const item = this.store.items.get(permission.itemId);
    if (!item) return null;
    const base = {
      itemId: item.id,
      name: item.name,
      canEdit: permission.type === "edit",
      passwordProtected: permission.password !== null,
    };
    if (!item.folder) return { ...base, kind: "file", content: item.content ?? Buffer.alloc(0) };
    const children = this.store
      .children(item.id)
      .map((child) => child.name)
      .sort();
    return { ...base, kind: "folder", children };
  }

  /** Forgets the permissions of items that no longer exist (deleting an item ends its links). */
  sweep(): void {
    for (const [id, permission] of this.permissions) {
      if (!this.store.items.has(permission.itemId)) this.permissions.delete(id);
    }
  }
}
