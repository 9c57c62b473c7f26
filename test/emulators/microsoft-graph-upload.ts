// OneDrive uploads, from Microsoft's "Upload small files" (PUT …:/name:/content, up to 250 MB,
// @microsoft.graph.conflictBehavior as a query parameter) and "driveItem: createUploadSession":
// the session's pre-authenticated uploadUrl takes fragments in order with Content-Range, each a
// multiple of 320 KiB (except the last) and at most 60 MiB; 202 with nextExpectedRanges until
// the last byte, then 201 (200 when an existing file was replaced) with the driveItem. The upload
// URL must not get an Authorization header (Microsoft: it "may result in 401 Unauthorized");
// GET on it tells the session's state, DELETE cancels it; a session expires (each fragment
// extends it) and is then gone (404).

import type { Exchange, Reply } from "./http.ts";
import {
  baseUrlOf,
  checkName,
  conflictBehavior,
  type DriveStore,
  type GraphItem,
  mimeOf,
  newSessionId,
} from "./microsoft-graph.ts";
import {
  errors,
  GraphError,
  headerOf,
  isoSeconds,
  type JsonObject,
  jsonReply,
  noContent,
  readJsonBody,
  refuseUnknownProperties,
} from "./microsoft-graph-wire.ts";

export const FRAGMENT_UNIT = 320 * 1024;
export const MAX_FRAGMENT = 60 * 1024 * 1024;
export const MAX_SIMPLE_UPLOAD = 250 * 1024 * 1024;
/** How long a session lives without a fragment arriving. */
const SESSION_LIFETIME_MS = 15 * 60 * 1000;

export interface UploadSession {
  id: string;
  parentId: string;
  name: string;
  behavior: "fail" | "replace" | "rename";
  /** The file's size when the client declared it (item.fileSize), else the first Content-Range's. */
  total: number | null;
  received: Buffer[];
  receivedBytes: number;
  expiresAt: number;
  clientCreatedAt?: number;
  clientModifiedAt?: number;
}

type ItemTarget = {
  item: GraphItem | undefined;
  parent?: GraphItem;
  name?: string;
  missing?: string[];
};

export class GraphUploads {
  readonly sessions = new Map<string, UploadSession>();
  /** The base of upload URLs handed out; default: the base the client reached the emulator on. */
  uploadUrlBase: string | undefined;
  /** Rewrite the next answers to PUT or GET on upload URLs (hostile-answer tests); each used once. */
  readonly tampers: ((reply: Reply) => Reply)[] = [];
  private readonly store: DriveStore;

  constructor(store: DriveStore) {
    this.store = store;
  }

  /** PUT …:/name:/content and PUT …/items/{id}/content. */
  simple(exchange: Exchange, target: ItemTarget): Reply {
    if (exchange.method !== "PUT") throw errors.methodNotAllowed();
    for (const key of exchange.url.searchParams.keys()) {
      if (key !== "@microsoft.graph.conflictBehavior") {
        throw errors.badRequest(`Query option '${key}' is not allowed.`);
      }
    }
    if (exchange.bodyBytes > MAX_SIMPLE_UPLOAD) {
      throw new GraphError(
        413,
        "requestTooLarge",
        "The request is too large; use an upload session.",
      );
    }
    const behavior = conflictBehavior(
      exchange.url.searchParams.get("@microsoft.graph.conflictBehavior") ?? undefined,
      "replace",
    );
    const { parent, name } = this.destination(target);
    const item = this.commit(
      parent,
      name,
      behavior,
      exchange.body.subarray(0, exchange.bodyBytes),
      {},
    );
    return jsonReply(item.version > 1 ? 200 : 201, this.json(item));
  }

  /** POST …:/name:/createUploadSession. */
  create(exchange: Exchange, target: ItemTarget): Reply {
    if (exchange.method !== "POST") throw errors.methodNotAllowed();
    const body = readJsonBody(exchange, false) ?? {};
    refuseUnknownProperties(body, "microsoft.graph.driveItemUploadableProperties", [
      "item",
      "deferCommit",
    ]);
    if (body.deferCommit !== undefined && body.deferCommit !== false) {
      throw errors.invalidRequest("deferCommit is not supported for this drive.");
    }
    const item = (body.item ?? {}) as JsonObject;
    if (typeof item !== "object" || Array.isArray(item)) throw errors.badRequest("Invalid item.");
    refuseUnknownProperties(item, "microsoft.graph.driveItemUploadableProperties", [
      "@microsoft.graph.conflictBehavior",
      "@odata.type",
      "description",
      "fileSize",
      "fileSystemInfo",
      "name",
    ]);
    const { parent, name } = this.destination(target);
    if (item.name !== undefined && item.name !== name) {
      throw errors.invalidRequest(
        "The name in the request body does not match the name in the URL.",
      );
    }
    const behavior = conflictBehavior(item["@microsoft.graph.conflictBehavior"], "replace");
    if (behavior === "fail" && this.store.childNamed(parent.id, name)) {
      throw errors.conflict("An item with the same name already exists under the parent");
    }
    if (
      item.fileSize !== undefined &&
      (!Number.isInteger(item.fileSize) || (item.fileSize as number) < 0)
    ) {
      throw errors.invalidRequest("Invalid fileSize.");
    }
    const times = fileSystemTimes(item.fileSystemInfo);
    const session: UploadSession = {
      id: newSessionId(),
      parentId: parent.id,
      name,
      behavior,
      total: (item.fileSize as number | undefined) ?? null,
      received: [],
      receivedBytes: 0,
      expiresAt: this.store.now() + SESSION_LIFETIME_MS,
      ...times,
    };
    this.sessions.set(session.id, session);
    const base = this.uploadUrlBase ?? baseUrlOf(exchange);
    return jsonReply(200, {
      uploadUrl: `${base}/rup/${session.id}`,
      expirationDateTime: isoSeconds(session.expiresAt),
      nextExpectedRanges: ["0-"],
    });
  }

  /** The uploadUrl: PUT a fragment, GET the state, DELETE to cancel. */
  session(exchange: Exchange, id: string): Reply {
    const session = this.sessions.get(id);
    if (!session || session.expiresAt <= this.store.now()) {
      this.sessions.delete(id);
      throw errors.notFound("The upload session was not found.");
    }
    if (exchange.headers.authorization !== undefined) {
      throw new GraphError(
        401,
        "unauthenticated",
        "The upload URL is pre-authenticated: do not send an Authorization header to it.",
      );
    }
    if (exchange.method === "DELETE") {
      this.sessions.delete(id);
      return noContent();
    }
    if (exchange.method !== "GET" && exchange.method !== "PUT") throw errors.methodNotAllowed();
    const answer = () =>
      exchange.method === "GET"
        ? jsonReply(200, this.state(session))
        : this.fragment(exchange, session);
    const tamper = this.tampers.shift();
    if (!tamper) return answer();
    let reply: Reply;
    try {
      reply = answer();
    } catch (error) {
      if (!(error instanceof GraphError)) throw error;
      reply = error.reply(exchange);
    }
    return tamper(reply);
  }

  private fragment(exchange: Exchange, session: UploadSession): Reply {
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(headerOf(exchange, "content-range") ?? "");
    if (!range) throw errors.invalidRequest("The Content-Range header is missing or malformed.");
    const [start, end, total] = [Number(range[1]), Number(range[2]), Number(range[3])];
    const length = end - start + 1;
    if (end < start || end >= total || exchange.bodyBytes !== length) {
      throw errors.invalidRequest("The Content-Range header does not match the request body.");
    }
    if (session.total !== null && total !== session.total) {
      throw errors.invalidRequest("The declared file size does not match the upload session.");
    }
    if (start !== session.receivedBytes) {
      throw new GraphError(
        416,
        "invalidRange",
        "The uploaded fragment overlaps with data that has already been received or is out of order.",
        {
          innerCode: "fragmentOverlap",
        },
      );
    }
    const last = end === total - 1;
    if (length > MAX_FRAGMENT || (!last && length % FRAGMENT_UNIT !== 0)) {
      throw errors.invalidRequest(
        "The fragment size must be a multiple of 320 KiB and at most 60 MiB.",
      );
    }
    session.total = total;
    session.received.push(Buffer.from(exchange.body.subarray(0, length)));
    session.receivedBytes += length;
    session.expiresAt = this.store.now() + SESSION_LIFETIME_MS;
    if (!last) return jsonReply(202, this.state(session));
    this.sessions.delete(session.id);
    const parent = this.store.items.get(session.parentId);
    if (!parent) throw errors.notFound("The parent folder of the upload session no longer exists.");
    const item = this.commit(
      parent,
      session.name,
      session.behavior,
      Buffer.concat(session.received),
      session,
    );
    return jsonReply(item.version > 1 ? 200 : 201, this.json(item));
  }

  private state(session: UploadSession): JsonObject {
    return {
      expirationDateTime: isoSeconds(session.expiresAt),
      nextExpectedRanges: [
        session.total === null
          ? `${session.receivedBytes}-`
          : `${session.receivedBytes}-${session.total - 1}`,
      ],
    };
  }

  private destination(target: ItemTarget): { parent: GraphItem; name: string } {
    if (target.item) {
      if (target.item.folder) throw errors.invalidRequest("Cannot upload content to a folder.");
      const parent = this.store.items.get(target.item.parentId ?? "");
      if (!parent) throw errors.notFound();
      return { parent, name: target.item.name };
    }
    if (!target.parent || !target.name) throw errors.notFound();
    const parent = this.store.ensureFolders(target.parent, target.missing ?? []);
    return { parent, name: checkName(target.name) };
  }

  private commit(
    parent: GraphItem,
    name: string,
    behavior: "fail" | "replace" | "rename",
    content: Buffer,
    times: { clientCreatedAt?: number; clientModifiedAt?: number },
  ): GraphItem {
    const existing = this.store.childNamed(parent.id, name);
    if (existing && behavior === "fail") {
      throw errors.conflict("An item with the same name already exists under the parent");
    }
    if (existing?.folder && behavior === "replace") {
      throw errors.conflict("A folder with the same name already exists under the parent");
    }
    if (existing && behavior === "replace") {
      existing.content = content;
      existing.modifiedAt = this.store.now();
      existing.version += 1;
      Object.assign(existing, times);
      return existing;
    }
    const finalName = existing ? freeName(this.store, parent, name) : name;
    return this.store.add(
      this.store.make({
        name: finalName,
        parentId: parent.id,
        folder: false,
        content,
        mimeType: mimeOf(finalName),
        ...times,
      }),
    );
  }

  private json(item: GraphItem): JsonObject {
    return this.store.json(item, undefined);
  }
}

function freeName(store: DriveStore, parent: GraphItem, name: string): string {
  const dot = name.lastIndexOf(".");
  const [stem, extension] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
  for (let n = 1; ; n += 1) {
    const candidate = `${stem} ${n}${extension}`;
    if (!store.childNamed(parent.id, candidate)) return candidate;
  }
}

function fileSystemTimes(info: unknown): { clientCreatedAt?: number; clientModifiedAt?: number } {
  if (info === undefined) return {};
  if (typeof info !== "object" || info === null || Array.isArray(info)) {
    throw errors.badRequest("Invalid fileSystemInfo.");
  }
  const fields = info as JsonObject;
  refuseUnknownProperties(fields, "microsoft.graph.fileSystemInfo", [
    "@odata.type",
    "createdDateTime",
    "lastAccessedDateTime",
    "lastModifiedDateTime",
  ]);
  const parse = (value: unknown) => {
    if (value === undefined) return undefined;
    const time = typeof value === "string" ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(time))
      throw errors.badRequest(
        "Cannot convert the literal to the expected type 'Edm.DateTimeOffset'.",
      );
    return time;
  };
  return {
    clientCreatedAt: parse(fields.createdDateTime),
    clientModifiedAt: parse(fields.lastModifiedDateTime),
  };
}
