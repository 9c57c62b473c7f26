// Drive's upload protocols: multipart/related bodies (a JSON metadata part, then the media
// part) and resumable sessions (initiate → PUT chunks with Content-Range → 308 with Range
// while incomplete → 200 with the File; `bytes */N` asks how much arrived).
//
// Interrupted chunks: Google's upload servers persist what arrived in whole 256 KiB units,
// so a PUT whose connection drops keeps its bytes up to the last 256 KiB boundary it reached
// (counted from the start of the upload); the status query then reports that. A chunk that
// is not the last and not a multiple of 256 KiB is cut down the same way (and refused when
// shorter than 256 KiB), as the upload server's 400 text says.

import { GoogleError, type JsonObject, randomChars } from "./google-wire.ts";

export const CHUNK_GRANULARITY = 256 * 1024;
const SESSION_LIFETIME_MS = 7 * 24 * 3600 * 1000;

const badRequest = (message: string) => new GoogleError(400, message, { reason: "badRequest" });

/** The two parts of a multipart/related upload. */
export interface MultipartUpload {
  metadata: JsonObject;
  content: Buffer;
  mediaType: string;
}

function headerBlock(part: Buffer): { headers: Record<string, string>; body: Buffer } {
  const end = part.indexOf("\r\n\r\n");
  if (part.subarray(0, 2).toString() === "\r\n") return { headers: {}, body: part.subarray(2) };
  if (end < 0) throw badRequest("Malformed multipart body.");
  const headers: Record<string, string> = {};
  for (const line of part.subarray(0, end).toString("latin1").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw badRequest("Malformed multipart body.");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body: part.subarray(end + 4) };
}

/** Splits a multipart body at its boundary (RFC 2046: delimiters are CRLF--boundary). */
export function parseMultipart(contentType: string, body: Buffer): MultipartUpload {
  const boundary = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const value = boundary?.[1] ?? boundary?.[2];
  if (!/^multipart\/related/i.test(contentType) || !value) {
    throw badRequest(
      `Bad content type. Please use multipart/related with a boundary; got ${contentType || "none"}.`,
    );
  }
  const delimiter = Buffer.from(`--${value}`);
  const separator = Buffer.from(`\r\n--${value}`);
  let at = body.indexOf(delimiter);
  if (at < 0) throw badRequest("Malformed multipart body.");
  at += delimiter.length;
  const parts: Buffer[] = [];
  for (;;) {
    if (body.subarray(at, at + 2).toString() === "--") break;
    while (body[at] === 0x20 || body[at] === 0x09) at += 1;
    if (body[at] !== 0x0d || body[at + 1] !== 0x0a) throw badRequest("Malformed multipart body.");
    at += 2;
    const next = body.indexOf(separator, at);
    if (next < 0) throw badRequest("Malformed multipart body.");
    parts.push(body.subarray(at, next));
    at = next + separator.length;
  }
  if (parts.length !== 2) {
    throw badRequest(
      `Multipart uploads need a metadata part and a media part, not ${parts.length}.`,
    );
  }
  const [first, second] = parts.map(headerBlock) as [
    ReturnType<typeof headerBlock>,
    ReturnType<typeof headerBlock>,
  ];
  const metadataType = first.headers["content-type"] ?? "application/json";
  if (!/^application\/json/i.test(metadataType)) {
    throw badRequest(`The metadata part must be application/json, not ${metadataType}.`);
  }
  let metadata: unknown;
  try {
    const text = first.body.toString("utf8").trim();
    metadata = text === "" ? {} : JSON.parse(text);
  } catch {
    throw new GoogleError(400, "Parse Error", { reason: "parseError" });
  }
  if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) {
    throw new GoogleError(400, "Parse Error", { reason: "parseError" });
  }
  const encoding = (second.headers["content-transfer-encoding"] ?? "").toLowerCase();
  const content =
    encoding === "base64" ? Buffer.from(second.body.toString(), "base64") : second.body;
  return {
    metadata: metadata as JsonObject,
    content,
    mediaType: second.headers["content-type"] ?? "application/octet-stream",
  };
}

export interface SessionStart {
  /** The file whose content the upload replaces (files.update), or null for files.create. */
  fileId: string | null;
  metadata: JsonObject;
  /** X-Upload-Content-Type. */
  mediaType: string | null;
  /** X-Upload-Content-Length, when given. */
  total: number | null;
  /** The request's query (fields, addParents…), applied when the upload completes. */
  query: URLSearchParams;
  clientId: string;
  scopes: ReadonlySet<string>;
}

export interface Session extends SessionStart {
  id: string;
  createdAt: number;
  pieces: Buffer[];
  /**
   * The whole file, once its size is known from the first chunk: chunks are written into it
   * as they arrive (see bodyTarget), and `pieces` stays empty.
   */
  buffer?: Buffer;
  /** A chunk is being written into `buffer` as it arrives. */
  receiving?: boolean;
  received: number;
  /** The File id once the upload completed. */
  completedFileId?: string;
}

export type PutOutcome =
  | { kind: "incomplete"; received: number }
  | { kind: "complete"; content: Buffer }
  | { kind: "completed-before"; fileId: string };

type ContentRange =
  | { kind: "query"; total: number | null }
  | { kind: "chunk"; start: number; end: number; total: number | null };

function parseContentRange(header: string | undefined, length: number): ContentRange {
  if (header === undefined) {
    // A PUT without Content-Range carries the whole file.
    return length === 0
      ? { kind: "query", total: 0 }
      : { kind: "chunk", start: 0, end: length - 1, total: length };
  }
  const query = /^bytes \*\/(\d+|\*)$/.exec(header.trim());
  if (query) return { kind: "query", total: query[1] === "*" ? null : Number(query[1]) };
  const chunk = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header.trim());
  if (!chunk) throw badRequest("Failed to parse Content-Range header.");
  const start = Number(chunk[1]);
  const end = Number(chunk[2]);
  const total = chunk[3] === "*" ? null : Number(chunk[3]);
  if (end < start || (total !== null && end >= total)) {
    throw badRequest("Failed to parse Content-Range header.");
  }
  return { kind: "chunk", start, end, total };
}

export class ResumableSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
  }

  start(start: SessionStart): Session {
    const session: Session = {
      ...start,
      id: `AUc${randomChars(90)}`,
      createdAt: this.now(),
      pieces: [],
      received: 0,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session, or a 404 (unknown, cancelled or older than a week). */
  find(uploadId: string): Session {
    const session = this.sessions.get(uploadId);
    if (!session || session.createdAt + SESSION_LIFETIME_MS <= this.now()) {
      throw new GoogleError(404, "Not Found", { reason: "notFound" });
    }
    return session;
  }

  cancel(uploadId: string): void {
    this.find(uploadId);
    this.sessions.delete(uploadId);
  }

  /** One PUT to the session URI. */
  put(session: Session, contentRange: string | undefined, body: Buffer): PutOutcome {
    session.receiving = false;
    const range = parseContentRange(contentRange, body.length);
    if (session.completedFileId !== undefined) {
      return { kind: "completed-before", fileId: session.completedFileId };
    }
    if (range.total !== null) {
      if (session.total !== null && session.total !== range.total) {
        throw badRequest(
          `Invalid request. According to the Content-Range header, the upload size is ${range.total} byte(s), which differs from the ${session.total} byte(s) the upload was started with.`,
        );
      }
      if (range.total < session.received) {
        throw badRequest(
          `Invalid request. According to the Content-Range header, the upload size is ${range.total} byte(s), which is less than the ${session.received} byte(s) already uploaded.`,
        );
      }
      session.total = range.total;
    }
    if (session.buffer && session.buffer.length !== session.total) {
      // Sized by a chunk that claimed another total: back to pieces.
      session.pieces = [session.buffer.subarray(0, session.received)];
      session.buffer = undefined;
    }
    if (range.kind === "query") {
      if (body.length > 0) throw badRequest("Failed to parse Content-Range header.");
      return session.total !== null && session.received === session.total
        ? { kind: "complete", content: this.content(session) }
        : { kind: "incomplete", received: session.received };
    }
    const { start, end } = range;
    const length = end - start + 1;
    if (body.length !== length) {
      throw badRequest(
        `Invalid request. The Content-Range header says ${length} byte(s), but the request contained ${body.length} byte(s).`,
      );
    }
    if (start > session.received) {
      throw badRequest(
        `Invalid request. According to the Content-Range header, the upload offset is ${start} byte(s), which exceeds already uploaded size of ${session.received} byte(s).`,
      );
    }
    const last = session.total !== null && end + 1 === session.total;
    if (!last && length < CHUNK_GRANULARITY) {
      throw badRequest(
        `Invalid request. The number of bytes uploaded is required to be equal or greater than ${CHUNK_GRANULARITY}, except for the final request (it's recommended to be the exact multiple of ${CHUNK_GRANULARITY}). The received request contained ${length} bytes, which does not meet this requirement.`,
      );
    }
    const reach = last ? end + 1 : Math.floor((end + 1) / CHUNK_GRANULARITY) * CHUNK_GRANULARITY;
    this.append(session, start, body, reach);
    return last && session.received === session.total
      ? { kind: "complete", content: this.content(session) }
      : { kind: "incomplete", received: session.received };
  }

  /**
   * Where the body of a PUT can go as it arrives: its place in the file, for the chunk that
   * continues the upload, when the file's size is known and no other chunk is arriving.
   */
  bodyTarget(
    uploadId: string,
    contentRange: string | undefined,
    length: number,
  ): Buffer | undefined {
    const session = this.sessions.get(uploadId);
    if (!session || session.completedFileId !== undefined || session.receiving) return undefined;
    let range: ContentRange;
    try {
      range = parseContentRange(contentRange, length);
    } catch {
      return undefined;
    }
    const total = range.total ?? session.total;
    const agreed = range.total === null || session.total === null || range.total === session.total;
    if (range.kind !== "chunk" || total === null || !agreed || range.start !== session.received) {
      return undefined;
    }
    if (range.end - range.start + 1 !== length || range.end >= total) return undefined;
    if (!session.buffer) {
      if (session.received > 0) return undefined;
      session.buffer = Buffer.allocUnsafe(total);
    }
    if (session.buffer.length !== total) return undefined;
    session.receiving = true;
    return session.buffer.subarray(range.start, range.end + 1);
  }

  /** A PUT whose connection dropped: keep what arrived, in whole 256 KiB units. */
  keepInterrupted(uploadId: string, contentRange: string | undefined, arrived: Buffer): void {
    const session = this.sessions.get(uploadId);
    if (!session || session.completedFileId !== undefined) return;
    session.receiving = false;
    const start = /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(contentRange?.trim() ?? "")?.[1];
    const offset = start === undefined ? (contentRange === undefined ? 0 : null) : Number(start);
    if (offset === null || offset > session.received) return;
    const units = (bytes: number) => Math.floor(bytes / CHUNK_GRANULARITY) * CHUNK_GRANULARITY;
    // An interrupted request never completes the upload, even when every byte arrived.
    const limit = session.total === null ? Number.POSITIVE_INFINITY : units(session.total - 1);
    this.append(session, offset, arrived, Math.min(units(offset + arrived.length), limit));
  }

  markCompleted(session: Session, fileId: string): void {
    session.completedFileId = fileId;
    session.pieces = [];
  }

  private append(session: Session, start: number, body: Buffer, reach: number): void {
    if (reach <= session.received) return;
    const piece = body.subarray(session.received - start, reach - start);
    const { buffer } = session;
    if (!buffer) session.pieces.push(piece);
    else if (
      piece.byteOffset !== buffer.byteOffset + session.received ||
      piece.buffer !== buffer.buffer
    ) {
      piece.copy(buffer, session.received);
    }
    session.received = reach;
  }

  private content(session: Session): Buffer {
    if (session.buffer) return session.buffer.subarray(0, session.received);
    return Buffer.concat(session.pieces, session.received);
  }
}
