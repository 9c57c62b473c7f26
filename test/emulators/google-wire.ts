// What every Google API answer has in common: the JSON error shape (Drive's v2-era
// `errors[]` items and the newer `status` name), pretty-printed JSON, partial responses
// (`fields=`), bearer tokens and the 401/403 answers about them, and Google-looking ids.

import { randomBytes } from "node:crypto";
import type { Exchange, Reply } from "./http.ts";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json | undefined };
export type JsonObject = { [key: string]: Json | undefined };

/** One item of `error.errors`, as Drive (and the other discovery-era APIs) send them. */
export interface ErrorItem {
  message: string;
  domain: string;
  reason: string;
  location?: string;
  locationType?: string;
  extendedHelp?: string;
}

/** google.rpc.Code names by HTTP status. */
const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ABORTED",
  412: "FAILED_PRECONDITION",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  501: "UNIMPLEMENTED",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

export const statusName = (status: number) => STATUS_NAMES[status] ?? "UNKNOWN";

export interface GoogleErrorOptions {
  reason?: string;
  domain?: string;
  location?: string;
  locationType?: string;
  extendedHelp?: string;
  /** Overrides the message of the `errors[]` item (e.g. "Invalid Credentials"). */
  itemMessage?: string;
  /** Adds `status` (the google.rpc.Code name); `true` derives it from the HTTP status. */
  status?: string | true;
  details?: Json[];
  headers?: Record<string, string>;
  /** Photos style: only code, message and status (no `errors[]`). */
  bare?: boolean;
}

/** An API error, thrown by route code and rendered once by the dispatcher. */
export class GoogleError extends Error {
  readonly status: number;
  readonly options: GoogleErrorOptions;

  constructor(status: number, message: string, options: GoogleErrorOptions = {}) {
    super(message);
    this.status = status;
    this.options = options;
  }

  get reason(): string {
    return this.options.reason ?? statusName(this.status);
  }

  body(): JsonObject {
    const { options } = this;
    const error: JsonObject = { code: this.status, message: this.message };
    if (!options.bare) {
      const item: ErrorItem = {
        message: options.itemMessage ?? this.message,
        domain: options.domain ?? "global",
        reason: this.reason,
      };
      if (options.location !== undefined) {
        item.location = options.location;
        item.locationType = options.locationType ?? "parameter";
      }
      if (options.extendedHelp !== undefined) item.extendedHelp = options.extendedHelp;
      error.errors = [item as unknown as JsonObject];
    }
    const status =
      options.bare || options.status === true ? statusName(this.status) : options.status;
    if (status !== undefined) error.status = status;
    if (options.details) error.details = options.details;
    return { error };
  }

  reply(pretty = true): Reply {
    return jsonReply(this.status, this.body(), { pretty, headers: this.options.headers });
  }
}

/** Google answers pretty-printed JSON unless `prettyPrint=false`. */
export function jsonReply(
  status: number,
  body: Json,
  options: { pretty?: boolean; headers?: Record<string, string> } = {},
): Reply {
  return {
    status,
    headers: { "Content-Type": "application/json; charset=UTF-8", ...options.headers },
    body: `${JSON.stringify(body, null, options.pretty === false ? undefined : 2)}\n`,
  };
}

export const wantsPretty = (exchange: Exchange) =>
  exchange.url.searchParams.get("prettyPrint") !== "false";

export function textReply(status: number, body: string, contentType = "text/plain"): Reply {
  return { status, headers: { "Content-Type": `${contentType}; charset=UTF-8` }, body };
}

/** The 404 Google's front end gives for a path no API serves. */
export const notFoundPage = () =>
  textReply(
    404,
    "<!DOCTYPE html>\n<html lang=en><title>Error 404 (Not Found)!!1</title>" +
      "<p><b>404.</b> <ins>That’s an error.</ins><p>The requested URL was not found on this server.  <ins>That’s all we know.</ins>\n",
    "text/html",
  );

// ---- ids ----------------------------------------------------------------------------------

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

export function randomChars(length: number, alphabet = ALPHABET): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}

export const randomDigits = (length: number) => randomChars(length, "0123456789");

// ---- bearer tokens --------------------------------------------------------------------------

/** The access token of a request: `Authorization: Bearer …` or the `access_token` parameter. */
export function readAccessToken(exchange: Exchange): string | undefined {
  const header = exchange.headers.authorization;
  if (typeof header === "string") {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1] ?? "";
  }
  return exchange.url.searchParams.get("access_token") ?? undefined;
}

const AUTH_HELP =
  "Expected OAuth 2 access token, login cookie or other valid authentication credential. " +
  "See https://developers.google.com/identity/sign-in/web/devconsole-project.";
const REALM = 'Bearer realm="https://accounts.google.com/"';

/** 401 for a request without credentials. */
export function missingCredentials(bare: boolean): GoogleError {
  return new GoogleError(
    401,
    `Request is missing required authentication credential. ${AUTH_HELP}`,
    {
      reason: "required",
      itemMessage: "Login Required.",
      location: "Authorization",
      locationType: "header",
      status: true,
      bare,
      headers: { "WWW-Authenticate": REALM },
    },
  );
}

/** 401 for an unknown, expired or revoked access token. */
export function invalidCredentials(bare: boolean): GoogleError {
  return new GoogleError(401, `Request had invalid authentication credentials. ${AUTH_HELP}`, {
    reason: "authError",
    itemMessage: "Invalid Credentials",
    location: "Authorization",
    locationType: "header",
    status: true,
    bare,
    headers: { "WWW-Authenticate": `${REALM}, error="invalid_token"` },
  });
}

/** 403 for a token without any of the scopes a method accepts. */
export function insufficientScopes(
  accepted: readonly string[],
  method: { service: string; name: string } | null,
): GoogleError {
  const headers = {
    "WWW-Authenticate": `${REALM}, error="insufficient_scope", scope="${accepted.join(" ")}"`,
  };
  if (method === null) {
    // The Photos Library API answers the short form.
    return new GoogleError(403, "Request had insufficient authentication scopes.", {
      bare: true,
      headers,
    });
  }
  return new GoogleError(403, "Request had insufficient authentication scopes.", {
    reason: "insufficientPermissions",
    itemMessage: "Insufficient Permission",
    status: true,
    headers,
    details: [
      {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        reason: "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
        domain: "googleapis.com",
        metadata: { service: method.service, method: method.name },
      },
    ],
  });
}

// ---- partial responses (fields=) -----------------------------------------------------------

/** A selection: each name maps to `true` (the whole value) or to a sub-selection. */
export type FieldMask = Map<string, FieldMask | true>;

/**
 * What names a resource has, for validating a selection: a nested schema, `"leaf"` for a value
 * that takes no sub-selection, `"map"` for a map whose keys may be selected.
 */
export type FieldSchema = { [name: string]: FieldSchema | "leaf" | "map" };

export class FieldMaskError extends Error {}

/**
 * Parses `files(id,name),nextPageToken`, `user/displayName`, `*`. Throws FieldMaskError with
 * the offending name when the text is malformed or names something the schema lacks.
 */
export function parseFieldMask(text: string, schema: FieldSchema): FieldMask {
  let at = 0;
  const source = text.replace(/\s+/g, "");
  const fail = (name?: string): never => {
    throw new FieldMaskError(name ?? source);
  };

  const name = (): string => {
    const match = /^(\*|[A-Za-z0-9_$@.-]+)/.exec(source.slice(at));
    if (!match?.[1]) return fail();
    at += match[1].length;
    return match[1];
  };

  const list = (into: FieldMask, level: FieldSchema | "map"): void => {
    for (;;) {
      item(into, level);
      if (source[at] !== ",") return;
      at += 1;
    }
  };

  const item = (into: FieldMask, level: FieldSchema | "map"): void => {
    const path = [name()];
    while (source[at] === "/") {
      at += 1;
      path.push(name());
    }
    let sub: FieldSchema | "leaf" | "map" = level;
    for (const key of path) {
      if (sub === "leaf") fail(key);
      sub = lookup(sub as FieldSchema | "map", key);
    }
    let selection: FieldMask | true = true;
    if (source[at] === "(") {
      at += 1;
      if (sub === "leaf") fail(path.at(-1));
      selection = new Map();
      list(selection, sub as FieldSchema | "map");
      if (source[at] !== ")") fail();
      at += 1;
    }
    let target = into;
    for (const key of path.slice(0, -1)) {
      const existing = target.get(key);
      if (existing === true) return;
      if (existing instanceof Map) target = existing;
      else {
        const created: FieldMask = new Map();
        target.set(key, created);
        target = created;
      }
    }
    merge(target, path.at(-1) as string, selection);
  };

  const lookup = (level: FieldSchema | "map", key: string): FieldSchema | "leaf" | "map" => {
    if (key === "*" || level === "map") return "leaf";
    const found = level[key];
    if (found === undefined) fail(key);
    return found as FieldSchema | "leaf" | "map";
  };

  const mask: FieldMask = new Map();
  if (source === "") return mask;
  list(mask, schema);
  if (at !== source.length) fail();
  return mask;
}

function merge(target: FieldMask, key: string, selection: FieldMask | true): void {
  const existing = target.get(key);
  if (existing === true) return;
  if (selection === true || existing === undefined) {
    target.set(key, selection);
    return;
  }
  for (const [name, sub] of selection) merge(existing, name, sub);
}

/** Keeps what the selection names; `*` at a level keeps every member of that level whole. */
export function applyFieldMask(value: Json | undefined, mask: FieldMask): Json | undefined {
  if (value === undefined || value === null) return value;
  if (Array.isArray(value)) return value.map((each) => applyFieldMask(each, mask) ?? null);
  if (typeof value !== "object") return value;
  if (mask.has("*")) {
    const all: JsonObject = { ...value };
    for (const [key, sub] of mask) {
      if (key !== "*" && sub instanceof Map) all[key] = applyFieldMask(value[key], sub);
    }
    return all;
  }
  const picked: JsonObject = {};
  for (const [key, sub] of mask) {
    const member = value[key];
    if (member === undefined) continue;
    picked[key] = sub === true ? member : applyFieldMask(member, sub);
  }
  return picked;
}

// ---- request bodies ---------------------------------------------------------------------

export class BodyError extends Error {}

/** A JSON object body; an empty body is `{}`. Throws BodyError for anything else. */
export function readJsonObject(exchange: Exchange): JsonObject {
  const text = exchange.body.toString("utf8").trim();
  if (text === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new BodyError((error as Error).message);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new BodyError("the body is not a JSON object");
  }
  exchange.record.arg = parsed;
  return parsed as JsonObject;
}

/** Form fields of a body (urlencoded) or, failing that, a JSON object body. */
export function readForm(exchange: Exchange): URLSearchParams {
  const type = (exchange.headers["content-type"] ?? "").toLowerCase();
  const text = exchange.body.toString("utf8");
  if (type.startsWith("application/json")) {
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      return new URLSearchParams(
        Object.entries(parsed).map(([key, value]) => [key, String(value)] as [string, string]),
      );
    } catch {
      return new URLSearchParams();
    }
  }
  return new URLSearchParams(text);
}

/** RFC 3339 with milliseconds, as Google writes times. */
export const rfc3339 = (ms: number) => new Date(ms).toISOString();
