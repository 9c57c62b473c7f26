import type { Ctx } from "../context.ts";
import type { LinkIdentity, RemoteItem } from "../lib/link-records.ts";
import type { CredentialStore } from "../store/credentials.ts";

export type { RemoteItem } from "../lib/link-records.ts";

import type { ProviderName } from "./names.ts";

export { type ProviderName, tokenVariable } from "./names.ts";

/**
 * What a provider can honour. The core refuses an option a provider can't honour before
 * anything is uploaded; a flag is never silently ignored.
 */
export interface Capabilities extends LinkOptions {
  /** Anyone with the URL can view (it implements LinkSharer); false: only a private album. */
  publicLinks: boolean;
  /** It implements LinkRevoker. */
  revoke: boolean;
  /** Uploaded files can be deleted again (it implements Deleter). */
  deleteFiles: boolean;
}

/** The capabilities that are about the provider's links and albums, not its operations. */
export interface LinkOptions {
  albums: boolean;
  /** Link expiry enforced by the provider (it may still depend on the account's plan). */
  expiry: boolean;
  /** Viewers can't download (it may still depend on the account's plan). */
  noDownload: boolean;
  /** Viewers must type a password (it may still depend on the account's plan). */
  password: boolean;
}

export interface LocalFile {
  /** The file the user named. */
  path: string;
  /** Where the bytes to upload are: a prepared private copy (metadata removed), or `path`. */
  contentPath: string;
  /** The name the file gets remotely. */
  name: string;
  bytes: number;
  mime: string;
  /** The file's modification time, kept as the remote "client modified" time. */
  modifiedAt: Date;
}

export interface UploadedFile extends RemoteItem {
  localPath: string;
  bytes: number;
}

export interface FileFailure {
  file: LocalFile;
  error: unknown;
}

/**
 * Some files of an album arrived and some did not (after retries). `upload` throws it so the
 * core can choose: share what arrived (`--partial`) or clean it up.
 */
export class IncompleteUpload extends Error {
  readonly uploaded: UploadedFile[];
  readonly failures: FileFailure[];

  constructor(uploaded: UploadedFile[], failures: FileFailure[]) {
    super(`${failures.length} of ${uploaded.length + failures.length} files did not upload`, {
      cause: failures[0]?.error,
    });
    this.name = "IncompleteUpload";
    this.uploaded = uploaded;
    this.failures = failures;
  }
}

export interface ShareOptions {
  expiresAt: Date | null;
  noDownload: boolean;
  /** The password viewers must type. `checkShareOptions` only looks at whether it is set. */
  password?: string;
}

export interface SharedLink {
  url: string;
  expiresAt: Date | null;
  /** True when the provider already had a matching link for this item. */
  reused: boolean;
  /** What the provider said identifies the link, beyond its URL (Drive's permission id…). */
  identity?: LinkIdentity;
}

export interface LinkToRevoke {
  /** Null when dmshare stopped between making the link and recording it. */
  url: string | null;
  target: RemoteItem | null;
}

export type RevokeOutcome = "revoked" | "already-revoked";

/** A link that works (or has only expired) at the provider. */
export interface LiveLink {
  url: string;
  /** The provider's own expiry, if the link has one. */
  expiresAt: Date | null;
}

/** What the provider says about one item dmshare shared (for `sync`). */
export interface LinkState {
  /** `gone`: the item was deleted (or trashed) at the provider, so no link to it works. */
  item: "present" | "gone";
  links: LiveLink[];
}

/** A link the provider has to something in dmshare's folder (for `sync` to adopt). */
export interface ProviderLink extends LiveLink {
  kind: "photo" | "album";
  name: string;
  target: RemoteItem;
  /** When the item was uploaded, if the provider says; null when it doesn't. */
  uploadedAt: Date | null;
  /** The file's size; null for albums or when unknown. */
  bytes: number | null;
}

export interface Account {
  id: string;
  name: string;
  email: string | null;
}

/**
 * Where one send's files go. Dropbox and Drive give each send a folder of its own inside
 * dmshare's, named by its id (`dmshare/<sendId>/beach.jpg`): names of different sends never
 * meet (no `beach (1).jpg` in a recipient's link), a retried upload finds its own earlier
 * attempt there instead of leaving a duplicate, and clean-up deletes that one folder (the
 * uploaded items carry it as `sendFolder`). Google Photos has no folders, and its names never
 * collide: it ignores `sendId`.
 */
export interface Destination {
  /** The id of the send's ledger entry: the name of its folder. */
  sendId: string;
  /**
   * The album the files go in, from `createAlbum` with the same `sendId`; null for one photo.
   * It may still be in the making: a provider awaits it only once it needs it, so the album
   * is made while the first bytes go up.
   */
  album: RemoteItem | Promise<RemoteItem> | null;
}

/** Called with the number of bytes of one file sent so far. */
export type UploadProgress = (file: LocalFile, bytesSent: number) => void;

/** What every provider does: say whose account it is, make albums, upload. */
export interface ProviderCore {
  readonly name: ProviderName;
  /**
   * What it can honour: the link options from the catalog, and which operations exist from
   * what it implements (see `fillCapabilities` in features.ts).
   */
  readonly capabilities: Capabilities;
  /** When `publicLinks` is false: one sentence on why there is no link and what to do. */
  readonly sharingNote?: string;
  /** What the user is told when asked for an operation the provider does not have. */
  readonly refusals?: Refusals;
  whoami(): Promise<Account>;
  /**
   * A send is coming: start looking up what its upload will need (Drive: the dmshare folder,
   * and an id for the send's folder) while the files are prepared, creating nothing. A failure
   * shows when the upload needs the answer. Never called for a dry run.
   */
  warmUp?(): void;
  /** The album `name` for the send `sendId`, in that send's folder where there are folders. */
  createAlbum(name: string, sendId: string): Promise<RemoteItem>;
  /**
   * The files, each under its own `name` (the core makes an album's names distinct first).
   * `concurrency`: at most this many files at once (the provider's own default otherwise).
   */
  upload(
    files: LocalFile[],
    destination: Destination,
    onProgress: UploadProgress,
    concurrency?: number,
  ): Promise<UploadedFile[]>;
}

/** Makes view-only links that anyone with the URL can open. */
export interface LinkSharer {
  share(target: RemoteItem, options: ShareOptions): Promise<SharedLink>;
  /** Checks what depends on the account (its plan) before anything is uploaded. */
  checkShareOptions?(options: ShareOptions): Promise<void>;
  /**
   * Whether this account may set a provider-enforced expiry (`capabilities.expiry` says the
   * provider has one at all; a plan may still lack it). Absent: whenever `expiry` is true.
   * Without it, dmshare records the expiry and revokes the link itself (`dmshare prune`).
   */
  nativeExpiry?(): Promise<boolean>;
}

/** Stops links it made. */
export interface LinkRevoker {
  revoke(link: LinkToRevoke): Promise<RevokeOutcome>;
}

/** Removes what it uploaded (for clean-up and `revoke --delete-files`). */
export interface Deleter {
  /** Removes files or folders; items already gone are not an error. */
  deleteItems(items: RemoteItem[]): Promise<void>;
}

/** Tells which links exist (for `sync`, and before reusing a recorded link). */
export interface LinkLister {
  /** The links that exist to an item dmshare shared. */
  linkState(target: RemoteItem): Promise<LinkState>;
  /** Every link to something in dmshare's own folder. */
  listLinks(): Promise<ProviderLink[]>;
}

/** What a provider says when asked for an operation it lacks (an exit-2 refusal). */
export interface Refusal {
  message: string;
  hint: string;
}

export interface Refusals {
  share?: Refusal;
  revoke?: (link: LinkToRevoke) => Refusal;
  deleteItems?: Refusal;
}

/** A connected provider: the core, and whichever optional interfaces it implements. */
export type Provider = ProviderCore & Partial<LinkSharer & LinkRevoker & Deleter & LinkLister>;

/** What a provider's `connect` gives: the capabilities are filled in from it by the catalog. */
export type ProviderParts = Omit<Provider, "capabilities">;

export interface LoginRequest {
  /** An access token given directly (`--token`), for scripts. */
  token?: string;
  /** The user's own OAuth app: Dropbox app key, Google client id. */
  clientId?: string;
  clientSecret?: string;
  /** Google's downloaded client_secret.json. */
  credentialsFile?: string;
  /** The loopback port for the redirect: the app's registered one, or 0 for any free port. */
  port: number;
  openBrowser: boolean;
  /** Paste-the-code flow instead of the loopback redirect. */
  pasteCode: boolean;
  timeoutMs: number;
  /** Google: the device authorization grant (a code entered on another device). */
  device?: boolean;
}

/** How a login flow talks to the person at the terminal. */
export interface LoginUi {
  showAuthorizeUrl(url: string, opened: boolean): void;
  askForCode(prompt: string): Promise<string>;
  /** The device login: where to go, the code to enter there, and for how long it works. */
  showDeviceCode(verificationUrl: string, userCode: string, expiresInSeconds: number): void;
  /** A line of information (which app is used, another way to log in). */
  info(text: string): void;
}

export interface ProviderSession {
  ctx: Ctx;
  credentials: CredentialStore;
}

/** What each provider folder's index.ts exports; the catalog imports it only when needed. */
export interface ProviderModule {
  connect(session: ProviderSession): Promise<ProviderParts>;
  login(request: LoginRequest, session: ProviderSession, ui: LoginUi): Promise<Account>;
}
