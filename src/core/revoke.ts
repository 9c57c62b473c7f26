import type { Ctx } from "../context.ts";
import { usageError } from "../lib/errors.ts";
import { deleteUploads, revokerOf } from "../providers/features.ts";
import type { Provider } from "../providers/provider.ts";
import type { LedgerEntry } from "../store/ledger.ts";
import { parseDuration } from "./duration.ts";
import { matchUrlRef } from "./link-match.ts";
import { type LinkView, statusOf, viewOf } from "./links.ts";
import { connectProvider, openLedger } from "./session.ts";

export interface RevokeSelection {
  /** Link ids (or unique prefixes of them) and URLs, as the user typed them. */
  refs: string[];
  /** Every link that still works. */
  all: boolean;
  expired: boolean;
  /** A duration (`30d`): links created longer ago than that. */
  olderThan?: string;
  /** Only album links: narrows the other selectors, or alone selects every live album link. */
  album?: boolean;
  /** Told when a URL matched although the shell cut it (so the user quotes it next time). */
  onNote?: (text: string) => void;
}

export interface RevokeOptions {
  deleteFiles: boolean;
  dryRun: boolean;
}

export type RevokeResult = LinkView & {
  /** `already-revoked` is a success: revoking is idempotent. */
  outcome: "revoked" | "already-revoked" | "would-revoke";
  filesDeleted: boolean;
};

export interface RevokeFailure {
  entry: LedgerEntry;
  error: unknown;
}

export interface RevokeReport {
  results: RevokeResult[];
  /** Links that could not be revoked (or whose files could not be deleted); the others went on. */
  failures: RevokeFailure[];
  /** Ctrl-C stopped the batch: `results` holds what was done before it. */
  interrupted: boolean;
}

const MIN_PREFIX = 4;

/** What names the links to revoke: the links themselves, or a selector. */
type LinkChoice = Pick<RevokeSelection, "refs" | "olderThan"> & {
  all?: boolean;
  expired?: boolean;
  album?: boolean;
};

/** No link named and no selector (--all, --expired, --older-than, --album): none chosen yet. */
export const noLinkChosen = (choice: LinkChoice): boolean =>
  choice.refs.length === 0 &&
  !choice.all &&
  !choice.expired &&
  choice.olderThan === undefined &&
  !choice.album;

/** The ledger entries the user means: named ones, plus those the selectors match. */
export async function selectLinks(ctx: Ctx, selection: RevokeSelection): Promise<LedgerEntry[]> {
  const { refs, expired, olderThan } = selection;
  const album = selection.album === true;
  const selectors = selection.all || expired || olderThan !== undefined;
  if (noLinkChosen(selection)) {
    throw usageError(
      "No link given.",
      "Name links by id or URL (dmshare list shows them), or use --expired, --older-than 30d, --album or --all.",
    );
  }
  // `--album` alone: every album link that still works.
  const all = selection.all || (album && !selectors);
  const cutoff =
    olderThan === undefined
      ? undefined
      : ctx.now().getTime() - parseDuration("--older-than", olderThan);
  // Links named only by id (no URL, no selector): only the entries those ids start with.
  const byIdOnly = !selectors && !album && refs.every((ref) => !/[/:.]/.test(ref));
  const entries = byIdOnly
    ? await openLedger(ctx).withIdPrefixes(refs.map((ref) => ref.trim().toLowerCase()))
    : await openLedger(ctx).entries();
  const now = ctx.now();
  const selected = new Map(
    selectEntries(entries, refs, selection.onNote).map((entry) => [entry.id, entry]),
  );
  for (const entry of entries) {
    const status = statusOf(entry, now);
    // needs-sharing items have no link dmshare could revoke; they are only revoked by name.
    const live = status !== "revoked" && status !== "needs-sharing";
    const matches =
      (!album || entry.kind === "album") &&
      ((all && live) ||
        (expired && (status === "expired" || status === "overdue")) ||
        (cutoff !== undefined && live && Date.parse(entry.createdAt) < cutoff));
    if (matches) selected.set(entry.id, entry);
  }
  return [...selected.values()];
}

/** Revokes each entry; one failing does not stop the others. */
export async function revokeLinks(
  ctx: Ctx,
  entries: LedgerEntry[],
  options: RevokeOptions,
): Promise<RevokeReport> {
  const ledger = openLedger(ctx);
  const providers = new Map<string, Promise<Provider>>();
  const providerFor = (name: string) => {
    let provider = providers.get(name);
    if (!provider) {
      provider = connectProvider(ctx, name);
      providers.set(name, provider);
    }
    return provider;
  };

  const report: RevokeReport = { results: [], failures: [], interrupted: false };
  for (const entry of entries) {
    if (ctx.signal.aborted) {
      report.interrupted = true;
      break;
    }
    const now = ctx.now();
    if (options.dryRun) {
      const outcome = entry.status === "revoked" ? "already-revoked" : "would-revoke";
      report.results.push({ ...viewOf(entry, now), outcome, filesDeleted: false });
      continue;
    }
    let saved = entry;
    try {
      let outcome: RevokeResult["outcome"] = "already-revoked";
      if (entry.status !== "revoked") {
        const provider = await providerFor(entry.provider);
        const link = { url: entry.url, target: entry.target };
        outcome = await revokerOf(provider, link).revoke(link);
        saved = await ledger.patch(entry.id, { status: "revoked", revokedAt: now.toISOString() });
      }
      if (options.deleteFiles) {
        const provider = await providerFor(entry.provider);
        await deleteUploads(provider, remoteItemsOf(entry));
      }
      report.results.push({ ...viewOf(saved, now), outcome, filesDeleted: options.deleteFiles });
    } catch (error) {
      // `saved` tells whether the link went before the error (then only the files stayed).
      report.failures.push({ entry: saved, error });
    }
  }
  return report;
}

function remoteItemsOf(entry: LedgerEntry) {
  // The item (deleteUploads takes its send's own folder where it has one); its files in the
  // older, flat layout, where they have none.
  if (entry.target) return [entry.target];
  return entry.files.flatMap((file) =>
    file.remotePath && file.remoteId
      ? [{ remotePath: file.remotePath, remoteId: file.remoteId }]
      : [],
  );
}

/** Resolves each ref to exactly one entry; any ref that matches none (or several) is an error. */
export function selectEntries(
  entries: LedgerEntry[],
  refs: string[],
  onNote?: (text: string) => void,
): LedgerEntry[] {
  const selected = new Map<string, LedgerEntry>();
  const problems: string[] = [];
  let cut = false;
  for (const ref of refs) {
    const byUrl = matchUrlRef(entries, ref);
    const matches = byUrl ? byUrl.entries : matchId(entries, ref.trim());
    const [match] = matches;
    if (matches.length === 1 && match) {
      selected.set(match.id, match);
      if (byUrl?.truncated) cut = true;
    } else if (matches.length === 0 && !byUrl && ref.trim().length < MIN_PREFIX) {
      // An id shorter than a prefix may be (2–3 characters) names nothing by design.
      problems.push(`"${ref}" is too short: ids need at least ${MIN_PREFIX} characters`);
    } else if (matches.length === 0) {
      problems.push(`"${ref}" is not a link dmshare made`);
    } else if (byUrl?.truncated) {
      problems.push(
        `"${ref}" lost the part after "&" (its rlkey), so it matches ${matches.length} links`,
      );
    } else {
      problems.push(`"${ref}" matches ${matches.length} links; name one by its full id`);
    }
  }
  if (problems.length > 0) {
    throw usageError(
      `Can't revoke: ${problems.join("; ")}.`,
      cut || problems.some((problem) => problem.includes('after "&"'))
        ? "Nothing was revoked. Put the URL in single quotes so the shell keeps all of it ('https://…&dl=0'), or name the link by its id: dmshare list --all shows them."
        : "Nothing was revoked. dmshare list --all shows the ids and URLs it knows.",
    );
  }
  if (cut) {
    onNote?.(
      "The URL was cut at \"&\" (an unquoted shell does that); it still named one link. Quote URLs next time: dmshare revoke 'https://…'",
    );
  }
  return [...selected.values()];
}

function matchId(entries: LedgerEntry[], ref: string): LedgerEntry[] {
  const exact = entries.filter((entry) => entry.id === ref.toLowerCase());
  if (exact.length > 0 || ref.length < MIN_PREFIX) return exact;
  return entries.filter((entry) => entry.id.startsWith(ref.toLowerCase()));
}
