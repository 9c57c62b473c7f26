// Upload sessions: sequential ones check offsets, concurrent ones take 4 MiB-aligned pieces in any
// order; both end in upload_session/finish or finish_batch_v2.

import { randomBytes } from "node:crypto";
import type {
  UploadSessionAppendArg,
  UploadSessionCursor,
  UploadSessionFinishArg,
  UploadSessionStartArg,
} from "./dropbox-args.ts";
import { FileContent, hashSoon } from "./dropbox-files.ts";
import { type Json, RouteError, union } from "./dropbox-wire.ts";

const PIECE = 4 * 1024 * 1024;
const MAX_FILE_BYTES = 2 ** 41 - 2 ** 22;
const SESSION_LIFETIME_MS = 7 * 24 * 3600 * 1000;

interface UploadSession {
  concurrent: boolean;
  createdAt: number;
  /** Received bytes by offset. */
  pieces: Map<number, Buffer>;
  /** Sequential: bytes received so far; concurrent: end of the closing piece. */
  length: number;
  closed: boolean;
  committed: boolean;
}

/** An UploadSessionLookupError member, as append reports it at the top level. */
function lookupError(tag: string, value?: Json): { tags: string[]; error: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? { tags: [tag], error: { ".tag": tag, ...value } }
    : { tags: [tag], error: union(tag, value) };
}

const incorrectOffset = (correct: number) =>
  lookupError("incorrect_offset", { correct_offset: correct });

/** Finish nests lookup errors under `lookup_failed`. */
function lookupFailed(problem: { tags: string[]; error: Json }): RouteError {
  return new RouteError(["lookup_failed", ...problem.tags], union("lookup_failed", problem.error));
}

const topLevel = (problem: { tags: string[]; error: Json }) =>
  new RouteError(problem.tags, problem.error);

export class UploadSessions {
  private readonly sessions = new Map<string, UploadSession>();
  private readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
  }

  start(arg: UploadSessionStartArg, body: Buffer): string {
    const concurrent = arg.session_type?.tag === "concurrent";
    if (concurrent && body.length > 0) {
      throw new RouteError(
        ["concurrent_session_data_not_allowed"],
        union("concurrent_session_data_not_allowed"),
      );
    }
    if (concurrent && arg.close) {
      throw new RouteError(
        ["concurrent_session_close_not_allowed"],
        union("concurrent_session_close_not_allowed"),
      );
    }
    return this.create(concurrent, body, arg.close);
  }

  /** A session already holding the bytes of a failed files/upload, for retrying the commit. */
  holding(content: Buffer): string {
    return this.create(false, content, false);
  }

  append(arg: UploadSessionAppendArg, body: Buffer): void {
    const session = this.find(arg.cursor.session_id);
    if (!session) throw topLevel(lookupError("not_found"));
    if (session.closed) throw topLevel(lookupError("closed"));
    const { offset } = arg.cursor;
    if (session.concurrent) {
      if (offset % PIECE !== 0) throw topLevel(lookupError("concurrent_session_invalid_offset"));
      if (!arg.close && body.length % PIECE !== 0) {
        throw topLevel(lookupError("concurrent_session_invalid_data_size"));
      }
    } else if (offset !== session.length) {
      throw topLevel(incorrectOffset(session.length));
    }
    if (offset + body.length > MAX_FILE_BYTES) throw topLevel(lookupError("too_large"));
    session.pieces.set(offset, body);
    hashSoon(body);
    if (session.concurrent) {
      if (arg.close) session.length = offset + body.length;
    } else {
      session.length += body.length;
    }
    session.closed = arg.close;
  }

  /**
   * Checks a finish request and takes its last bytes; returns the whole content. `batch` is
   * finish_batch_v2, which carries no bytes and needs closed sessions. Throws RouteError with an
   * UploadSessionFinishError.
   */
  finishContent(arg: UploadSessionFinishArg, body: Buffer, batch: boolean): FileContent {
    const { session_id: id, offset } = arg.cursor;
    const session = this.find(id);
    if (!session) throw lookupFailed(lookupError("not_found"));
    if (session.committed) throw lookupFailed(lookupError("closed"));
    if (session.concurrent) return this.concurrentContent(session, arg.cursor, body);
    if (batch && !session.closed) throw lookupFailed(lookupError("not_closed"));
    if (offset !== session.length) throw lookupFailed(incorrectOffset(session.length));
    if (body.length > 0) {
      if (session.closed) throw lookupFailed(lookupError("closed"));
      if (offset + body.length > MAX_FILE_BYTES) throw lookupFailed(lookupError("too_large"));
      session.pieces.set(offset, body);
      session.length += body.length;
    }
    return new FileContent(
      [...session.pieces.entries()].sort(([a], [b]) => a - b).map(([, piece]) => piece),
    );
  }

  markCommitted(id: string): void {
    const session = this.sessions.get(id);
    if (session) {
      session.committed = true;
      session.closed = true;
    }
  }

  private concurrentContent(
    session: UploadSession,
    cursor: UploadSessionCursor,
    body: Buffer,
  ): FileContent {
    if (body.length > 0) {
      throw new RouteError(
        ["concurrent_session_data_not_allowed"],
        union("concurrent_session_data_not_allowed"),
      );
    }
    if (!session.closed) {
      throw new RouteError(
        ["concurrent_session_not_closed"],
        union("concurrent_session_not_closed"),
      );
    }
    const pieces = [...session.pieces.entries()].sort(([a], [b]) => a - b);
    let end = 0;
    for (const [offset, piece] of pieces) {
      if (offset !== end) break;
      end += piece.length;
    }
    if (end !== session.length) {
      throw new RouteError(
        ["concurrent_session_missing_data"],
        union("concurrent_session_missing_data"),
      );
    }
    if (cursor.offset !== session.length) throw lookupFailed(incorrectOffset(session.length));
    return new FileContent(pieces.map(([, piece]) => piece));
  }

  private create(concurrent: boolean, content: Buffer, closed: boolean): string {
    const id = `pid_upload_session:${randomBytes(36).toString("base64url")}`;
    this.sessions.set(id, {
      concurrent,
      createdAt: this.now(),
      pieces: new Map(content.length > 0 ? [[0, content]] : []),
      length: content.length,
      closed,
      committed: false,
    });
    hashSoon(content);
    return id;
  }

  private find(id: string): UploadSession | undefined {
    const session = this.sessions.get(id);
    if (session && this.now() - session.createdAt > SESSION_LIFETIME_MS) return undefined;
    return session;
  }
}
