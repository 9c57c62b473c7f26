// The Google Photos Library API as it stands since 2025-03-31: an app can upload bytes
// (raw, or Google's resumable upload protocol), create media items from upload tokens,
// create albums, and read back only what it created. Sharing an album is no longer
// possible for any app: albums.share/unshare and sharedAlbums.* answer 403.

import type { TokenCheck } from "./google-oauth.ts";
import {
  BodyError,
  GoogleError,
  insufficientScopes,
  invalidCredentials,
  type Json,
  type JsonObject,
  jsonReply,
  missingCredentials,
  notFoundPage,
  randomChars,
  readAccessToken,
  readJsonObject,
  rfc3339,
  textReply,
  wantsPretty,
} from "./google-wire.ts";
import type { Exchange, Reply } from "./http.ts";

const AUTH = "https://www.googleapis.com/auth/";
export const PHOTOS_SCOPES = {
  appendOnly: `${AUTH}photoslibrary.appendonly`,
  readAppCreated: `${AUTH}photoslibrary.readonly.appcreateddata`,
  editAppCreated: `${AUTH}photoslibrary.edit.appcreateddata`,
};
const APPEND = [PHOTOS_SCOPES.appendOnly];
const CREATE_ALBUM = [PHOTOS_SCOPES.appendOnly, PHOTOS_SCOPES.editAppCreated];
const READ = [PHOTOS_SCOPES.readAppCreated];
const EDIT = [PHOTOS_SCOPES.editAppCreated];
/** The scope sharing needs, removed on 2025-03-31: no token can carry it any more. */
const SHARING = [`${AUTH}photoslibrary.sharing`];

const MAX_BATCH = 50;
const UPLOAD_TOKEN_LIFETIME_MS = 24 * 3600 * 1000;
const GRANULARITY = 256 * 1024;
const MAX_TITLE = 500;
const MAX_DESCRIPTION = 1000;
const ITEM_FAILED = "Failed: There was an error while trying to create this media item.";
const BAD_IMAGE = "BAD_IMAGE: There was an error while trying to create this media item.";

export interface EmulatedAlbum {
  id: string;
  title: string;
  productUrl: string;
  mediaItemIds: string[];
}

export interface EmulatedMediaItem {
  id: string;
  filename: string;
  mimeType: string;
  description?: string;
  albumIds: string[];
  bytes: Buffer;
}

interface Album {
  id: string;
  title: string;
  clientId: string;
  mediaItemIds: string[];
}

interface MediaItem {
  id: string;
  filename: string;
  mimeType: string;
  description?: string;
  bytes: Buffer;
  clientId: string;
  createdAt: number;
  width?: number;
  height?: number;
  video: boolean;
}

interface Upload {
  bytes: Buffer;
  fileName?: string;
  clientId: string;
  createdAt: number;
  used: boolean;
}

interface ResumableUpload {
  clientId: string;
  pieces: Buffer[];
  received: number;
  total: number | null;
  fileName?: string;
  token?: string;
}

interface Caller {
  clientId: string;
}

const photosError = (status: number, message: string) =>
  new GoogleError(status, message, { bare: true });
const invalidArgument = (message: string) => photosError(400, message);

/** What the bytes are, by their signature; null when Photos would not take them. */
export function sniffMedia(bytes: Buffer): { mimeType: string; video: boolean } | null {
  const ascii = (start: number, end: number) => bytes.subarray(start, end).toString("latin1");
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return { mimeType: "image/jpeg", video: false };
  }
  if (ascii(0, 8) === "\x89PNG\r\n\x1a\n") return { mimeType: "image/png", video: false };
  if (ascii(0, 6) === "GIF87a" || ascii(0, 6) === "GIF89a") {
    return { mimeType: "image/gif", video: false };
  }
  if (ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") {
    return { mimeType: "image/webp", video: false };
  }
  if (ascii(0, 4) === "RIFF" && ascii(8, 12) === "AVI ") {
    return { mimeType: "video/x-msvideo", video: true };
  }
  if (ascii(0, 2) === "BM") return { mimeType: "image/bmp", video: false };
  if (ascii(0, 4) === "II*\0" || ascii(0, 4) === "MM\0*") {
    return { mimeType: "image/tiff", video: false };
  }
  if (bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 1 && bytes[3] === 0) {
    return { mimeType: "image/x-icon", video: false };
  }
  if (bytes.readUInt32BE(0) === 0x1a45dfa3) return { mimeType: "video/x-matroska", video: true };
  if (ascii(4, 8) === "ftyp") {
    const brand = ascii(8, 12);
    if (["heic", "heix", "hevc", "hevx", "heim", "heis"].includes(brand)) {
      return { mimeType: "image/heic", video: false };
    }
    if (["mif1", "msf1"].includes(brand)) return { mimeType: "image/heif", video: false };
    if (["avif", "avis"].includes(brand)) return { mimeType: "image/avif", video: false };
    if (brand === "qt  ") return { mimeType: "video/quicktime", video: true };
    if (brand.startsWith("3g")) return { mimeType: "video/3gpp", video: true };
    return { mimeType: "video/mp4", video: true };
  }
  return null;
}

/** Width and height from a JPEG, PNG, GIF or WebP header, when they can be read. */
function dimensions(bytes: Buffer, mimeType: string): { width: number; height: number } | null {
  try {
    if (mimeType === "image/png" && bytes.length >= 24) {
      return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
    }
    if (mimeType === "image/gif" && bytes.length >= 10) {
      return { width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) };
    }
    if (
      mimeType === "image/webp" &&
      bytes.length >= 30 &&
      bytes.toString("latin1", 12, 16) === "VP8X"
    ) {
      return { width: 1 + bytes.readUIntLE(24, 3), height: 1 + bytes.readUIntLE(27, 3) };
    }
    if (mimeType === "image/jpeg") {
      let at = 2;
      while (at + 9 < bytes.length && bytes[at] === 0xff) {
        const marker = bytes[at + 1] as number;
        const length = bytes.readUInt16BE(at + 2);
        const isFrame = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
        if (isFrame)
          return { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
        at += 2 + length;
      }
    }
  } catch {
    // a truncated header
  }
  return null;
}

const KNOWN_FIELDS: Record<string, string[]> = {
  createAlbum: ["album"],
  album: [
    "id",
    "title",
    "productUrl",
    "isWriteable",
    "shareInfo",
    "mediaItemsCount",
    "coverPhotoBaseUrl",
    "coverPhotoMediaItemId",
  ],
  batchCreate: ["albumId", "newMediaItems", "albumPosition"],
  newMediaItem: ["description", "simpleMediaItem"],
  simpleMediaItem: ["uploadToken", "fileName"],
  batchAdd: ["mediaItemIds"],
};

/** Proto-JSON refuses names it does not know, as every newer Google API does. */
function checkKnown(value: JsonObject, kind: string, where: string): void {
  for (const name of Object.keys(value)) {
    if (!KNOWN_FIELDS[kind]?.includes(name)) {
      const at = where ? ` at '${where}'` : "";
      throw invalidArgument(
        `Invalid JSON payload received. Unknown name "${name}"${at}: Cannot find field.`,
      );
    }
  }
}

function objectField(value: Json | undefined, where: string): JsonObject | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw invalidArgument(`Invalid JSON payload received. Invalid value at '${where}'.`);
  }
  return value;
}

function stringField(value: Json | undefined, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    throw invalidArgument(
      `Invalid JSON payload received. Invalid value at '${where}' (TYPE_STRING).`,
    );
  }
  return value;
}

export interface PhotosOptions {
  now: () => number;
  checkToken: (token: string | undefined) => TokenCheck;
}

export class PhotosApi {
  private readonly options: PhotosOptions;
  private readonly albumsById = new Map<string, Album>();
  private readonly items = new Map<string, MediaItem>();
  private readonly uploadTokens = new Map<string, Upload>();
  private readonly resumables = new Map<string, ResumableUpload>();

  constructor(options: PhotosOptions) {
    this.options = options;
  }

  albums(): EmulatedAlbum[] {
    return [...this.albumsById.values()].map((album) => ({
      id: album.id,
      title: album.title,
      productUrl: albumUrl(album.id),
      mediaItemIds: [...album.mediaItemIds],
    }));
  }

  mediaItems(): EmulatedMediaItem[] {
    return [...this.items.values()].map((item) => ({
      id: item.id,
      filename: item.filename,
      mimeType: item.mimeType,
      description: item.description,
      albumIds: [...this.albumsById.values()]
        .filter((album) => album.mediaItemIds.includes(item.id))
        .map((album) => album.id),
      bytes: item.bytes,
    }));
  }

  handle(exchange: Exchange): Reply {
    try {
      return this.route(exchange);
    } catch (error) {
      if (error instanceof GoogleError) return error.reply(wantsPretty(exchange));
      if (error instanceof BodyError) {
        return invalidArgument(`Invalid JSON payload received. ${error.message}`).reply(
          wantsPretty(exchange),
        );
      }
      throw error;
    }
  }

  private route(exchange: Exchange): Reply {
    const path = exchange.url.pathname;
    const method = exchange.method;
    if (path === "/v1/uploads" && method === "POST") return this.upload(exchange);
    if (path === "/v1/mediaItems:batchCreate" && method === "POST")
      return this.batchCreate(exchange);
    if (path === "/v1/albums" && method === "POST") return this.createAlbum(exchange);
    if (path === "/v1/albums" && method === "GET") return this.listAlbums(exchange);
    if (path === "/v1/sharedAlbums" || path.startsWith("/v1/sharedAlbums")) {
      return this.sharing(exchange);
    }
    const album = /^\/v1\/albums\/([^/:]+)(?::(\w+))?$/.exec(path);
    if (album?.[1]) {
      const id = decodeURIComponent(album[1]);
      const action = album[2];
      if (action === undefined && method === "GET") return this.getAlbum(exchange, id);
      if ((action === "share" || action === "unshare") && method === "POST") {
        return this.sharing(exchange);
      }
      if (action === "batchAddMediaItems" && method === "POST") {
        return this.batchAddMediaItems(exchange, id);
      }
      return notFoundPage();
    }
    const item = /^\/v1\/mediaItems\/([^/:]+)$/.exec(path);
    if (item?.[1] && method === "GET")
      return this.getMediaItem(exchange, decodeURIComponent(item[1]));
    return notFoundPage();
  }

  private authenticate(exchange: Exchange, accepted: readonly string[]): Caller {
    const check = this.options.checkToken(readAccessToken(exchange));
    if (!check.ok) {
      throw check.reason === "missing" ? missingCredentials(true) : invalidCredentials(true);
    }
    if (!accepted.some((scope) => check.scopes.has(scope)))
      throw insufficientScopes(accepted, null);
    return { clientId: check.clientId };
  }

  private reply(exchange: Exchange, body: Json): Reply {
    return jsonReply(200, body, { pretty: wantsPretty(exchange) });
  }

  // ---- uploads ----------------------------------------------------------------------------

  private upload(exchange: Exchange): Reply {
    const uploadId = exchange.url.searchParams.get("upload_id");
    if (uploadId !== null) return this.resumableRequest(exchange, uploadId);
    const caller = this.authenticate(exchange, APPEND);
    const protocol = String(exchange.headers["x-goog-upload-protocol"] ?? "raw").toLowerCase();
    const fileName = exchange.headers["x-goog-upload-file-name"] as string | undefined;
    if (protocol === "resumable") {
      const command = String(exchange.headers["x-goog-upload-command"] ?? "").toLowerCase();
      if (command !== "start") {
        throw invalidArgument("X-Goog-Upload-Command must be start to begin a resumable upload.");
      }
      const declared = exchange.headers["x-goog-upload-raw-size"];
      const id = `AEnB2U${randomChars(90)}`;
      this.resumables.set(id, {
        clientId: caller.clientId,
        pieces: [],
        received: 0,
        total: declared === undefined ? null : Number(declared),
        fileName,
      });
      const host = exchange.headers.host ? `http://${exchange.headers.host}` : "";
      return {
        status: 200,
        headers: {
          "X-Goog-Upload-Status": "active",
          "X-Goog-Upload-URL": `${host}/v1/uploads?upload_id=${id}&upload_protocol=resumable`,
          "X-Goog-Upload-Chunk-Granularity": String(GRANULARITY),
          "X-GUploader-UploadID": id,
        },
        body: "",
      };
    }
    if (protocol !== "raw") {
      throw invalidArgument(`Unsupported X-Goog-Upload-Protocol: ${protocol}`);
    }
    if (exchange.bodyBytes === 0) throw invalidArgument("The upload is empty.");
    return textReply(200, this.newUploadToken(exchange.body, fileName, caller.clientId));
  }

  private newUploadToken(bytes: Buffer, fileName: string | undefined, clientId: string): string {
    const token = `CAIS${randomChars(180)}`;
    this.uploadTokens.set(token, {
      bytes,
      fileName,
      clientId,
      createdAt: this.options.now(),
      used: false,
    });
    return token;
  }

  /** Google's resumable upload protocol: upload / finalize / query commands by offset. */
  private resumableRequest(exchange: Exchange, uploadId: string): Reply {
    const upload = this.resumables.get(uploadId);
    if (!upload) throw photosError(404, "Requested entity was not found.");
    const commands = String(exchange.headers["x-goog-upload-command"] ?? "")
      .toLowerCase()
      .split(",")
      .map((each) => each.trim());
    const status = (state: string, extra: Record<string, string> = {}) => ({
      "X-Goog-Upload-Status": state,
      "X-Goog-Upload-Size-Received": String(upload.received),
      ...extra,
    });
    if (commands.includes("query")) {
      return { status: 200, headers: status(upload.token ? "final" : "active"), body: "" };
    }
    if (commands.includes("cancel")) {
      this.resumables.delete(uploadId);
      return { status: 200, headers: status("cancelled"), body: "" };
    }
    if (upload.token) {
      return { ...textReply(200, upload.token), headers: status("final") };
    }
    if (commands.includes("upload")) {
      const offset = Number(exchange.headers["x-goog-upload-offset"] ?? Number.NaN);
      if (offset !== upload.received) {
        return {
          status: 400,
          headers: status("active"),
          body: `Invalid request. The upload offset ${offset} does not match the ${upload.received} byte(s) received.`,
        };
      }
      const finalize = commands.includes("finalize");
      if (!finalize && exchange.body.length % GRANULARITY !== 0) {
        return {
          status: 400,
          headers: status("active"),
          body: `Invalid request. Chunks must be a multiple of ${GRANULARITY} bytes except the last.`,
        };
      }
      upload.pieces.push(exchange.body);
      upload.received += exchange.body.length;
    }
    if (commands.includes("finalize")) {
      if (upload.total !== null && upload.total !== upload.received) {
        return { status: 400, headers: status("active"), body: "Invalid request. Size mismatch." };
      }
      upload.token = this.newUploadToken(
        Buffer.concat(upload.pieces),
        upload.fileName,
        upload.clientId,
      );
      upload.pieces = [];
      return { ...textReply(200, upload.token), headers: status("final") };
    }
    return { status: 200, headers: status("active"), body: "" };
  }

  // ---- media items --------------------------------------------------------------------

  private batchCreate(exchange: Exchange): Reply {
    const caller = this.authenticate(exchange, APPEND);
    const body = readJsonObject(exchange);
    checkKnown(body, "batchCreate", "");
    const albumId = stringField(body.albumId, "album_id");
    const newItems = body.newMediaItems;
    if (newItems !== undefined && !Array.isArray(newItems)) {
      throw invalidArgument("Invalid JSON payload received. Invalid value at 'new_media_items'.");
    }
    const list = (newItems ?? []) as Json[];
    if (list.length === 0) throw invalidArgument("Request must contain newMediaItems.");
    if (list.length > MAX_BATCH) throw invalidArgument("Request must have less than 50 items.");
    const requests = list.map((each, index) => {
      const where = `new_media_items[${index}]`;
      const item = objectField(each, where) ?? {};
      checkKnown(item, "newMediaItem", where);
      const simple = objectField(item.simpleMediaItem, `${where}.simple_media_item`) ?? {};
      checkKnown(simple, "simpleMediaItem", `${where}.simple_media_item`);
      const uploadToken = stringField(
        simple.uploadToken,
        `${where}.simple_media_item.upload_token`,
      );
      if (!uploadToken) throw invalidArgument("Request must contain a valid upload token.");
      return {
        uploadToken,
        fileName: stringField(simple.fileName, `${where}.simple_media_item.file_name`),
        description: stringField(item.description, `${where}.description`),
      };
    });
    let album: Album | undefined;
    if (albumId !== undefined && albumId !== "") {
      album = this.albumsById.get(albumId);
      if (!album) throw invalidArgument("Invalid album ID.");
      if (album.clientId !== caller.clientId) {
        throw photosError(403, "No permission to add media items to this album.");
      }
    }
    const now = this.options.now();
    const results = requests.map((request) => {
      const upload = this.uploadTokens.get(request.uploadToken);
      if (
        !upload ||
        upload.used ||
        upload.clientId !== caller.clientId ||
        upload.createdAt + UPLOAD_TOKEN_LIFETIME_MS <= now
      ) {
        return { uploadToken: request.uploadToken, status: { code: 3, message: ITEM_FAILED } };
      }
      if ((request.description?.length ?? 0) > MAX_DESCRIPTION) {
        return {
          uploadToken: request.uploadToken,
          status: {
            code: 3,
            message: `Description must be shorter than ${MAX_DESCRIPTION} characters.`,
          },
        };
      }
      const media = sniffMedia(upload.bytes);
      if (!media) {
        return { uploadToken: request.uploadToken, status: { code: 3, message: BAD_IMAGE } };
      }
      upload.used = true;
      const size = media.video ? null : dimensions(upload.bytes, media.mimeType);
      const item: MediaItem = {
        id: `A${randomChars(67)}`,
        filename: request.fileName ?? upload.fileName ?? "",
        mimeType: media.mimeType,
        description: request.description || undefined,
        bytes: upload.bytes,
        clientId: caller.clientId,
        createdAt: now,
        width: size?.width,
        height: size?.height,
        video: media.video,
      };
      this.items.set(item.id, item);
      album?.mediaItemIds.push(item.id);
      return {
        uploadToken: request.uploadToken,
        status: { message: "Success" },
        mediaItem: this.itemResource(item),
      };
    });
    return this.reply(exchange, { newMediaItemResults: results });
  }

  private itemResource(item: MediaItem): JsonObject {
    return {
      id: item.id,
      description: item.description,
      productUrl: `https://photos.google.com/lr/photo/${item.id}`,
      mimeType: item.mimeType,
      mediaMetadata: {
        creationTime: rfc3339(item.createdAt),
        width: item.width === undefined ? undefined : String(item.width),
        height: item.height === undefined ? undefined : String(item.height),
        ...(item.video ? { video: { status: "READY" } } : { photo: {} }),
      },
      filename: item.filename,
    };
  }

  private getMediaItem(exchange: Exchange, id: string): Reply {
    const caller = this.authenticate(exchange, READ);
    const item = this.items.get(id);
    if (!item || item.clientId !== caller.clientId) {
      throw photosError(404, "Requested entity was not found.");
    }
    return this.reply(exchange, {
      ...this.itemResource(item),
      baseUrl: `https://lh3.googleusercontent.com/lr/${item.id}`,
    });
  }

  // ---- albums ---------------------------------------------------------------------------

  private createAlbum(exchange: Exchange): Reply {
    const caller = this.authenticate(exchange, CREATE_ALBUM);
    const body = readJsonObject(exchange);
    checkKnown(body, "createAlbum", "");
    const album = objectField(body.album, "album");
    if (!album) throw invalidArgument("Request must contain an album.");
    checkKnown(album, "album", "album");
    const title = stringField(album.title, "album.title") ?? "";
    if (title.length > MAX_TITLE) {
      throw invalidArgument(`Album title must be at most ${MAX_TITLE} characters long.`);
    }
    const created: Album = {
      id: `A${randomChars(67)}`,
      title,
      clientId: caller.clientId,
      mediaItemIds: [],
    };
    this.albumsById.set(created.id, created);
    return this.reply(exchange, {
      id: created.id,
      title: created.title,
      productUrl: albumUrl(created.id),
      isWriteable: true,
    });
  }

  private albumResource(album: Album): JsonObject {
    const cover = album.mediaItemIds[0];
    return {
      id: album.id,
      title: album.title,
      productUrl: albumUrl(album.id),
      isWriteable: true,
      mediaItemsCount:
        album.mediaItemIds.length > 0 ? String(album.mediaItemIds.length) : undefined,
      coverPhotoBaseUrl: cover ? `https://lh3.googleusercontent.com/lr/${cover}` : undefined,
      coverPhotoMediaItemId: cover,
    };
  }

  private ownAlbum(id: string, caller: Caller): Album {
    const album = this.albumsById.get(id);
    if (!album || album.clientId !== caller.clientId) {
      throw photosError(404, "Requested entity was not found.");
    }
    return album;
  }

  private getAlbum(exchange: Exchange, id: string): Reply {
    const caller = this.authenticate(exchange, READ);
    return this.reply(exchange, this.albumResource(this.ownAlbum(id, caller)));
  }

  private listAlbums(exchange: Exchange): Reply {
    const caller = this.authenticate(exchange, READ);
    const params = exchange.url.searchParams;
    const pageSize = Math.min(50, Math.max(1, Number(params.get("pageSize") ?? 20) || 20));
    const offset = params.get("pageToken")
      ? Number(Buffer.from(params.get("pageToken") as string, "base64url").toString())
      : 0;
    if (!Number.isInteger(offset) || offset < 0) throw invalidArgument("Invalid page token.");
    const own = [...this.albumsById.values()].filter((album) => album.clientId === caller.clientId);
    const page = own.slice(offset, offset + pageSize);
    const next = offset + pageSize < own.length ? offset + pageSize : undefined;
    return this.reply(exchange, {
      albums: page.length > 0 ? page.map((album) => this.albumResource(album)) : undefined,
      nextPageToken:
        next === undefined ? undefined : Buffer.from(String(next)).toString("base64url"),
    });
  }

  private batchAddMediaItems(exchange: Exchange, id: string): Reply {
    const caller = this.authenticate(exchange, EDIT);
    const album = this.ownAlbum(id, caller);
    const body = readJsonObject(exchange);
    checkKnown(body, "batchAdd", "");
    const ids = body.mediaItemIds;
    if (!Array.isArray(ids) || ids.length === 0) {
      throw invalidArgument("Request must contain mediaItemIds.");
    }
    if (ids.length > MAX_BATCH) throw invalidArgument("Request must have less than 50 items.");
    for (const each of ids) {
      const item = typeof each === "string" ? this.items.get(each) : undefined;
      if (!item || item.clientId !== caller.clientId) {
        throw invalidArgument("Request contains an invalid media item id.");
      }
    }
    for (const each of ids as string[]) {
      if (!album.mediaItemIds.includes(each)) album.mediaItemIds.push(each);
    }
    return this.reply(exchange, {});
  }

  /** albums.share/unshare and sharedAlbums.*: the scope they need no longer exists. */
  private sharing(exchange: Exchange): Reply {
    this.authenticate(exchange, [
      PHOTOS_SCOPES.appendOnly,
      PHOTOS_SCOPES.readAppCreated,
      PHOTOS_SCOPES.editAppCreated,
      ...SHARING,
    ]);
    throw insufficientScopes(SHARING, null);
  }
}

const albumUrl = (id: string) => `https://photos.google.com/lr/album/${id}`;
