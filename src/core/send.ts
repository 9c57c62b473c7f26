import { stat } from "node:fs/promises";
import type { Ctx } from "../context.ts";
import { envMs } from "../env.ts";
import { DmshareError, interruptedError, providerError, usageError } from "../errors.ts";
import { hashFile } from "../media/hash.ts";
import { stoppedBy } from "../providers/guarded-fetch.ts";
import { identityOfLink, type LinkIdentity, linkProblem } from "../providers/link-identity.ts";
import {
  type FileFailure,
  IncompleteUpload,
  type LocalFile,
  type Provider,
  type RemoteItem,
  type SharedLink,
  type ShareOptions,
  type UploadedFile,
} from "../providers/provider.ts";
import { displayNameOf } from "../providers/registry.ts";
import { ConfigStore, type Settings } from "../store/config.ts";
import {
  type ExpiryEnforcer,
  type Ledger,
  type LedgerEntry,
  newLinkId,
  sizesKeyOf,
} from "../store/ledger.ts";
import { HEARTBEAT_EVERY_MS, thisProcessAsOwner } from "../store/owner.ts";
import { parseExpiry } from "./duration.ts";
import { inspectFiles } from "./inputs.ts";
import { listedAmong } from "./link-match.ts";
import { expiryEnforcerOf, statusOf } from "./links.ts";
import {
  checkTemplate,
  type MessageFacts,
  type MessageStyle,
  parsePreset,
  renderMessage,
  sharedWhat,
} from "./message.ts";
import { planShares, type SharePlan } from "./plan.ts";
import { type PreparedFile, type PrepareOptions, prepareFiles, withWorkspace } from "./prepare.ts";
import {
  chooseProviderName,
  connectProvider,
  loggedInProviders,
  notLoggedInAnywhere,
  openLedger,
} from "./session.ts";

export interface SendRequest {
  paths: string[];
  via?: string;
  album?: string;
  each: boolean;
  expires?: string;
  noDownload: boolean;
  message?: string;
  /** `--preset NAME`: a built-in wording (a --message template can't be given with it). */
  preset?: string;
  /** `--password`: asks for the link password once the provider said it can set one. */
  password?: () => Promise<string>;
  dryRun: boolean;
  /** Undefined: the `metadata` setting decides (strip by default). */
  keepMetadata?: boolean;
  /** `--convert FORMAT`; only `jpeg` exists. */
  convert?: string;
  /** `--resize PX`, as typed. */
  resize?: string;
  /** Send files that are not photos or videos too. */
  anyFile?: boolean;
  /** Make a new link even when the same bytes already have a live one. */
  newLink?: boolean;
  /** An album where some files fail to upload: share the ones that arrived (exit 5). */
  partial?: boolean;
  /** `--concurrency N`, as typed: how many files of an album upload at once. */
  concurrency?: string;
  /**
   * Whether dmshare revokes its own expiring links of this provider on time here (an hourly
   * prune timer for this config folder, with a stored login for the provider). Only then does
   * the message promise the expiry date of such a link.
   */
  dmshareExpiryOnTime?: (provider: string) => Promise<boolean>;
}

/** What the core tells the UI while it works; the UI decides how (or whether) to show it. */
export interface SendObserver {
  uploading(plan: PreparedPlan): void | Promise<void>;
  progress(bytesSent: number, totalBytes: number): void;
  uploaded(plan: PreparedPlan): void;
  linked(plan: PreparedPlan, link: SharedLink): void;
  /** The same content already has a live link from an earlier send, which is used again. */
  reusedEarlier(plan: PreparedPlan, earlier: LedgerEntry): void;
  /** A share of a batch failed; the batch goes on (its error is in the outcome). */
  failed(plan: PreparedPlan): void;
}

export type PreparedPlan = SharePlan<PreparedFile>;

export interface SentLink {
  entry: LedgerEntry;
  /** The provider, or an earlier send (`entry` is then that send's), already had the link. */
  reused: boolean;
  /** With --partial: the album's files that did not upload, and why (the link has the rest). */
  missing?: FileFailure[];
}

export interface FailedShare {
  plan: SharePlan;
  error: unknown;
}

export interface SendOutcome {
  provider: string;
  plans: SharePlan[];
  /** Empty for a dry run. */
  links: SentLink[];
  /** Shares of a batch (`--each`) that failed; the others went on. */
  failures: FailedShare[];
  /** Ctrl-C stopped the batch: `links` holds what was shared before it. */
  interrupted: boolean;
  /** Why the uploads have no link, when the provider can't make one (Google Photos). */
  sharingNote?: string;
}

/** plan → check → upload → link → record, for each share in the request. */
export async function send(
  ctx: Ctx,
  request: SendRequest,
  observer: SendObserver,
): Promise<SendOutcome> {
  const now = ctx.now();
  const shareOptions: ShareOptions = {
    expiresAt: request.expires === undefined ? null : parseExpiry(request.expires, now),
    noDownload: request.noDownload,
  };
  const files = await inspectFiles(request.paths, ctx.cwd, { anyFile: request.anyFile === true });
  const planOptions = { album: request.album, each: request.each };
  const plans = planShares(files, planOptions, now);
  const settings = await new ConfigStore(ctx.paths.configDir).all();
  const style = messageStyle(request, settings);
  if (!request.via && !settings.provider && (await loggedInProviders(ctx)).length === 0) {
    throw notLoggedInAnywhere();
  }
  const providerName = chooseProviderName(request.via, settings.provider);
  const prepareOptions: PrepareOptions = {
    keepMetadata: request.keepMetadata ?? settings.metadata === "keep",
    convertToJpeg: parseConvert(request.convert),
    resize: request.resize === undefined ? undefined : parseResize(request.resize),
  };
  const concurrency =
    request.concurrency === undefined ? undefined : parseConcurrency(request.concurrency);
  if (request.dryRun) {
    return { provider: providerName, plans, links: [], failures: [], interrupted: false };
  }

  const provider = await connectProvider(ctx, providerName);
  const expiryBy = await expiryEnforcer(provider, shareOptions.expiresAt);
  // The message names the date only when something will end the link then.
  const onTime = expiryBy === "dmshare" ? await request.dmshareExpiryOnTime?.(providerName) : false;
  if (expiryBy === "dmshare" && !onTime && style.template?.includes("{expires}")) {
    throw usageError(
      `The message promises the link ends on {expires}, but nothing would end it then: ${displayNameOf(providerName)} can't expire it on this account, and no dmshare prune timer here can revoke it (dmshare status says why).`,
      "Nothing was uploaded. Run dmshare prune --install (it revokes such links hourly), or leave {expires} out of the message.",
    );
  }
  const datedMessage = (enforcedBy: ExpiryEnforcer | null) =>
    enforcedBy === "provider" || (enforcedBy === "dmshare" && onTime === true);
  // The password is asked for only once the provider and the plan can honour it.
  const wanted = {
    ...optionsForProvider(shareOptions, expiryBy),
    password: request.password ? PASSWORD_TO_ASK : undefined,
  };
  checkCapabilities(provider, wanted, plans);
  await provider.checkShareOptions(wanted);
  if (request.password) shareOptions.password = await request.password();

  return withWorkspace(async (workspace) => {
    let prepared: PreparedFile[];
    try {
      prepared = await prepareFiles(files, prepareOptions, workspace, ctx.signal);
    } catch (error) {
      if (ctx.signal.aborted) throw interruptedError("nothing was uploaded.");
      throw error;
    }
    const preparedPlans = planShares(prepared, planOptions, now);
    const outcome: SendOutcome = {
      provider: providerName,
      plans: preparedPlans,
      links: [],
      failures: [],
      interrupted: false,
      sharingNote: provider.sharingNote,
    };
    const share = async (plan: PreparedPlan) => {
      // Read once, when first needed: to look for a link to reuse, or while uploading.
      let hashing: Promise<string> | undefined;
      const contentHash = () => {
        hashing ??= contentHashOf(plan, ctx.signal);
        return hashing;
      };
      const earlier = request.newLink
        ? undefined
        : await findLiveLink(ctx, provider, plan, contentHash, shareOptions);
      if (!earlier) {
        return sendOne(
          ctx,
          provider,
          plan,
          {
            ...shareOptions,
            contentHash,
            expiryEnforcedBy: expiryBy,
            datedMessage: datedMessage(expiryBy),
            partial: request.partial === true,
            concurrency,
          },
          style,
          observer,
        );
      }
      observer.reusedEarlier(plan, earlier);
      // The earlier link, worded as this send asks (--message, --preset).
      const what = sharedWhat(plan.kind, plan.files);
      const facts = factsOf(earlier, earlier.url ?? "", what);
      if (!datedMessage(expiryEnforcerOf(earlier))) facts.expiresAt = null;
      const message = renderMessage(facts, style);
      return { entry: { ...earlier, message }, reused: true };
    };
    for (const [index, plan] of preparedPlans.entries()) {
      if (ctx.signal.aborted) {
        if (outcome.links.length === 0) throw interruptedError("nothing was shared.");
        outcome.interrupted = true;
        break;
      }
      try {
        outcome.links.push(await share(plan));
      } catch (error) {
        // One share, or Ctrl-C before anything was shared: a plain failure.
        if (preparedPlans.length === 1 || (ctx.signal.aborted && outcome.links.length === 0)) {
          throw error;
        }
        observer.failed(plan);
        if (ctx.signal.aborted) {
          // Its clean-up could not finish: the message says what may exist and how to end it.
          if (error instanceof LeftPending) outcome.failures.push({ plan, error });
          outcome.interrupted = true;
          break;
        }
        outcome.failures.push({ plan, error });
        if (failsEveryShare(error)) {
          for (const rest of preparedPlans.slice(index + 1)) {
            outcome.failures.push({ plan: rest, error });
          }
          break;
        }
      }
    }
    return outcome;
  });
}

/** Stands for the password in the checks made before it is asked for; never sent anywhere. */
const PASSWORD_TO_ASK = "(asked after the checks)";

/** --message, else --preset, else the `message` or `preset` setting, else casual. */
function messageStyle(request: SendRequest, settings: Settings): MessageStyle {
  if (request.message !== undefined && request.preset !== undefined) {
    throw usageError(
      "--message and --preset can't be used together.",
      "Give your own template with --message, or a built-in wording with --preset.",
    );
  }
  if (request.message !== undefined) {
    return { template: checkTemplate(request.message, "--message") };
  }
  if (request.preset !== undefined) return { preset: parsePreset(request.preset) };
  if (settings.message !== undefined) return { template: settings.message };
  if (settings.preset !== undefined) return { preset: parsePreset(settings.preset) };
  return {};
}

function parseConvert(format: string | undefined): boolean {
  if (format === undefined) return false;
  if (format.trim().toLowerCase() === "jpeg" || format.trim().toLowerCase() === "jpg") return true;
  throw usageError(`Can't convert to "${format}".`, "The only format is jpeg: --convert jpeg.");
}

const MAX_CONCURRENCY = 32;

function parseConcurrency(text: string): number {
  const value = Number(text.trim());
  if (!Number.isInteger(value) || value < 1 || value > MAX_CONCURRENCY) {
    throw usageError(
      `--concurrency "${text}" is not a number of uploads from 1 to ${MAX_CONCURRENCY}.`,
      "Give how many files may upload at once, e.g. --concurrency 4 (1 uploads one after another).",
    );
  }
  return value;
}

function parseResize(pixels: string): number {
  const value = Number(pixels.trim().replace(/px$/i, ""));
  if (!Number.isInteger(value) || value < 16 || value > 20_000) {
    throw usageError(
      `--resize "${pixels}" is not a size in pixels.`,
      "Give the longest edge in pixels, e.g. --resize 2048.",
    );
  }
  return value;
}

/** One hash for what a share uploads: the photo's bytes, or an album's name and photos. */
async function contentHashOf(plan: PreparedPlan, signal: AbortSignal): Promise<string> {
  const hashes: string[] = [];
  for (const file of plan.files) hashes.push(await hashFile(file.contentPath, signal));
  if (plan.kind === "photo" && hashes[0]) return hashes[0];
  hashes.sort();
  const { createHash } = await import("node:crypto");
  return createHash("sha256")
    .update(`album\n${plan.name}\n${hashes.join("\n")}`)
    .digest("hex");
}

/**
 * A live link from an earlier send of the same content with the same settings. The provider
 * is asked whether it still works (it may have been removed on the website); one that
 * doesn't is marked revoked and not reused.
 */
async function findLiveLink(
  ctx: Ctx,
  provider: Provider,
  plan: PreparedPlan,
  contentHashOfPlan: () => Promise<string>,
  options: ShareOptions,
): Promise<LedgerEntry | undefined> {
  // A link with its own expiry date or password is not "the same" as one asked for now.
  if (options.expiresAt || options.password !== undefined) return undefined;
  const now = ctx.now();
  const ledger = openLedger(ctx);
  const lookalikes = (
    await ledger.withSizes(provider.name, sizesKeyOf(plan.kind, plan.files))
  ).filter(
    (entry) =>
      entry.provider === provider.name &&
      entry.contentHash !== undefined &&
      sameSizes(entry, plan) &&
      entry.expiresAt === null &&
      (entry.noDownload ?? false) === options.noDownload &&
      !entry.passwordProtected &&
      statusOf(entry, now) === "active",
  );
  // Reading every byte costs seconds on a big file: only done when a link could be reused.
  if (lookalikes.length === 0) return undefined;
  const contentHash = await contentHashOfPlan();
  const candidates = lookalikes.filter((entry) => entry.contentHash === contentHash);
  for (const entry of candidates) {
    const works = entry.target ? await stillWorks(provider, entry) : "unknown";
    if (works === "yes") return entry;
    // Marked revoked only when the provider says so: the item is gone, or it lists its links
    // and this one (by its id, not its URL text) is not among them.
    if (works === "no") {
      await ledger.patch(entry.id, { status: "revoked", revokedAt: now.toISOString() });
    }
  }
  return undefined;
}

/** Same kind and the same file sizes: the only entries whose content hash could match. */
function sameSizes(entry: LedgerEntry, plan: PreparedPlan): boolean {
  if (entry.kind !== plan.kind || entry.files.length !== plan.files.length) return false;
  const sizes = (files: readonly { bytes: number }[]) =>
    files
      .map((file) => file.bytes)
      .sort((a, b) => a - b)
      .join();
  return sizes(entry.files) === sizes(plan.files);
}

async function stillWorks(provider: Provider, entry: LedgerEntry) {
  if (!entry.target) return "unknown";
  const state = await provider.linkState(entry.target);
  if (state.item === "gone") return "no";
  return listedAmong(entry, state.links);
}

/** What a message says about a recorded link. */
function factsOf(entry: LedgerEntry, url: string, what: string): MessageFacts {
  return {
    url,
    kind: entry.kind,
    what,
    name: entry.name,
    count: entry.files.length,
    expiresAt: entry.expiresAt ? new Date(entry.expiresAt) : null,
    provider: displayNameOf(entry.provider),
  };
}

/**
 * A file streamed as it is (--keep-metadata, --any-file) that changed size or time since it
 * was inspected: what arrived may be half of one version and half of another. Prepared
 * copies live in dmshare's private temp dir and can't change.
 */
async function changedSinceInspected(files: readonly LocalFile[]): Promise<LocalFile | undefined> {
  for (const file of files) {
    if (file.contentPath !== file.path) continue;
    const now = await stat(file.path).catch(() => undefined);
    if (!now || now.size !== file.bytes || now.mtime.getTime() !== file.modifiedAt.getTime())
      return file;
  }
  return undefined;
}

/** Bad input or rejected credentials fail every file of a batch alike: no use going on. */
const failsEveryShare = (error: unknown) =>
  error instanceof DmshareError && (error.kind === "usage" || error.kind === "auth");

function checkCapabilities(provider: Provider, options: ShareOptions, plans: SharePlan[]): void {
  const { capabilities } = provider;
  const providerLabel = displayNameOf(provider.name);
  const refuse = (what: string) =>
    usageError(
      `${providerLabel} can't ${what}.`,
      "Nothing was uploaded. Leave the option out, or choose another provider with --via.",
    );
  if (options.noDownload && !capabilities.noDownload) {
    throw refuse("stop viewers from downloading (--no-download)");
  }
  if (options.password !== undefined && !capabilities.password) {
    throw refuse("protect links with a password (--password)");
  }
  if (plans.some((plan) => plan.kind === "album") && !capabilities.albums) {
    throw refuse("share albums");
  }
}

/**
 * Who will stop the link at its expiry: the provider where it (and the account's plan) can,
 * else dmshare itself (`dmshare prune` revokes it), which needs links it can revoke.
 */
async function expiryEnforcer(
  provider: Provider,
  expiresAt: Date | null,
): Promise<ExpiryEnforcer | null> {
  if (!expiresAt) return null;
  const { capabilities } = provider;
  if (capabilities.expiry && ((await provider.nativeExpiry?.()) ?? true)) return "provider";
  if (capabilities.publicLinks && capabilities.revoke) return "dmshare";
  throw usageError(
    `${displayNameOf(provider.name)} can't make links that expire (--expires).`,
    "Nothing was uploaded. Leave the option out, or choose another provider with --via.",
  );
}

/** What the provider is asked for: an expiry dmshare enforces itself is not its business. */
function optionsForProvider<T extends ShareOptions>(options: T, by: ExpiryEnforcer | null): T {
  return by === "dmshare" ? { ...options, expiresAt: null } : options;
}

async function sendOne(
  ctx: Ctx,
  provider: Provider,
  plan: PreparedPlan,
  options: ShareOptions & {
    contentHash: () => Promise<string>;
    expiryEnforcedBy: ExpiryEnforcer | null;
    /** The message may name the expiry date: something ends the link then. */
    datedMessage: boolean;
    partial: boolean;
    concurrency: number | undefined;
  },
  style: MessageStyle,
  observer: SendObserver,
): Promise<SentLink> {
  const ledger = openLedger(ctx);
  const entry: LedgerEntry = {
    id: newLinkId(),
    provider: provider.name,
    kind: plan.kind,
    name: plan.name,
    url: null,
    message: null,
    target: null,
    files: plan.files.map((file) => ({
      path: file.path,
      remotePath: null,
      remoteId: null,
      bytes: file.bytes,
    })),
    createdAt: ctx.now().toISOString(),
    expiresAt: options.expiresAt?.toISOString() ?? null,
    ...(options.expiryEnforcedBy && { expiryEnforcedBy: options.expiryEnforcedBy }),
    revokedAt: null,
    status: "pending",
    noDownload: options.noDownload,
    // Whether there is a password, never the password itself.
    ...(options.password !== undefined && { passwordProtected: true }),
  };
  // The intent is on disk before anything exists remotely (DESIGN.md §4), with this process
  // as its owner, so `sync` leaves it alone however long the upload takes.
  entry.owner = thisProcessAsOwner(ctx.now());
  await ledger.add(entry);
  const heartbeat = keepOwnerAlive(ctx, ledger, entry.id);
  try {
    return await sendRecorded(ctx, provider, plan, options, style, observer, ledger, entry);
  } finally {
    await heartbeat.stop();
  }
}

/**
 * Refreshes the pending entry's heartbeat while the send works on it. A refresh that fails
 * (the ledger busy or its disk full) is tried again next time: `sync` also checks the pid.
 */
export function keepOwnerAlive(ctx: Pick<Ctx, "now">, ledger: Ledger, id: string) {
  let writing: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    writing = ledger
      .update((entries) => {
        const entry = entries.find((candidate) => candidate.id === id);
        if (entry?.status === "pending" && entry.owner) {
          entry.owner = { ...entry.owner, heartbeatAt: ctx.now().toISOString() };
        }
      })
      .catch(() => {});
  }, HEARTBEAT_EVERY_MS);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await writing;
    },
  };
}

async function sendRecorded(
  ctx: Ctx,
  provider: Provider,
  plan: PreparedPlan,
  options: Parameters<typeof sendOne>[3],
  style: MessageStyle,
  observer: SendObserver,
  ledger: Ledger,
  entry: LedgerEntry,
): Promise<SentLink> {
  // Hashed while the bytes go up (the network is the slow part), for later sends to reuse
  // the link; a file that can't be read again is just not reusable.
  const hashing = options.contentHash().catch(() => undefined);
  await observer.uploading(plan);
  let uploaded: UploadedFile[];
  let target: RemoteItem;
  let missing: FileFailure[];
  try {
    ({ uploaded, target, missing } = await uploadPlan(provider, plan, observer, {
      shareWhatArrived: options.partial && !ctx.signal.aborted,
      concurrency: options.concurrency,
    }));
  } catch (error) {
    // No link exists yet: the entry can go, and so can whatever arrived.
    await ledger.remove(entry.id);
    throw error;
  }
  if (ctx.signal.aborted) {
    // Ctrl-C while uploading: no link may be made after it, and nothing stays behind.
    await ledger.remove(entry.id);
    if (!provider.capabilities.deleteFiles) {
      throw interruptedError(
        `nothing was shared; what was uploaded stays private in your ${displayNameOf(provider.name)}.`,
      );
    }
    await provider.deleteItems([target]);
    throw interruptedError("nothing was shared and the uploaded files were removed.");
  }
  const changed = await changedSinceInspected(plan.files);
  if (changed) {
    await ledger.remove(entry.id);
    if (provider.capabilities.deleteFiles) await provider.deleteItems([target]);
    throw usageError(
      `${changed.path} changed while it was being uploaded.`,
      `Nothing was shared${provider.capabilities.deleteFiles ? " and the upload was removed" : ""}. Send it again once it is finished (still being copied or edited?).`,
    );
  }
  observer.uploaded(plan);
  const files = uploaded.map((file) => ({
    path: file.localPath,
    remotePath: file.remotePath,
    remoteId: file.remoteId,
    bytes: file.bytes,
  }));
  const uploadedState = { target, files, contentHash: await hashing };
  if (!provider.capabilities.publicLinks) {
    // Only the provider's own app can share it: record it so the user knows where it is.
    const saved = await ledger.patchUnlessRevoked(entry.id, {
      ...uploadedState,
      status: "needs-sharing",
      owner: undefined,
    });
    if (!saved) throw await revokedMeanwhile(ledger, entry.id, uploadedState);
    return { entry: saved, reused: false };
  }
  if (!(await ledger.patchUnlessRevoked(entry.id, uploadedState))) {
    // No link is made for an entry the user already revoked.
    throw await revokedMeanwhile(ledger, entry.id, uploadedState);
  }

  let link: SharedLink;
  try {
    link = await shareOrExplain(
      ctx,
      provider,
      target,
      optionsForProvider(options, options.expiryEnforcedBy),
      entry.id,
    );
  } catch (error) {
    // A refusal already removed everything; after Ctrl-C a half-made link may exist.
    if (
      !(error instanceof ShareInterrupted) &&
      (!ctx.signal.aborted || (error instanceof DmshareError && error.kind === "usage"))
    ) {
      throw error;
    }
    throw await undoInterruptedShare(ctx, ledger, provider, entry.id, target, null);
  }
  if (ctx.signal.aborted) {
    // Ctrl-C while the link was being made: it must not outlive the send.
    throw await undoInterruptedShare(ctx, ledger, provider, entry.id, target, link.url);
  }
  observer.linked(plan, link);
  // dmshare's own expiry (prune revokes the link then), or the one the provider enforces.
  const expiresAt = options.expiryEnforcedBy === "dmshare" ? options.expiresAt : link.expiresAt;
  const sent = plan.files.filter((file) => uploaded.some((done) => done.localPath === file.path));
  const message = renderMessage(
    {
      url: link.url,
      kind: plan.kind,
      what: sharedWhat(plan.kind, sent),
      name: plan.name,
      count: files.length,
      expiresAt: options.datedMessage ? expiresAt : null,
      provider: displayNameOf(provider.name),
    },
    style,
  );
  const identity: LinkIdentity = {
    ...identityOfLink(link.url, target.remoteId),
    ...link.identity,
  };
  const saved = await ledger.patchUnlessRevoked(entry.id, {
    url: link.url,
    link: identity,
    message,
    expiresAt: expiresAt?.toISOString() ?? null,
    expiryEnforcedBy: expiresAt ? (options.expiryEnforcedBy ?? "provider") : undefined,
    status: "active",
    owner: undefined,
  });
  if (!saved) {
    // The revoke may have run before this link existed: it goes now, as the user asked. The
    // link is on record first; should removing it fail, the entry is pending again for
    // `dmshare revoke` to finish.
    const error = await revokedMeanwhile(ledger, entry.id, {
      url: link.url,
      link: identity,
      message,
    });
    try {
      await provider.revoke({ url: link.url, target });
    } catch (failure) {
      await ledger.patch(entry.id, { status: "pending", revokedAt: null });
      throw failure;
    }
    throw error;
  }
  return { entry: saved, reused: link.reused, ...(missing.length > 0 && { missing }) };
}

/**
 * `dmshare revoke` ran on this entry while the send was making it: what was made so far is
 * recorded on the revoked entry (so `revoke --delete-files` can remove the files); returns
 * the error the send fails with.
 */
async function revokedMeanwhile(
  ledger: ReturnType<typeof openLedger>,
  id: string,
  made: Partial<LedgerEntry>,
): Promise<DmshareError> {
  await ledger.patch(id, made);
  return new DmshareError("unexpected", `Link ${id} was revoked while it was being made.`, {
    hint: `Another dmshare ran revoke on it, so no link is left. To remove the uploaded files: dmshare revoke ${id} --delete-files`,
  });
}

/** How long the clean-up after Ctrl-C may take, in all: 2 s (`DMSHARE_CLEANUP_TIMEOUT`, tests). */
function cleanupBoundMs(ctx: Ctx): number {
  return envMs(ctx.env, "DMSHARE_CLEANUP_TIMEOUT", 2_000);
}

/**
 * Ctrl-C came while the link was being made (its request was dropped at once, or its answer
 * came first): the provider is asked for the links to the target (or the one known) and they
 * are revoked, the upload removed, then the entry goes. All of it within a short bound of its
 * own (Ctrl-C already stopped everything else): a provider that doesn't answer in time leaves
 * the entry pending, with the target on record, for `dmshare revoke` to finish, since a link
 * may exist. A second Ctrl-C quits at once, leaving it so.
 */
async function undoInterruptedShare(
  ctx: Ctx,
  ledger: ReturnType<typeof openLedger>,
  provider: Provider,
  id: string,
  target: RemoteItem,
  url: string | null,
): Promise<DmshareError> {
  if (url) await ledger.patch(id, { url });
  const label = displayNameOf(provider.name);
  const finish = `dmshare revoke ${id} --delete-files`;
  const files = provider.capabilities.deleteFiles ? " and the uploaded files" : "";
  const pending = `A link to ${target.remotePath} may exist at ${label}: it is pending in dmshare list. To remove it${files}: ${finish}`;
  ctx.onNotice?.(
    `Making sure no link to ${target.remotePath} is left${files ? ", and removing the upload" : ""}…`,
    `Ctrl-C again quits at once and leaves it pending; then run: ${finish}`,
  );
  if (ctx.lastWords) ctx.lastWords.text = `Quit at once: ${pending}`;
  const bound = AbortSignal.timeout(cleanupBoundMs(ctx));
  try {
    await stoppedBy(bound, () => removeShared(provider, target, url));
  } catch (error) {
    if (ctx.lastWords) ctx.lastWords.text = undefined;
    const why = bound.aborted
      ? `${label} did not answer within ${Math.round(cleanupBoundMs(ctx) / 1000)} s when dmshare asked to remove it`
      : `${label} could not remove it (${errorMessage(error)})`;
    return new LeftPending(`Interrupted while the link was being made; ${why}.`, {
      cause: error,
      hint: pending,
    });
  }
  await ledger.remove(id);
  if (ctx.lastWords) ctx.lastWords.text = undefined;
  const removed = files ? " and the uploaded files were removed" : "";
  return interruptedError(
    url
      ? `nothing was shared: the link was revoked as soon as it was made${removed}.`
      : `nothing was shared: the link request was stopped, any link it made was revoked${removed}.`,
  );
}

/** Stops whatever link the item has and, where the provider can, deletes the upload. */
async function removeShared(provider: Provider, target: RemoteItem, url: string | null) {
  await provider.revoke({ url, target });
  if (provider.capabilities.deleteFiles) await provider.deleteItems([target]);
}

/** Interrupted, and what the send made may still exist: its entry stays pending. */
class LeftPending extends DmshareError {
  constructor(message: string, options: { hint: string; cause: unknown }) {
    super("interrupted", message, options);
  }
}

/** The link request was stopped by Ctrl-C: the caller cleans up, within its own bound. */
class ShareInterrupted extends Error {
  constructor(cause?: unknown) {
    super("interrupted while the link was being made", { cause });
    this.name = "ShareInterrupted";
  }
}

/**
 * A refusal (usage error) means no link was made: the upload goes and so does the entry.
 * Any other failure may have left a link, so the pending entry stays for revoke to finish.
 */
async function shareOrExplain(
  ctx: Ctx,
  provider: Provider,
  target: RemoteItem,
  options: ShareOptions,
  entryId: string,
): Promise<SharedLink> {
  let link: SharedLink;
  try {
    // Ctrl-C drops the request at once: a provider slow to answer doesn't hold the exit.
    link = await stoppedBy(ctx.signal, () => provider.share(target, options));
  } catch (error) {
    if (ctx.signal.aborted) throw new ShareInterrupted(error);
    if (!(error instanceof DmshareError)) {
      // An answer the SDK could not make sense of: a link may exist all the same.
      throw await undoUntrustedShare(ctx, provider, target, entryId, "its answer made no sense");
    }
    if (error.kind === "usage") {
      await provider.deleteItems([target]);
      await openLedger(ctx).remove(entryId);
      throw new DmshareError("usage", error.message, {
        hint: `Nothing was shared and the upload was removed. ${error.hint ?? ""}`.trim(),
      });
    }
    throw new DmshareError(error.kind, error.message, {
      cause: error,
      hint:
        `The link may exist: dmshare list shows it as pending; run dmshare revoke ${entryId} ` +
        `to make sure it is gone, then send again.${error.hint ? `\n${error.hint}` : ""}`,
    });
  }
  const problem = linkProblem(provider.name, link?.url);
  // Nothing of an untrusted answer is kept; after Ctrl-C the caller removes what was made.
  if (problem && ctx.signal.aborted) throw new ShareInterrupted();
  if (problem) throw await undoUntrustedShare(ctx, provider, target, entryId, problem);
  return link;
}

/**
 * The provider answered the link request with something that is not one of its links (an
 * HTML page, JSON without a URL, `javascript:…`, another host, control characters): nothing of
 * it is shown, copied or stored. Whatever link it may have made goes, then the upload, then
 * the entry; should that fail, the entry stays pending (it may exist) for revoke to finish.
 */
async function undoUntrustedShare(
  ctx: Ctx,
  provider: Provider,
  target: RemoteItem,
  entryId: string,
  problem: string,
): Promise<DmshareError> {
  const label = displayNameOf(provider.name);
  const message = `${label} answered the request for a link to ${target.remotePath}, but ${problem}; dmshare does not trust it.`;
  try {
    await removeShared(provider, target, null);
    await openLedger(ctx).remove(entryId);
  } catch {
    return providerError(
      message,
      `Nothing was copied or shown. dmshare could not make sure no link was left: run dmshare revoke ${entryId} ` +
        `--delete-files, or check the file at ${label}. Then send again later.`,
    );
  }
  return providerError(
    message,
    `Nothing was shared: any link it made was revoked and the upload removed. Send again later; if it happens again, something between you and ${label} (a proxy, captive portal) changes its answers.`,
  );
}

async function uploadPlan(
  provider: Provider,
  plan: PreparedPlan,
  observer: SendObserver,
  { shareWhatArrived, concurrency }: { shareWhatArrived: boolean; concurrency?: number },
): Promise<{ uploaded: UploadedFile[]; target: RemoteItem; missing: FileFailure[] }> {
  const totalBytes = plan.files.reduce((sum, file) => sum + file.bytes, 0);
  const sentPerFile = new Map<LocalFile, number>();
  const onProgress = (file: LocalFile, bytesSent: number) => {
    sentPerFile.set(file, bytesSent);
    let sent = 0;
    for (const bytes of sentPerFile.values()) sent += bytes;
    observer.progress(sent, totalBytes);
  };
  if (plan.kind === "photo") {
    const uploaded = await provider.upload(plan.files, null, onProgress);
    const [file] = uploaded;
    if (!file) throw new DmshareError("unexpected", `${provider.name} returned no uploaded file.`);
    return { uploaded, target: file, missing: [] };
  }
  const album = await provider.createAlbum(plan.name);
  try {
    const uploaded = await provider.upload(plan.files, album, onProgress, concurrency);
    return { uploaded, target: album, missing: [] };
  } catch (error) {
    if (shareWhatArrived && error instanceof IncompleteUpload) {
      return { uploaded: error.uploaded, target: album, missing: error.failures };
    }
    const cleaned =
      provider.capabilities.deleteFiles &&
      (await provider.deleteItems([album]).then(
        () => true,
        () => false,
      ));
    throw error instanceof IncompleteUpload ? albumFailed(plan, error, cleaned) : error;
  }
}

/** Some files of an album did not upload, so (without --partial) none of it is shared. */
function albumFailed(plan: PreparedPlan, incomplete: IncompleteUpload, cleaned: boolean) {
  const { failures } = incomplete;
  const first = failures[0]?.error;
  const reasons = failures.map(({ file, error }) => `${file.name}: ${errorMessage(error)}`);
  return new DmshareError(
    first instanceof DmshareError ? first.kind : "provider",
    `${failures.length} of ${plan.files.length} files of the album "${plan.name}" did not upload:\n  ${reasons.join("\n  ")}`,
    {
      cause: incomplete,
      hint:
        `Nothing was shared${cleaned ? " and the files that did arrive were removed" : ""}. ` +
        "Send again, or add --partial to share the photos that arrived.",
    },
  );
}

const errorMessage = (error: unknown) =>
  error instanceof Error ? error.message.replace(/\.$/, "") : String(error);
