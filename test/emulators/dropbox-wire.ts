// The Dropbox wire format: Stone JSON decoding of call arguments (strict, with the validation
// messages of the Stone serializers the API is built on) and route errors.

export type StoneType =
  | { kind: "string"; pattern?: string; minLength?: number; maxLength?: number }
  | { kind: "boolean" }
  | { kind: "uint64" }
  | { kind: "timestamp" }
  | { kind: "list"; item: StoneType; maxItems?: number }
  | { kind: "struct"; fields: Record<string, StoneField> }
  /** A member's type of null is a void member. */
  | { kind: "union"; members: Record<string, StoneType | null> };

export interface StoneField {
  type: StoneType;
  /** Nullable fields may be absent or null; fields with a default get it when absent. */
  optional?: boolean;
  default?: unknown;
}

/** A decoded union value. */
export interface Tagged {
  tag: string;
  value?: unknown;
}

export class StoneValidationError extends Error {
  private readonly parents: string[] = [];

  addParent(name: string): this {
    this.parents.push(name);
    return this;
  }

  describe(): string {
    const where = [...this.parents].reverse().join(".");
    return where ? `${where}: ${this.message}` : this.message;
  }
}

/** Type names as the Python serializer prints them. */
function typeName(value: unknown): string {
  if (typeof value === "boolean") return "boolean";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "float";
  if (Array.isArray(value)) return "list";
  if (typeof value === "string") return "string";
  if (value === null) return "null";
  return "dict";
}

/** Python's type() name of a decoded JSON value. */
function pyType(value: unknown): string {
  const names: Record<string, string> = { boolean: "bool", integer: "int", null: "None" };
  const name = typeName(value);
  return names[name] ?? name;
}

/** Python's str() of a decoded JSON value. */
function pyStr(value: unknown): string {
  if (typeof value === "string") return value;
  return pyRepr(value);
}

/** Python's repr() of a decoded JSON value. */
function pyRepr(value: unknown): string {
  if (typeof value === "string")
    return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
  if (value === null) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([key, item]) => `${pyRepr(key)}: ${pyRepr(item)}`).join(", ")}}`;
  }
  return String(value);
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;
const MAX_UINT64 = "18446744073709551615";

export function decodeStone(type: StoneType, json: unknown): unknown {
  switch (type.kind) {
    case "string":
      return decodeString(type, json);
    case "boolean":
      if (typeof json !== "boolean") {
        throw new StoneValidationError(`${pyRepr(json)} is not a valid boolean`);
      }
      return json;
    case "uint64":
      if (typeof json !== "number" || !Number.isInteger(json)) {
        throw new StoneValidationError(`expected integer, got ${typeName(json)}`);
      }
      if (json < 0) {
        throw new StoneValidationError(`${json} is not within range [0, ${MAX_UINT64}]`);
      }
      return json;
    case "timestamp":
      if (typeof json !== "string") {
        throw new StoneValidationError(`strptime() argument 1 must be str, not ${pyType(json)}`);
      }
      if (!TIMESTAMP.test(json) || Number.isNaN(Date.parse(json))) {
        throw new StoneValidationError(
          `time data ${pyRepr(json)} does not match format '%Y-%m-%dT%H:%M:%SZ'`,
        );
      }
      return json;
    case "list":
      if (!Array.isArray(json))
        throw new StoneValidationError(`${pyRepr(json)} is not a valid list`);
      if (type.maxItems !== undefined && json.length > type.maxItems) {
        throw new StoneValidationError(`${pyRepr(json)} has more than ${type.maxItems} items`);
      }
      return json.map((item) => decodeStone(type.item, item));
    case "struct":
      return decodeStruct(type.fields, json);
    case "union":
      return decodeUnion(type.members, json);
  }
}

function decodeString(type: Extract<StoneType, { kind: "string" }>, json: unknown): string {
  if (typeof json !== "string") {
    throw new StoneValidationError(
      `'${pyStr(json)}' expected to be a string, got ${typeName(json)}`,
    );
  }
  const length = [...json].length;
  if (type.maxLength !== undefined && length > type.maxLength) {
    throw new StoneValidationError(
      `'${json}' must be at most ${type.maxLength} characters, got ${length}`,
    );
  }
  if (type.minLength !== undefined && length < type.minLength) {
    throw new StoneValidationError(
      `'${json}' must be at least ${type.minLength} characters, got ${length}`,
    );
  }
  if (type.pattern !== undefined && !new RegExp(`^(?:${type.pattern})$`, "u").test(json)) {
    throw new StoneValidationError(`'${json}' did not match pattern '${type.pattern}'`);
  }
  return json;
}

function decodeStruct(fields: Record<string, StoneField>, json: unknown): Record<string, unknown> {
  if (
    json === null &&
    Object.values(fields).every((field) => field.optional || "default" in field)
  ) {
    json = {};
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new StoneValidationError(`expected object, got ${typeName(json)}`);
  }
  const input = json as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!(key in fields) && !key.startsWith(".tag")) {
      throw new StoneValidationError(`unknown field '${key}'`);
    }
  }
  const decoded: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(fields)) {
    const value = input[name];
    if (value === undefined || (value === null && field.optional)) {
      if ("default" in field) decoded[name] = field.default;
      continue;
    }
    try {
      decoded[name] = decodeStone(field.type, value);
    } catch (error) {
      if (error instanceof StoneValidationError) throw error.addParent(name);
      throw error;
    }
  }
  for (const [name, field] of Object.entries(fields)) {
    if (!(name in decoded) && !field.optional) {
      throw new StoneValidationError(`missing required field '${name}'`);
    }
  }
  return decoded;
}

function decodeUnion(members: Record<string, StoneType | null>, json: unknown): Tagged {
  if (typeof json === "string") {
    const member = members[json];
    if (member === undefined) throw new StoneValidationError(`unknown tag '${json}'`);
    if (member !== null)
      throw new StoneValidationError(`expected object for '${json}', got symbol`);
    return { tag: json };
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new StoneValidationError(`expected string or object, got ${typeName(json)}`);
  }
  const input = json as Record<string, unknown>;
  const tag = input[".tag"];
  if (tag === undefined) throw new StoneValidationError("missing '.tag' key");
  if (typeof tag !== "string") {
    throw new StoneValidationError(`tag must be string, got ${typeName(tag)}`);
  }
  const member = members[tag];
  if (member === undefined) throw new StoneValidationError(`unknown tag '${tag}'`);
  if (member?.kind === "struct") return { tag, value: decodeStone(member, input) };
  for (const key of Object.keys(input)) {
    if (key !== ".tag" && !(member !== null && key === tag)) {
      throw new StoneValidationError(`unexpected key '${key}'`);
    }
  }
  if (member === null) return { tag };
  if (!(tag in input)) throw new StoneValidationError(`missing '${tag}' key`);
  try {
    return { tag, value: decodeStone(member, input[tag]) };
  } catch (error) {
    if (error instanceof StoneValidationError) throw error.addParent(tag);
    throw error;
  }
}

/** Parses an argument's JSON text as the API does; empty text stands for null. */
export function parseStoneJson(text: string): unknown {
  try {
    return text.trim() === "" ? null : JSON.parse(text);
  } catch {
    throw new StoneValidationError("could not decode input as JSON");
  }
}

/** Decodes a route argument; a null type is a route without argument (Void). */
export function decodeArgument(type: StoneType | null, json: unknown): unknown {
  if (type !== null) return decodeStone(type, json);
  if (json !== null) throw new StoneValidationError("expected null, got value");
  return null;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json | undefined };

/**
 * A 409 route error: `error` is the route's error union as JSON, `tags` the chain of union tags
 * that makes the error_summary (`path/conflict/file/..`).
 */
export class RouteError extends Error {
  readonly summary: string;
  readonly error: Json;

  constructor(tags: string[], error: Json) {
    const summary = `${tags.join("/")}/..`;
    super(summary);
    this.summary = summary;
    this.error = error;
  }
}

/** `{".tag": tag}` with the member's value nested under its name, as Stone encodes unions. */
export function union(tag: string, value?: Json): { [key: string]: Json } {
  return value === undefined ? { ".tag": tag } : { ".tag": tag, [tag]: value };
}

export function formatTimestamp(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}
