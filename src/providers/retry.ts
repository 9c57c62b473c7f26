/** How one failed attempt should be handled. */
export type RetryDecision =
  | { retry: false }
  | {
      retry: true;
      reason: string /** The server's Retry-After, when it sent one. */;
      afterMs?: number;
    };

export interface RetryOptions {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  onRetry?: (reason: string, delayMs: number, attempt: number) => void;
  signal?: AbortSignal;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 4, baseDelayMs: 500, maxDelayMs: 20_000 };

/**
 * Runs `attempt` until it succeeds, `decide` says the error is final, or the attempts run
 * out. Waits the server's Retry-After when given, else exponential backoff with full jitter.
 */
export async function withRetry<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  decide: (error: unknown) => RetryDecision,
  options: RetryOptions = DEFAULT_RETRY,
): Promise<T> {
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      const decision = decide(error);
      if (!decision.retry || attemptNumber >= options.attempts || options.signal?.aborted) {
        throw error;
      }
      const backoff =
        Math.random() * Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attemptNumber);
      const delayMs = Math.min(options.maxDelayMs, decision.afterMs ?? backoff);
      options.onRetry?.(decision.reason, delayMs, attemptNumber);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
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
