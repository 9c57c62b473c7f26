// Argument types of the emulated routes, transcribed from dropbox/dropbox-api-spec (files.stone,
// sharing.stone), with the TypeScript shapes the decoder produces for them.

import type { StoneField, StoneType, Tagged } from "./dropbox-wire.ts";

const stringType = (
  constraints: Omit<Extract<StoneType, { kind: "string" }>, "kind"> = {},
): StoneType => ({ kind: "string", ...constraints });
const BOOLEAN: StoneType = { kind: "boolean" };
const UINT64: StoneType = { kind: "uint64" };
const TIMESTAMP: StoneType = { kind: "timestamp" };
const required = (type: StoneType): StoneField => ({ type });
const optional = (type: StoneType): StoneField => ({ type, optional: true });
const withDefault = (type: StoneType, value: unknown): StoneField => ({ type, default: value });
const struct = (fields: Record<string, StoneField>): StoneType => ({ kind: "struct", fields });
const voidUnion = (...tags: string[]): StoneType => ({
  kind: "union",
  members: Object.fromEntries(tags.map((tag) => [tag, null])),
});

const WRITE_PATH_OR_ID = stringType({
  pattern: "(/(.|[\\r\\n])*)|(ns:[0-9]+(/(.|[\\r\\n])*)?)|(id:.*)",
});
const WRITE_PATH = stringType({ pattern: "(/(.|[\\r\\n])*)|(ns:[0-9]+(/(.|[\\r\\n])*)?)" });
const READ_PATH = stringType({
  pattern: "(/(.|[\\r\\n])*|id:.*)|(rev:[0-9a-f]{9,})|(ns:[0-9]+(/(.|[\\r\\n])*)?)",
});
const REV = stringType({ minLength: 9, pattern: "[0-9a-f]+" });
const SHA256_HEX = stringType({ minLength: 64, maxLength: 64 });

const WRITE_MODE: StoneType = {
  kind: "union",
  members: { add: null, overwrite: null, update: REV },
};

const PROPERTY_GROUP = struct({
  template_id: required(stringType({ minLength: 1, pattern: "(/|ptid:).*" })),
  fields: required({
    kind: "list",
    item: struct({ name: required(stringType()), value: required(stringType()) }),
  }),
});

const COMMIT_INFO_FIELDS = {
  path: required(WRITE_PATH_OR_ID),
  mode: withDefault(WRITE_MODE, { tag: "add" }),
  autorename: withDefault(BOOLEAN, false),
  client_modified: optional(TIMESTAMP),
  mute: withDefault(BOOLEAN, false),
  property_groups: optional({ kind: "list", item: PROPERTY_GROUP }),
  strict_conflict: withDefault(BOOLEAN, false),
};

const CURSOR = struct({ session_id: required(stringType()), offset: required(UINT64) });

const UPLOAD_SESSION_FINISH_ARG = struct({
  cursor: required(CURSOR),
  commit: required(struct(COMMIT_INFO_FIELDS)),
  content_hash: optional(SHA256_HEX),
});

const SHARED_LINK_SETTINGS = struct({
  require_password: optional(BOOLEAN),
  link_password: optional(stringType()),
  expires: optional(TIMESTAMP),
  audience: optional(voidUnion("public", "team", "no_one", "password", "members")),
  access: optional(voidUnion("viewer", "editor", "max", "default")),
  requested_visibility: optional(voidUnion("public", "team_only", "password")),
  allow_download: optional(BOOLEAN),
});

export const ARG_TYPES = {
  upload: struct({ ...COMMIT_INFO_FIELDS, content_hash: optional(SHA256_HEX) }),
  uploadSessionStart: struct({
    close: withDefault(BOOLEAN, false),
    session_type: optional(voidUnion("sequential", "concurrent")),
    content_hash: optional(SHA256_HEX),
  }),
  uploadSessionAppend: struct({
    cursor: required(CURSOR),
    close: withDefault(BOOLEAN, false),
    content_hash: optional(SHA256_HEX),
  }),
  uploadSessionFinish: UPLOAD_SESSION_FINISH_ARG,
  uploadSessionFinishBatch: struct({
    entries: required({ kind: "list", item: UPLOAD_SESSION_FINISH_ARG, maxItems: 1000 }),
  }),
  createFolder: struct({ path: required(WRITE_PATH), autorename: withDefault(BOOLEAN, false) }),
  delete: struct({ path: required(WRITE_PATH_OR_ID), parent_rev: optional(REV) }),
  getMetadata: struct({
    path: required(READ_PATH),
    include_media_info: withDefault(BOOLEAN, false),
    include_deleted: withDefault(BOOLEAN, false),
    include_has_explicit_shared_members: withDefault(BOOLEAN, false),
    include_property_groups: optional({
      kind: "union",
      members: { filter_some: { kind: "list", item: stringType({ minLength: 1 }) } },
    }),
  }),
  createSharedLink: struct({
    path: required(READ_PATH),
    settings: optional(SHARED_LINK_SETTINGS),
  }),
  listSharedLinks: struct({
    path: optional(READ_PATH),
    cursor: optional(stringType()),
    direct_only: optional(BOOLEAN),
  }),
  revokeSharedLink: struct({ url: required(stringType()) }),
  modifySharedLink: struct({
    url: required(stringType()),
    settings: required(SHARED_LINK_SETTINGS),
    remove_expiration: withDefault(BOOLEAN, false),
  }),
} satisfies Record<string, StoneType>;

export interface CommitInfo {
  path: string;
  mode: Tagged;
  autorename: boolean;
  client_modified?: string;
  strict_conflict: boolean;
}

export interface UploadArg extends CommitInfo {
  content_hash?: string;
}

export interface UploadSessionCursor {
  session_id: string;
  offset: number;
}

export interface UploadSessionStartArg {
  close: boolean;
  session_type?: Tagged;
  content_hash?: string;
}

export interface UploadSessionAppendArg {
  cursor: UploadSessionCursor;
  close: boolean;
  content_hash?: string;
}

export interface UploadSessionFinishArg {
  cursor: UploadSessionCursor;
  commit: CommitInfo;
  content_hash?: string;
}

export interface SharedLinkSettings {
  require_password?: boolean;
  link_password?: string;
  expires?: string;
  audience?: Tagged;
  access?: Tagged;
  requested_visibility?: Tagged;
  allow_download?: boolean;
}

export interface ListSharedLinksArg {
  path?: string;
  cursor?: string;
  direct_only?: boolean;
}

export interface ModifySharedLinkSettingsArg {
  url: string;
  settings: SharedLinkSettings;
  remove_expiration: boolean;
}
