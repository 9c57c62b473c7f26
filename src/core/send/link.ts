import type { Ctx } from "../../context.ts";
import { envMs } from "../../lib/env.ts";
import { DmshareError, interruptedError, providerError } from "../../lib/errors.ts";
import { displayNameOf } from "../../providers/catalog.ts";
import { deleteUploads, revokerOf, sharerOf } from "../../providers/features.ts";
import { stoppedBy } from "../../providers/guarded-fetch.ts";
import { linkProblem } from "../../providers/link-identity.ts";
import type { Provider, RemoteItem, SharedLink, ShareOptions } from "../../providers/provider.ts";
import type { Ledger, LedgerEntry } from "../../store/ledger.ts";
import { openLedger } from "../session.ts";
import { errorMessage } from "./types.ts";

/**
 * Asks the provider for the link to the uploaded `target`, whose entry is on record. A link
 * that Ctrl-C interrupted, or that was made just as it came, is removed again (within a short
 * bound) and the send fails as interrupted.
 */
export async function makeLink(
  ctx: Ctx,
  ledger: Ledger,
  provider: Provider,
  entryId: string,
  target: RemoteItem,
  options: ShareOptions,
): Promise<SharedLink> {
  let link: SharedLink;
  try {
    link = await shareOrExplain(ctx, provider, target, options, entryId);
  } catch (error) {
    // A refusal already removed everything; after Ctrl-C a half-made link may exist.
    if (
      !(error instanceof ShareInterrupted) &&
      (!ctx.signal.aborted || (error instanceof DmshareError && error.kind === "usage"))
    ) {
      throw error;
    }
    throw await undoInterruptedShare(ctx, ledger, provider, entryId, target, null);
  }
  if (ctx.signal.aborted) {
    // Ctrl-C while the link was being made: it must not outlive the send.
    throw await undoInterruptedShare(ctx, ledger, provider, entryId, target, link.url);
  }
  return link;
}

/**
 * `dmshare revoke` ran on this entry while the send was making it: what was made so far is
 * recorded on the revoked entry (so `revoke --delete-files` can remove the files); returns
 * the error the send fails with.
 */
export async function revokedMeanwhile(
  ledger: Ledger,
  id: string,
  made: Partial<LedgerEntry>,
): Promise<DmshareError> {
  await ledger.patch(id, made);
  return new DmshareError("unexpected", `Link ${id} was revoked while it was being made.`, {
    hint: `Another dmshare ran revoke on it, so no link is left. To remove the uploaded files: dmshare revoke ${id} --delete-files`,
  });
}

/** Interrupted, and what the send made may still exist: its entry stays pending. */
export class LeftPending extends DmshareError {
  constructor(message: string, options: { hint: string; cause: unknown }) {
    super("interrupted", message, options);
  }
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
  ledger: Ledger,
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
  await revokerOf(provider, { url, target }).revoke({ url, target });
  if (provider.capabilities.deleteFiles) await deleteUploads(provider, [target]);
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
    link = await stoppedBy(ctx.signal, () => sharerOf(provider).share(target, options));
  } catch (error) {
    if (ctx.signal.aborted) throw new ShareInterrupted(error);
    if (!(error instanceof DmshareError)) {
      // An answer the SDK could not make sense of: a link may exist all the same.
      throw await undoUntrustedShare(ctx, provider, target, entryId, "its answer made no sense");
    }
    if (error.kind === "usage") {
      await deleteUploads(provider, [target]);
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
