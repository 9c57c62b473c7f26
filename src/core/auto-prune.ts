import type { Ctx } from "../context.ts";
import { ConfigStore } from "../store/config.ts";
import { readTextIfExists, writeFileAtomic } from "../store/files.ts";
import { autoPruneStatePath } from "../store/paths.ts";
import { isOverdue } from "./links.ts";
import { revokeLinks } from "./revoke.ts";
import { openLedger } from "./session.ts";

/** How long a command waits for the links due to be revoked before it goes on with its own work. */
export const AUTO_PRUNE_TIMEOUT_MS = 2_000;
/** After a failed or unfinished attempt, commands leave the provider alone this long. */
export const AUTO_PRUNE_BACKOFF_MS = 10 * 60_000;

export interface AutoPruneOutcome {
  /** The links revoked now. */
  revoked: { id: string; name: string }[];
  /** How many overdue links still work: the provider failed, or the time ran out. */
  left: number;
  /** Why some were left, in a few words; null when none were. */
  problem: string | null;
}

/**
 * Revokes the links whose dmshare-enforced expiry has passed, before a command does its own
 * work. Cheap when nothing is due (the ledger's index tells); bounded in time, so a provider
 * that is down or slow costs a command at most `timeoutMs`, and then (for a while) nothing;
 * never throws: the command's own work matters more. Null when there was nothing to do.
 */
export async function autoPrune(
  ctx: Ctx,
  timeoutMs = AUTO_PRUNE_TIMEOUT_MS,
): Promise<AutoPruneOutcome | null> {
  try {
    return await pruneOverdue(ctx, timeoutMs);
  } catch (error) {
    return { revoked: [], left: 0, problem: (error as Error).message ?? String(error) };
  }
}

async function pruneOverdue(ctx: Ctx, timeoutMs: number): Promise<AutoPruneOutcome | null> {
  const now = ctx.now();
  const ledger = openLedger(ctx);
  const due = (await ledger.overdueBy(now)).filter((link) => isOverdue(link, now));
  if (due.length === 0) return null;
  if ((await new ConfigStore(ctx.paths.configDir).get("auto-prune")) === "off") return null;
  if (now.getTime() < (await backedOffUntil(ctx))) return null;

  // Every call of this prune stops at the time bound, or at Ctrl-C.
  const timeUp = new AbortController();
  const signal = AbortSignal.any([ctx.signal, timeUp.signal]);
  const bounded: Ctx = {
    ...ctx,
    signal,
    onRetry: undefined,
    fetch: (input, init) =>
      ctx.fetch(input, {
        ...init,
        signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal,
      }),
  };
  const timer = setTimeout(() => timeUp.abort(), timeoutMs);
  const stopped = new Promise<"stopped">((resolve) => {
    if (signal.aborted) resolve("stopped");
    signal.addEventListener("abort", () => resolve("stopped"), { once: true });
  });
  const wanted = new Set(due.map((link) => link.id));
  const work = (async () => {
    // From the ledger itself: the index has no remote ids, and may be older than an entry.
    const entries = (await ledger.withIds([...wanted])).filter(
      (entry) => wanted.has(entry.id) && isOverdue(entry, now),
    );
    return revokeLinks(bounded, entries, { deleteFiles: false, dryRun: false });
  })();
  // Whatever is still running when the time is up ends on its own (its calls are aborted).
  work.catch(() => undefined);
  try {
    const report = await Promise.race([work, stopped]);
    const revoked =
      report === "stopped"
        ? []
        : report.results.map((result) => ({ id: result.id, name: result.name }));
    const left = due.length - revoked.length;
    if (left === 0) return { revoked, left, problem: null };
    const problem =
      report === "stopped" || report.interrupted
        ? `no answer within ${Math.round(timeoutMs / 1000)} s`
        : failureText(report.failures[0]?.error);
    if (!ctx.signal.aborted) await backOff(ctx, now);
    return { revoked, left, problem };
  } finally {
    clearTimeout(timer);
  }
}

const failureText = (error: unknown) =>
  error instanceof Error ? error.message.replace(/\.$/, "") : String(error);

async function backedOffUntil(ctx: Ctx): Promise<number> {
  try {
    const text = await readTextIfExists(autoPruneStatePath(ctx.paths.configDir));
    const until = text === null ? Number.NaN : Date.parse(JSON.parse(text).retryAfter);
    return Number.isNaN(until) ? 0 : until;
  } catch {
    return 0;
  }
}

async function backOff(ctx: Ctx, now: Date): Promise<void> {
  const retryAfter = new Date(now.getTime() + AUTO_PRUNE_BACKOFF_MS).toISOString();
  await writeFileAtomic(
    autoPruneStatePath(ctx.paths.configDir),
    `${JSON.stringify({ retryAfter })}\n`,
  ).catch(() => undefined);
}
