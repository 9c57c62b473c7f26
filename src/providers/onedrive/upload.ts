// Uploads to OneDrive: small files with one PUT …:/name:/content (conflictBehavior=fail),
// larger ones through an upload session in fragments that are multiples of 320 KiB, streamed
// from disk; after a dropped connection the session says what it still needs
// (nextExpectedRanges) and the rest goes from there. The session's uploadUrl is
// pre-authenticated: it never gets the Authorization header, and is checked (https on one of
// Microsoft's upload hosts, or the emulator's base) before anything is sent to it. A session
// that will not finish (Ctrl-C, a final failure) is cancelled with DELETE.

import { providerError } from "../../lib/errors.ts";
import { withoutControls } from "../../lib/text.ts";
import { alteredAnswerHint, providerFetch } from "../guarded-fetch.ts";
import type { Destination, LocalFile, UploadedFile, UploadProgress } from "../provider.ts";
import {
  chunkBytesFor,
  FilePart,
  isStrayNextByte,
  type UploadFolder,
  uploadIntoFolder,
} from "../transfer.ts";
import { GraphHttpError, graphErrorOf, LABEL } from "./errors.ts";
import { sendFolderOf } from "./folders.ts";
import { call, type GraphItem, type GraphSession, graphRequest, itemPath } from "./session.ts";

/** Microsoft: a simple PUT for files up to 250 MB; a session (resumable) pays off above 4 MiB. */
const SIMPLE_MAX = 4 * 1024 * 1024;
/** Fragments must be multiples of 320 KiB, at most 60 MiB. */
export const FRAGMENT_UNIT = 320 * 1024;
const MAX_FRAGMENT = 192 * FRAGMENT_UNIT;
const UPLOAD_CONCURRENCY = 4;

/** Hosts Microsoft hands out upload URLs on (personal and work accounts). */
const UPLOAD_HOSTS = ["api.onedrive.com", "graph.microsoft.com"];
const UPLOAD_HOST_SUFFIXES = [
  ".microsoftpersonalcontent.com",
  ".1drv.com",
  ".livefilestore.com",
  ".sharepoint.com",
];

/** Into the album's folder, or else into the send's own folder (folders.ts). */
export async function upload(
  s: GraphSession,
  files: LocalFile[],
  destination: Destination,
  onProgress: UploadProgress,
  concurrency = UPLOAD_CONCURRENCY,
): Promise<UploadedFile[]> {
  return uploadIntoFolder(
    files,
    destination,
    { authorized: s.authorized, concurrency },
    {
      makeSendFolder: (id) => sendFolderOf(s, id),
      removeFolder: (itemId) => graphRequest(s, itemPath(itemId), { method: "DELETE" }),
    },
    (file, parent) => uploadOne(s, file, parent, onProgress),
  );
}

async function uploadOne(
  s: GraphSession,
  file: LocalFile,
  parent: UploadFolder,
  onProgress: UploadProgress,
): Promise<UploadedFile> {
  const item =
    file.bytes <= SIMPLE_MAX
      ? await simpleUpload(s, file, parent, onProgress)
      : await sessionUpload(s, file, parent, onProgress);
  if (!item) {
    throw providerError(
      `${parent.path} already holds another ${file.name}, so dmshare did not upload it there.`,
      "Send it again: each send gets a folder of its own.",
    );
  }
  if (typeof item.id !== "string" || item.size !== file.bytes) {
    throw providerError(
      `${LABEL} did not confirm the upload of ${file.name} (size ${String(item.size)} for ${file.bytes} bytes).`,
      "Try again; dmshare revoke --delete-files removes what arrived.",
    );
  }
  // conflictBehavior=fail: the file made has exactly this name, in this folder. An answer
  // naming another file must not be shared in its place.
  const parentId = item.parentReference?.id;
  if (
    item.name?.toLowerCase() !== file.name.toLowerCase() ||
    (parentId !== undefined && parentId !== parent.id)
  ) {
    throw providerError(
      `${LABEL} answered the upload of ${file.name} with another file (${withoutControls(String(item.name))}); dmshare shares nothing.`,
      alteredAnswerHint(LABEL),
    );
  }
  return {
    localPath: file.path,
    bytes: file.bytes,
    remoteId: item.id,
    remotePath: withoutControls(`${parent.path}/${item.name ?? file.name}`),
    ...(parent.sendFolder && { sendFolder: parent.sendFolder }),
  };
}

const childPath = (parent: UploadFolder, name: string, action: string) =>
  `${itemPath(parent.id)}:/${encodeURIComponent(name)}:/${action}`;

/**
 * One PUT of the whole file; undefined when the name is taken. A retry that finds the name
 * taken after an attempt whose answer was lost takes the file that attempt made, when it is
 * the same size.
 */
async function simpleUpload(
  s: GraphSession,
  file: LocalFile,
  parent: UploadFolder,
  onProgress: UploadProgress,
): Promise<GraphItem | undefined> {
  let attempts = 0;
  const url = `${childPath(parent, file.name, "content")}?@microsoft.graph.conflictBehavior=fail`;
  const result = await call<GraphItem | typeof NAME_TAKEN>(
    s,
    `upload ${file.name}`,
    async () => {
      attempts += 1;
      const { data } = await graphRequest<GraphItem>(s, url, {
        method: "PUT",
        body: new FilePart(file, 0, file.bytes, onProgress),
        contentType: "application/octet-stream",
        signal: s.ctx.signal,
      });
      return data;
    },
    (error) => (isNameTaken(error) ? NAME_TAKEN : undefined),
  );
  if (result !== NAME_TAKEN) return result;
  if (attempts === 1) return undefined;
  return sameFileIn(s, parent, file);
}

const NAME_TAKEN = Symbol("name taken");

const isNameTaken = (error: unknown) =>
  error instanceof GraphHttpError && (error.status === 409 || error.code === "nameAlreadyExists");

async function existingChild(s: GraphSession, parent: UploadFolder, name: string) {
  return call(
    s,
    `look up ${name}`,
    async () =>
      (await graphRequest<GraphItem>(s, `${itemPath(parent.id)}:/${encodeURIComponent(name)}`))
        .data,
    (error) => (error.status === 404 ? null : undefined),
  );
}

/** The file named like `file` in `parent` when it has its size: an earlier attempt's. */
async function sameFileIn(s: GraphSession, parent: UploadFolder, file: LocalFile) {
  const earlier = await existingChild(s, parent, file.name);
  return earlier?.size === file.bytes ? earlier : undefined;
}

interface UploadSessionAnswer {
  uploadUrl?: unknown;
  nextExpectedRanges?: unknown;
}

/**
 * An upload session: fragments of about an eighth of the file (a multiple of 320 KiB, at most
 * 60 MiB); after a failure the session is asked what it still needs. Cancelled when it will
 * not finish. undefined when the name is taken.
 */
async function sessionUpload(
  s: GraphSession,
  file: LocalFile,
  parent: UploadFolder,
  onProgress: UploadProgress,
): Promise<GraphItem | undefined> {
  const { name } = file;
  const created = await call(
    s,
    `start uploading ${name}`,
    async () =>
      (
        await graphRequest<UploadSessionAnswer>(s, childPath(parent, name, "createUploadSession"), {
          method: "POST",
          json: {
            item: {
              "@microsoft.graph.conflictBehavior": "fail",
              name,
              fileSystemInfo: { lastModifiedDateTime: file.modifiedAt.toISOString() },
            },
          },
        })
      ).data,
    (error) => (isNameTaken(error) ? null : undefined),
  );
  if (created === null) return undefined;
  const uploadUrl = checkedUploadUrl(s, created.uploadUrl);
  const session = new UploadSession(s, uploadUrl, file, onProgress, () =>
    sameFileIn(s, parent, file),
  );
  try {
    return await call(s, `upload ${file.name}`, () => session.sendRest());
  } catch (error) {
    await session.cancel();
    throw error;
  }
}

/** The uploadUrl, when it is https on a Microsoft upload host (or the emulator's base). */
function checkedUploadUrl(s: GraphSession, given: unknown): URL {
  const refuse = (why: string) =>
    providerError(
      `${LABEL} gave an upload address dmshare does not trust (${why}); it sent nothing there.`,
      alteredAnswerHint(LABEL),
    );
  if (typeof given !== "string") throw refuse("no address");
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw refuse("not a URL");
  }
  if (url.username || url.password) throw refuse("it carries credentials");
  if (s.overridden) {
    if (url.origin !== new URL(s.base).origin) throw refuse(`${url.host} is not the API's host`);
    return url;
  }
  const host = url.hostname.toLowerCase();
  const microsoft =
    UPLOAD_HOSTS.includes(host) || UPLOAD_HOST_SUFFIXES.some((suffix) => host.endsWith(suffix));
  if (url.protocol !== "https:" || url.port !== "" || !microsoft) {
    throw refuse(`${url.protocol}//${url.host} is not one of Microsoft's upload hosts`);
  }
  return url;
}

class UploadSession {
  private readonly fetch: typeof fetch;
  private readonly url: URL;
  private readonly file: LocalFile;
  private readonly onProgress: UploadProgress;
  private readonly fragmentBytes: number;
  private readonly signal: AbortSignal;
  private readonly rawFetch: typeof fetch;
  private readonly madeBefore: () => Promise<GraphItem | undefined>;
  private offset = 0;
  private askFirst = false;
  /** The last fragment went out (its answer may still have been lost). */
  private sentLast = false;

  constructor(
    s: GraphSession,
    url: URL,
    file: LocalFile,
    onProgress: UploadProgress,
    madeBefore: () => Promise<GraphItem | undefined>,
  ) {
    this.madeBefore = madeBefore;
    // Only this host, and never the Authorization header (the URL is the credential).
    this.fetch = providerFetch(s.ctx, LABEL, [url.host]);
    this.rawFetch = s.ctx.fetch;
    this.signal = s.ctx.signal;
    this.url = url;
    this.file = file;
    this.onProgress = onProgress;
    const size = chunkBytesFor(file.bytes, { multiple: FRAGMENT_UNIT, min: 16 * FRAGMENT_UNIT });
    this.fragmentBytes = Math.min(MAX_FRAGMENT, size);
  }

  /** Sends what the session still needs; the driveItem once the last byte arrived. */
  async sendRest(): Promise<GraphItem> {
    if (this.askFirst) {
      const resumed = await this.resume();
      if (resumed) return resumed;
    }
    this.askFirst = true;
    const total = this.file.bytes;
    for (;;) {
      const end = Math.min(total, this.offset + this.fragmentBytes);
      if (end === total) this.sentLast = true;
      const response = await this.fetch(this.url, {
        method: "PUT",
        headers: { "Content-Range": `bytes ${this.offset}-${end - 1}/${total}` },
        body: new FilePart(this.file, this.offset, end, this.onProgress),
        signal: this.signal,
      } as RequestInit);
      if (!response.ok) throw await graphErrorOf(response);
      const answer = (await response.json()) as GraphItem & UploadSessionAnswer;
      if (response.status === 200 || response.status === 201) {
        if (end === total) return answer;
        throw unreadableSession(`it said the file was complete before its last part was sent`);
      }
      // The next byte must follow what was just acknowledged, within what was sent: a session
      // pointing back (again and again) or past bytes never sent is not to be followed.
      const next = nextStart(answer.nextExpectedRanges, end);
      if (isStrayNextByte(next, this.offset, end, total)) {
        throw unreadableSession(`it asked for byte ${next} after bytes ${this.offset}-${end - 1}`);
      }
      this.offset = next;
    }
  }

  /**
   * After a failure: where the session wants the next byte; or, when the session is gone
   * after its last fragment went out (the answer was lost, the file was made), that file.
   */
  private async resume(): Promise<GraphItem | undefined> {
    try {
      this.offset = await this.nextExpected();
      return undefined;
    } catch (error) {
      if (!this.sentLast || !(error instanceof GraphHttpError) || error.status !== 404) throw error;
      const made = await this.madeBefore();
      if (made) return made;
      throw error;
    }
  }

  /** Where the session wants the next byte, from GET on the upload URL. */
  private async nextExpected(): Promise<number> {
    const response = await this.fetch(this.url, { signal: this.signal });
    if (!response.ok) throw await graphErrorOf(response);
    const answer = (await response.json()) as UploadSessionAnswer;
    const next = nextStart(answer.nextExpectedRanges, 0);
    if (next >= this.file.bytes) {
      throw unreadableSession(`it asked for byte ${next} of a ${this.file.bytes}-byte file`);
    }
    return next;
  }

  /** DELETE on the upload URL, also after Ctrl-C (with its own short time bound). */
  async cancel(): Promise<void> {
    try {
      await this.rawFetch(this.url, {
        method: "DELETE",
        redirect: "manual",
        signal: AbortSignal.timeout(10_000),
      });
    } catch {
      // An unfinished session expires on its own; the send's error matters more.
    }
  }
}

/** An upload session that answered what no session does: nothing more is sent to it. */
const unreadableSession = (why: string) =>
  providerError(
    `${LABEL} answered dmshare's upload session wrongly (${why}); dmshare cancelled the upload and shares nothing.`,
    alteredAnswerHint(LABEL),
  );

/** The first byte of the first range (`"26-"`, `"26-99"`), checked to lie in the file. */
function nextStart(ranges: unknown, fallback: number): number {
  const first = Array.isArray(ranges) ? ranges[0] : undefined;
  const match = typeof first === "string" ? /^(\d+)-(\d*)$/.exec(first) : null;
  if (!match) {
    if (ranges === undefined) return fallback;
    throw unreadableSession("dmshare can't read where it wants the next byte");
  }
  return Number(match[1]);
}
