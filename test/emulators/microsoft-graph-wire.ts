// What every Microsoft Graph answer has in common, from Microsoft's public references
// ("Microsoft Graph error responses and resource types", "Microsoft Graph throttling
// guidance"): the JSON error shape {"error":{"code","message","innerError":{date,request-id,
// client-request-id}}}, JSON answers with OData annotations, request ids, and Graph-looking ids.

import { randomBytes, randomUUID } from "node:crypto";
import type { Exchange, Reply } from "./http.ts";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json | undefined };
export type JsonObject = { [key: string]: Json | undefined };

/** An API error, thrown by route code and rendered once by the dispatcher. */
export class GraphError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  /** Graph nests a more specific code for some errors (`innerError.code`). */
  readonly innerCode?: string;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { headers?: Record<string, string>; innerCode?: string } = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = options.headers ?? {};
    this.innerCode = options.innerCode;
  }

  reply(exchange?: Exchange, now = new Date()): Reply {
    const requestId = randomUUID();
    const clientRequestId = headerOf(exchange, "client-request-id") ?? requestId;
    const innerError: JsonObject = {
      date: now.toISOString().replace(/\.\d+Z$/, ""),
      "request-id": requestId,
      "client-request-id": clientRequestId,
    };
    if (this.innerCode) innerError.code = this.innerCode;
    return jsonReply(
      this.status,
      { error: { code: this.code, message: this.message, innerError } },
      { "request-id": requestId, "client-request-id": clientRequestId, ...this.headers },
    );
  }
}

export function headerOf(exchange: Exchange | undefined, name: string): string | undefined {
  const value = exchange?.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function jsonReply(status: number, body: Json, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: {
      "Content-Type":
        "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8",
      ...headers,
    },
    body: JSON.stringify(body),
  };
}

export const noContent = (): Reply => ({ status: 204 });

/** OneDrive personal item ids: the drive's id (16 hex digits, upper case), "!" and a counter. */
export const driveIdOf = () => randomBytes(8).toString("hex").toUpperCase();

/** Opaque url-safe tokens (share tokens, upload session ids). */
export const opaqueToken = (bytes = 18) => randomBytes(bytes).toString("base64url");

/** The standard errors, by the codes Graph documents for them. */
export const errors = {
  badRequest: (message: string) => new GraphError(400, "BadRequest", message),
  invalidRequest: (message: string) => new GraphError(400, "invalidRequest", message),
  notFound: (message = "Item not found") => new GraphError(404, "itemNotFound", message),
  accessDenied: (message: string) => new GraphError(403, "accessDenied", message),
  conflict: (message: string) => new GraphError(409, "nameAlreadyExists", message),
  methodNotAllowed: () =>
    new GraphError(405, "BadRequest", "The HTTP method is not supported for this resource."),
  unauthenticated: (message: string) =>
    new GraphError(401, "InvalidAuthenticationToken", message, {
      headers: { "WWW-Authenticate": 'Bearer realm="", error="invalid_token"' },
    }),
};

/** The body of a JSON request, or the 400 Graph gives for one it cannot read. */
export function readJsonBody(exchange: Exchange, required: boolean): JsonObject | undefined {
  const text = exchange.body.toString("utf8");
  if (text.trim() === "") {
    if (required) throw errors.badRequest("Empty Payload. JSON content expected.");
    return undefined;
  }
  const type = headerOf(exchange, "content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw errors.badRequest(
      `A supported MIME type could not be found that matches the content type of the response. None of the supported type(s) 'application/json' matches the content type '${type}'.`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw errors.badRequest(
      "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
    );
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw errors.badRequest("Invalid JSON. A JSON object was expected.");
  }
  return parsed as JsonObject;
}

/**
 * OData's strictness about request bodies: a property the type does not define is refused as
 * Graph does (instance annotations, `@…`, are allowed where listed).
 */
export function refuseUnknownProperties(
  body: JsonObject,
  typeName: string,
  known: readonly string[],
): void {
  for (const key of Object.keys(body)) {
    if (!known.includes(key)) {
      throw errors.badRequest(
        `The property '${key}' does not exist on type '${typeName}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
      );
    }
  }
}

/** ISO 8601 with seconds and a Z, as Graph writes DateTimeOffset values. */
export const isoSeconds = (time: number) => new Date(time).toISOString().replace(/\.\d+Z$/, "Z");
