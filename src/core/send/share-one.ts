import type { Ctx } from "../../context.ts";
import { interruptedError, usageError } from "../../lib/errors.ts";
import { displayNameOf } from "../../providers/catalog.ts";
import { deleteUploads, revokerOf } from "../../providers/features.ts";
import { identityOfLink, type LinkIdentity } from "../../providers/link-identity.ts";
import type {
  Account,
  Provider,
  RemoteItem,
  SharedLink,
  ShareOptions,
} from "../../providers/provider.ts";
import {
  type ExpiryEnforcer,
  type Ledger,
  type LedgerEntry,
  newLinkId,
} from "../../store/ledger.ts";
import { HEARTBEAT_EVERY_MS, thisProcessAsOwner } from "../../store/owner.ts";
import { type MessageStyle, renderMessage, sharedWhat } from "../message.ts";
import { openLedger } from "../session.ts";
import { optionsForProvider } from "./capabilities.ts";
import { makeLink, revokedMeanwhile } from "./link.ts";
import type { PreparedPlan, SendObserver, SentLink } from "./types.ts";
import { changedSinceInspected, type PlanUpload, uploadPlan } from "./upload.ts";

export interface ShareOneOptions extends ShareOptions {
  contentHash: () => Promise<string>;
  expiryEnforcedBy: ExpiryEnforcer | null;
  /** The message may name the expiry date: something ends the link then. */
  datedMessage: boolean;
  partial: boolean;
  concurrency: number | undefined;
  /** Whose account the files go to (asked once per send, while the first upload runs). */
  account?: () => Promise<Account | undefined>;
}

/** What every step of one share works on. */
interface Share {
  ctx: Ctx;
  ledger: Ledger;
  provider: Provider;
  plan: PreparedPlan;
  /** The ledger entry recorded before anything exists remotely. */
  id: string;
  options: ShareOneOptions;
}

/**
 * One photo or album: intent on record → upload → check it did not change → link → record
 * the link. A step that fails undoes what the earlier ones made, or leaves the entry pending
 * for `dmshare revoke` when a link may exist.
 */
export async function shareOne(
  ctx: Ctx,
  provider: Provider,
  plan: PreparedPlan,
  options: ShareOneOptions,
  style: MessageStyle,
  observer: SendObserver,
): Promise<SentLink> {
  const ledger = openLedger(ctx);
  const id = await recordIntent(ctx, ledger, provider, plan, options);
  const share: Share = { ctx, ledger, provider, plan, id, options };
  const heartbeat = keepOwnerAlive(ctx, ledger, id);
  try {
    // Hashed while the bytes go up (the network is the slow part), for later sends to reuse
    // the link; a file that can't be read again is just not reusable.
    const hashing = options.contentHash().catch(() => undefined);
    const account = options.account?.();
    await observer.uploading(plan);
    const upload = await uploadStep(share, observer);
    await checkUnchanged(share, upload.target);
    // The account is asked for alongside the upload; it only names where the photo went.
    const to = { provider: provider.name, account: await soonOrNothing(account) };
    await observer.uploaded(plan, to);
    if (!provider.capabilities.publicLinks) {
      return { entry: await recordUnshareable(share, upload, await hashing), reused: false };
    }
    await recordUpload(share, upload);
    // The link is asked for as the upload is on record, while the hash may still be read.
    const asked = optionsForProvider(options, options.expiryEnforcedBy);
    const link = await makeLink(ctx, ledger, provider, id, upload.target, asked);
    observer.linked(plan, link);
    return await recordLink(share, upload, link, style, await hashing);
  } finally {
    await heartbeat.stop();
  }
}

/** How long the account may still take once the upload is done: it only names the account. */
const ACCOUNT_WAIT_MS = 2000;

/** The answer if it comes soon after the upload, else undefined (a slow provider waits no one). */
async function soonOrNothing<T>(answer: Promise<T> | undefined): Promise<T | undefined> {
  if (!answer) return undefined;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ACCOUNT_WAIT_MS, undefined);
    timer.unref();
  });
  try {
    return await Promise.race([answer, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The intent is on disk before anything exists remotely (DESIGN.md §4), with this process
 * as its owner, so `sync` leaves it alone however long the upload takes.
 */
async function recordIntent(
  ctx: Ctx,
  ledger: Ledger,
  provider: Provider,
  plan: PreparedPlan,
  options: ShareOneOptions,
): Promise<string> {
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
  entry.owner = thisProcessAsOwner(ctx.now(), ctx.system);
  await ledger.add(entry);
  return entry.id;
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

/** Uploads the plan; no link exists yet, so a failure or Ctrl-C leaves nothing behind. */
async function uploadStep(share: Share, observer: SendObserver): Promise<PlanUpload> {
  const { ctx, ledger, provider, plan, id, options } = share;
  let upload: PlanUpload;
  try {
    upload = await uploadPlan(provider, plan, observer, {
      sendId: id,
      shareWhatArrived: options.partial && !ctx.signal.aborted,
      concurrency: options.concurrency,
    });
  } catch (error) {
    // No link exists yet: the entry can go, and so can whatever arrived.
    await ledger.remove(id);
    throw error;
  }
  if (ctx.signal.aborted) {
    // Ctrl-C while uploading: no link may be made after it, and nothing stays behind.
    await ledger.remove(id);
    if (!provider.capabilities.deleteFiles) {
      throw interruptedError(
        `nothing was shared; what was uploaded stays private in your ${displayNameOf(provider.name)}.`,
      );
    }
    await deleteUploads(provider, [upload.target]);
    throw interruptedError("nothing was shared and the uploaded files were removed.");
  }
  return upload;
}

/** A file that changed while it went up is not shared: the entry and the upload go. */
async function checkUnchanged(share: Share, target: RemoteItem): Promise<void> {
  const { ledger, provider, plan, id } = share;
  const changed = await changedSinceInspected(plan.files);
  if (!changed) return;
  await ledger.remove(id);
  if (provider.capabilities.deleteFiles) await deleteUploads(provider, [target]);
  throw usageError(
    `${changed.path} changed while it was being uploaded.`,
    `Nothing was shared${provider.capabilities.deleteFiles ? " and the upload was removed" : ""}. Send it again once it is finished (still being copied or edited?).`,
  );
}

/** What was uploaded goes on record before the link is asked for. */
async function recordUpload(share: Share, upload: PlanUpload): Promise<void> {
  const { ledger, id } = share;
  const uploadedState = uploadedStateOf(upload);
  if (!(await ledger.patchUnlessRevoked(id, uploadedState))) {
    // No link is made for an entry the user already revoked.
    throw await revokedMeanwhile(ledger, id, uploadedState);
  }
}

/**
 * The provider can't make links (only its own app can share it: the user is told where it
 * is): the upload on record is the finished entry.
 */
async function recordUnshareable(
  share: Share,
  upload: PlanUpload,
  contentHash: string | undefined,
): Promise<LedgerEntry> {
  const { ledger, id } = share;
  const uploadedState = { ...uploadedStateOf(upload), contentHash };
  const saved = await ledger.patchUnlessRevoked(id, {
    ...uploadedState,
    status: "needs-sharing",
    owner: undefined,
  });
  if (!saved) throw await revokedMeanwhile(ledger, id, uploadedState);
  return saved;
}

const uploadedStateOf = ({ uploaded, target }: PlanUpload) => ({
  target,
  files: uploaded.map((file) => ({
    path: file.localPath,
    remotePath: file.remotePath,
    remoteId: file.remoteId,
    bytes: file.bytes,
  })),
});

/** The link, its message and its expiry on record: the entry is active. */
async function recordLink(
  share: Share,
  { uploaded, target, missing }: PlanUpload,
  link: SharedLink,
  style: MessageStyle,
  contentHash: string | undefined,
): Promise<SentLink> {
  const { ledger, provider, plan, id, options } = share;
  // dmshare's own expiry (prune revokes the link then), or the one the provider enforces.
  const expiresAt = options.expiryEnforcedBy === "dmshare" ? options.expiresAt : link.expiresAt;
  const sent = plan.files.filter((file) => uploaded.some((done) => done.localPath === file.path));
  const message = renderMessage(
    {
      url: link.url,
      kind: plan.kind,
      what: sharedWhat(plan.kind, sent),
      name: plan.name,
      count: uploaded.length,
      expiresAt: options.datedMessage ? expiresAt : null,
      provider: displayNameOf(provider.name),
    },
    style,
  );
  const identity: LinkIdentity = {
    ...identityOfLink(link.url, target.remoteId),
    ...link.identity,
  };
  const saved = await ledger.patchUnlessRevoked(id, {
    url: link.url,
    link: identity,
    contentHash,
    message,
    expiresAt: expiresAt?.toISOString() ?? null,
    expiryEnforcedBy: expiresAt ? (options.expiryEnforcedBy ?? "provider") : undefined,
    status: "active",
    owner: undefined,
  });
  if (!saved) throw await revokeUnwanted(share, target, link, { link: identity, message });
  return { entry: saved, reused: link.reused, ...(missing.length > 0 && { missing }) };
}

/**
 * The revoke may have run before this link existed: it goes now, as the user asked. The link
 * is on record first; should removing it fail, the entry is pending again for `dmshare
 * revoke` to finish.
 */
async function revokeUnwanted(
  { ledger, provider, id }: Share,
  target: RemoteItem,
  link: SharedLink,
  made: Pick<LedgerEntry, "link" | "message">,
): Promise<Error> {
  const error = await revokedMeanwhile(ledger, id, { url: link.url, ...made });
  try {
    await revokerOf(provider, { url: link.url, target }).revoke({ url: link.url, target });
  } catch (failure) {
    await ledger.patch(id, { status: "pending", revokedAt: null });
    throw failure;
  }
  return error;
}
