import type { Ctx } from "../../context.ts";
import { DmshareError, interruptedError, usageError } from "../../lib/errors.ts";
import { displayNameOf } from "../../providers/catalog.ts";
import type { Account, LocalFile, Provider, ShareOptions } from "../../providers/provider.ts";
import { ConfigStore, type Settings } from "../../store/config.ts";
import type { ExpiryEnforcer } from "../../store/ledger.ts";
import { inspectFiles } from "../inputs.ts";
import { type MessageStyle, parsePreset } from "../message.ts";
import { type PlanOptions, planShares, type SharePlan } from "../plan.ts";
import { type PreparedFile, type PrepareOptions, prepareFiles, withWorkspace } from "../prepare.ts";
import {
  chooseProviderName,
  connectProvider,
  loggedInProviders,
  notLoggedInAnywhere,
} from "../session.ts";
import { checkCapabilities, expiryEnforcer, optionsForProvider } from "./capabilities.ts";
import { dryRunOf } from "./dry-run.ts";
import { LeftPending } from "./link.ts";
import { refuseFlagsForPlans, type SendSettings } from "./options.ts";
import { contentHashOf, earlierLink, reuseEarlier } from "./reuse.ts";
import { shareOne } from "./share-one.ts";
import type { PreparedPlan, SendObserver, SendOutcome, SentLink } from "./types.ts";

export { parseSendOptions, type SendRequest, type SendSettings } from "./options.ts";
export { keepOwnerAlive } from "./share-one.ts";
export type {
  DryRun,
  DryRunShare,
  FailedShare,
  PreparedPlan,
  SendObserver,
  SendOutcome,
  SentLink,
} from "./types.ts";

/** What every share of a send asks for, once the provider said it can honour it. */
interface Terms {
  /** With the password, once asked for. */
  shareOptions: ShareOptions;
  expiryBy: ExpiryEnforcer | null;
  /** Whether a message may name the expiry date of a link whose expiry this ends. */
  datedMessage: (enforcedBy: ExpiryEnforcer | null) => boolean;
}

/** plan → check → upload → link → record, for each share in the request. */
export async function send(
  ctx: Ctx,
  request: SendSettings,
  observer: SendObserver,
): Promise<SendOutcome> {
  const now = ctx.now();
  const files = await inspectFiles(request.paths, ctx.cwd, { anyFile: request.anyFile });
  const planOptions: PlanOptions = { album: request.album, each: request.each };
  const plans = planShares(files, planOptions, now);
  refuseFlagsForPlans(request, plans);
  const settings = await new ConfigStore(ctx.paths.configDir).all();
  const style = request.style ?? styleOfSettings(settings);
  if (!request.via && !settings.provider && (await loggedInProviders(ctx)).length === 0) {
    throw notLoggedInAnywhere();
  }
  const providerName = chooseProviderName(request.via, settings.provider);
  const prepareOptions: PrepareOptions = {
    keepMetadata: request.keepMetadata ?? settings.metadata === "keep",
    convertToJpeg: request.convertToJpeg,
    resize: request.resize,
  };
  return withWorkspace(async (workspace) => {
    // The files are prepared while the provider's client loads and the terms are agreed:
    // reading and writing copies leaves this thread idle, loading a client keeps it busy.
    // Nothing is uploaded before both are done, and a provider that can't be used is said
    // first, as when one followed the other.
    const preparing = prepareAll(ctx, files, prepareOptions, workspace);
    // Handled here so that failing while the provider connects is not an unhandled rejection;
    // it is thrown where it is awaited below.
    preparing.catch(() => {});
    let provider: Provider;
    let terms: Terms;
    try {
      provider = await connectProvider(ctx, providerName);
      terms = await agreeTerms(request, provider, providerName, plans, style);
    } catch (error) {
      // Settled before the workspace is removed; the provider's error is the one said.
      await preparing.catch(() => {});
      throw error;
    }
    // Round trips the upload needs go on while the files are prepared (not in a dry run: they
    // may create, e.g. the dmshare folder on a Drive that has none yet).
    if (!request.dryRun) provider.warmUp?.();
    const prepared = await preparing;
    const preparedPlans = planShares(prepared, planOptions, now);
    if (request.dryRun)
      return dryRunOutcome(ctx, provider, providerName, preparedPlans, request, terms);
    const account = accountOf(provider);
    const share = (plan: PreparedPlan) =>
      shareOrReuse(ctx, provider, plan, { request, terms, style, observer, account });
    const outcome: SendOutcome = {
      provider: providerName,
      plans: preparedPlans,
      links: [],
      failures: [],
      interrupted: false,
      sharingNote: provider.sharingNote,
    };
    await shareInTurn(ctx, preparedPlans, outcome, share, observer);
    return outcome;
  }, ctx.lastWords?.onQuitNow);
}

/** `--dry-run`: the real run's decisions on the prepared plans, and nothing done. */
async function dryRunOutcome(
  ctx: Ctx,
  provider: Provider,
  providerName: string,
  plans: PreparedPlan[],
  request: SendSettings,
  terms: Terms,
): Promise<SendOutcome> {
  const dryRun = await dryRunOf(ctx, provider, plans, {
    shareOptions: terms.shareOptions,
    expiryBy: terms.expiryBy,
    newLink: request.newLink,
  });
  const outcome = { provider: providerName, plans, links: [], failures: [], interrupted: false };
  return { ...outcome, dryRun, sharingNote: provider.sharingNote };
}

/**
 * Whose account the files go to, asked once and only when a file is uploaded (so a send
 * refused before uploading makes no extra call); undefined when the provider won't say.
 */
function accountOf(provider: Provider): () => Promise<Account | undefined> {
  let asking: Promise<Account | undefined> | undefined;
  return () => {
    asking ??= provider.whoami().catch(() => undefined);
    return asking;
  };
}

/** The `message` setting, else the `preset` setting, else casual. */
function styleOfSettings(settings: Settings): MessageStyle {
  if (settings.message !== undefined) return { template: settings.message };
  if (settings.preset !== undefined) return { preset: parsePreset(settings.preset) };
  return {};
}

/** Stands for the password in the checks made before it is asked for; never sent anywhere. */
const PASSWORD_TO_ASK = "(asked after the checks)";

/**
 * Who ends the link at its expiry, whether the message may say when, and what the provider
 * can't do: all refused before anything is uploaded. The password is asked for last.
 */
async function agreeTerms(
  request: SendSettings,
  provider: Provider,
  providerName: string,
  plans: SharePlan[],
  style: MessageStyle,
): Promise<Terms> {
  const shareOptions: ShareOptions = {
    expiresAt: request.expiresAt,
    noDownload: request.noDownload,
  };
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
  await provider.checkShareOptions?.(wanted);
  // A dry run asks for no password: it only needs to know there would be one.
  if (request.password) {
    shareOptions.password = request.dryRun ? PASSWORD_TO_ASK : await request.password();
  }
  return { shareOptions, expiryBy, datedMessage };
}

/** Metadata stripped, conversions made: Ctrl-C while at it means nothing was uploaded. */
async function prepareAll(
  ctx: Ctx,
  files: LocalFile[],
  options: PrepareOptions,
  workspace: string,
): Promise<PreparedFile[]> {
  try {
    return await prepareFiles(files, options, workspace, ctx.signal);
  } catch (error) {
    if (ctx.signal.aborted) throw interruptedError("nothing was uploaded.");
    throw error;
  }
}

/** A live link of an earlier send of the same content (unless --new-link), else a new share. */
async function shareOrReuse(
  ctx: Ctx,
  provider: Provider,
  plan: PreparedPlan,
  send: {
    request: SendSettings;
    terms: Terms;
    style: MessageStyle;
    observer: SendObserver;
    account: () => Promise<Account | undefined>;
  },
): Promise<SentLink> {
  const { request, terms, style, observer } = send;
  const { shareOptions, expiryBy, datedMessage } = terms;
  // Read once, when first needed: to look for a link to reuse, or while uploading.
  let hashing: Promise<string> | undefined;
  const contentHash = () => {
    hashing ??= contentHashOf(plan, ctx.signal);
    return hashing;
  };
  const earlier = await earlierLink(ctx, provider, plan, {
    newLink: request.newLink,
    options: shareOptions,
    contentHash,
    record: true,
  });
  if (earlier) {
    observer.reusedEarlier(plan, earlier);
    return reuseEarlier(plan, earlier, style, datedMessage);
  }
  const options = {
    ...shareOptions,
    contentHash,
    expiryEnforcedBy: expiryBy,
    datedMessage: datedMessage(expiryBy),
    partial: request.partial,
    concurrency: request.concurrency,
    account: send.account,
  };
  return shareOne(ctx, provider, plan, options, style, observer);
}

/**
 * The shares one after another. One share's failure is the send's; in a batch it is noted
 * and the rest go on, unless it would fail them all alike. Ctrl-C ends the batch.
 */
async function shareInTurn(
  ctx: Ctx,
  plans: PreparedPlan[],
  outcome: SendOutcome,
  share: (plan: PreparedPlan) => Promise<SentLink>,
  observer: SendObserver,
): Promise<void> {
  for (const [index, plan] of plans.entries()) {
    if (ctx.signal.aborted) {
      if (outcome.links.length === 0) throw interruptedError("nothing was shared.");
      outcome.interrupted = true;
      return;
    }
    try {
      outcome.links.push(await share(plan));
    } catch (error) {
      // One share, or Ctrl-C before anything was shared: a plain failure.
      if (plans.length === 1 || (ctx.signal.aborted && outcome.links.length === 0)) {
        throw error;
      }
      observer.failed(plan);
      if (ctx.signal.aborted) {
        // Its clean-up could not finish: the message says what may exist and how to end it.
        if (error instanceof LeftPending) outcome.failures.push({ plan, error });
        outcome.interrupted = true;
        return;
      }
      outcome.failures.push({ plan, error });
      if (failsEveryShare(error)) {
        for (const rest of plans.slice(index + 1)) outcome.failures.push({ plan: rest, error });
        return;
      }
    }
  }
}

/** Bad input or rejected credentials fail every file of a batch alike: no use going on. */
const failsEveryShare = (error: unknown) =>
  error instanceof DmshareError && (error.kind === "usage" || error.kind === "auth");
