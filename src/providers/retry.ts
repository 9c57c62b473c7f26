import type { Ctx } from "../context.ts";
import { DmshareError, interruptedError } from "../lib/errors.ts";

/** How one failed attempt should be handled. */
export type RetryDecision =
  | { retry: false }
  | {
      retry: true;
      /** Why, in a few words for the person waiting: "rate limited", "connection lost". */
      reason: string;
      /** The server's Retry-After, when it sent one. */
      afterMs?: number;
    };

/** The reason given for a 429 or a quota 403: uploads running then back off (Concurrency). */
export const RATE_LIMITED = "rate limited";

/** Told before each wait, so a person at a terminal knows why nothing moves. */
export type RetryListener = (reason: string, delayMs: number) => void;

export interface RetryOptions {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** No wait starts once this much time has gone by since the first attempt. */
  maxTotalMs: number;
  onRetry?: RetryListener;
  signal?: AbortSignal;
  /** How to wait (tests give one that does not); false when the signal aborted first. */
  sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<boolean>;
  /** The clock (tests move it). */
  now?: () => number;
  /** Where the backoff's jitter comes from, in [0, 1) (tests fix it). */
  random?: () => number;
}

/** The longest wait a server's Retry-After is honoured for; beyond it dmshare stops and says when. */
export const MAX_SERVER_WAIT_MS = 5 * 60_000;

/** A Retry-After header, in seconds or as an HTTP date, as milliseconds from now. */
export function retryAfterMs(
  value: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (!value?.trim()) return undefined;
  const seconds = Number(value.trim());
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const when = Date.parse(value);
  return Number.isNaN(when) ? undefined : Math.max(0, when - now);
}

export const DEFAULT_RETRY: Omit<RetryOptions, "onRetry" | "signal"> = {
  attempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxTotalMs: 60_000,
};

/**
 * A failure that persisted through retries: the last error, and how long dmshare kept at it,
 * so the message can say so.
 */
export class RetriesExhausted extends Error {
  readonly attempts: number;
  readonly elapsedMs: number;

  constructor(cause: unknown, attempts: number, elapsedMs: number) {
    super(`gave up after ${attempts} attempts`, { cause });
    this.name = "RetriesExhausted";
    this.attempts = attempts;
    this.elapsedMs = elapsedMs;
  }
}

/** The server asked for a wait longer than dmshare makes a person wait. */
export class RetryLater extends Error {
  readonly afterMs: number;

  constructor(cause: unknown, afterMs: number) {
    super(`the server asked to wait ${Math.round(afterMs / 1000)} s`, { cause });
    this.name = "RetryLater";
    this.afterMs = afterMs;
  }
}

/**
 * Runs `attempt` until it succeeds, `decide` says the error is final, or the attempts or the
 * time run out. Waits the server's Retry-After when given (never less than the base delay,
 * so `Retry-After: 0` does not hammer), else exponential backoff with full jitter. An error
 * that was retried comes out wrapped in RetriesExhausted.
 */
export async function withRetry<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  decide: (error: unknown) => RetryDecision,
  options: RetryOptions,
): Promise<T> {
  const clock = options.now ?? Date.now;
  const started = clock();
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      const decision = decide(error);
      const giveUp = (): never => {
        if (attemptNumber === 1) throw error;
        throw new RetriesExhausted(error, attemptNumber, clock() - started);
      };
      if (!decision.retry || attemptNumber >= options.attempts || options.signal?.aborted) {
        giveUp();
      }
      const asked = decision.retry ? decision.afterMs : undefined;
      const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attemptNumber);
      const backoff = options.baseDelayMs / 2 + (options.random ?? Math.random)() * ceiling;
      // The server's Retry-After is honoured up to 5 minutes (never less than the base delay);
      // a longer one ends the call at once, saying when to try again.
      const delayMs =
        asked === undefined
          ? Math.min(options.maxDelayMs, Math.max(options.baseDelayMs, backoff))
          : Math.max(options.baseDelayMs, asked);
      const elapsed = clock() - started;
      if (
        asked !== undefined &&
        (asked > MAX_SERVER_WAIT_MS || elapsed + delayMs > options.maxTotalMs + MAX_SERVER_WAIT_MS)
      ) {
        throw new RetryLater(error, asked);
      }
      if (asked === undefined && elapsed + delayMs > options.maxTotalMs) giveUp();
      if (decision.retry) options.onRetry?.(decision.reason, delayMs);
      if (!(await (options.sleep ?? sleep)(delayMs, options.signal))) giveUp();
    }
  }
}

/** Waits, unless the signal aborts first; false when it did. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const stop = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", stop);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", stop, { once: true });
  });
}

/**
 * The policy for one provider call: Ctrl-C stops it, each wait is told to the UI, and a rate
 * limit also makes the uploads running now back off.
 */
export function retryOptionsFor(
  ctx: Pick<Ctx, "signal" | "onRetry" | "now" | "sleep">,
  backOffUploads: () => void,
): RetryOptions {
  return {
    ...DEFAULT_RETRY,
    signal: ctx.signal,
    now: () => ctx.now().getTime(),
    sleep: ctx.sleep ?? sleep,
    onRetry: (reason, delayMs) => {
      if (reason === RATE_LIMITED) backOffUploads();
      ctx.onRetry?.(reason, delayMs);
    },
  };
}

/** The error behind a RetriesExhausted (what the provider actually said), else the error. */
export const lastFailure = (error: unknown): unknown =>
  error instanceof RetriesExhausted || error instanceof RetryLater ? error.cause : error;

/**
 * The error a failed call ends with: "interrupted" after Ctrl-C, else the provider's last
 * error translated into a sentence, with how long dmshare retried before giving up
 * ("… (tried 5 times over 12 s)").
 */
export function explainFailure(
  error: unknown,
  action: string,
  signal: AbortSignal,
  translate: (error: unknown) => Error,
  now = Date.now(),
): Error {
  const last = lastFailure(error);
  if (isAbort(last, signal)) return interruptedError(`stopped while trying to ${action}.`);
  // dmshare's own verdict on an answer (too big, a foreign host), wrapped by an SDK.
  const translated = ownVerdict(last) ?? translate(last);
  if (error instanceof RetryLater && translated instanceof DmshareError) {
    const when = new Date(now + error.afterMs);
    return new DmshareError(
      "provider",
      `${translated.message.replace(/[.\s]+$/, "")}, and asked dmshare to wait ${humanWait(error.afterMs)} before trying again.`,
      {
        hint: `dmshare waits at most ${MAX_SERVER_WAIT_MS / 60_000} minutes. Try again after ${when.toTimeString().slice(0, 5)} (${when.toISOString().slice(0, 16).replace("T", " ")} UTC).`,
        cause: translated.cause ?? error.cause,
      },
    );
  }
  if (!(error instanceof RetriesExhausted) || !(translated instanceof DmshareError)) {
    return translated;
  }
  const seconds = Math.max(1, Math.round(error.elapsedMs / 1000));
  return new DmshareError(
    translated.kind,
    `${translated.message.replace(/[.\s]+$/, "")} (tried ${error.attempts} times over ${seconds} s).`,
    { hint: translated.hint, cause: translated.cause ?? error.cause },
  );
}

/** `45 s`, `12 min`, `3 h`. */
export function humanWait(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 2 * 3600) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

function ownVerdict(error: unknown): DmshareError | undefined {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; depth++) {
    if (cause instanceof DmshareError) return cause;
    cause = cause.cause;
  }
  return undefined;
}

const CONNECTION_ERRORS = [
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
];

/**
 * True for errors where the connection failed rather than the server answering. Clients wrap
 * them (gaxios: GaxiosError → TypeError "fetch failed" → ECONNRESET), so the causes are walked.
 */
export function isNetworkError(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; depth++) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code && CONNECTION_ERRORS.includes(code)) return true;
    if (cause instanceof TypeError && cause.message === "fetch failed") return true;
    cause = cause.cause;
  }
  return false;
}

/**
 * True when the request was stopped by Ctrl-C. fetch throws an AbortError; gaxios turns it
 * into a plain Error "This operation was aborted" with the AbortError as its cause.
 */
export function isAbort(error: unknown, signal: AbortSignal): boolean {
  if (!signal.aborted) return false;
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; depth++) {
    if (cause.name === "AbortError" || /operation was aborted/i.test(cause.message)) return true;
    cause = cause.cause;
  }
  return false;
}
