/**
 * Every failure a user can see is one of these. The exit code comes from the one table
 * below, so a command never picks a number itself (DESIGN.md §2, "Exit codes").
 */
export const EXIT_CODES = {
  success: 0,
  unexpected: 1,
  usage: 2,
  auth: 3,
  provider: 4,
  partial: 5,
  /** The conventional code for a command stopped by SIGINT (128 + 2). */
  interrupted: 130,
} as const;

export type ErrorKind = Exclude<keyof typeof EXIT_CODES, "success">;

export class DmshareError extends Error {
  readonly kind: ErrorKind;
  /** The next step for the user, shown under the message. */
  readonly hint: string | undefined;

  constructor(kind: ErrorKind, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "DmshareError";
    this.kind = kind;
    this.hint = options.hint;
  }

  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }
}

/** Bad usage or bad input: a missing file, an unsupported type, an unknown provider. */
export const usageError = (message: string, hint?: string) =>
  new DmshareError("usage", message, { hint });

/** Not logged in, or the provider rejected the credentials. */
export const authError = (message: string, hint?: string, cause?: unknown) =>
  new DmshareError("auth", message, { hint, cause });

/** The provider or the network failed (after retries). */
export const providerError = (message: string, hint?: string, cause?: unknown) =>
  new DmshareError("provider", message, { hint, cause });

export const interruptedError = (whatHappened: string) =>
  new DmshareError("interrupted", `Interrupted: ${whatHappened}`);

export function exitCodeOf(error: unknown): number {
  return error instanceof DmshareError ? error.exitCode : EXIT_CODES.unexpected;
}

/** A batch: 0 when nothing failed, 5 when some items did, the first error's code when all did. */
export function batchExitCode(succeeded: number, errors: unknown[]): number {
  const [first] = errors;
  if (first === undefined) return EXIT_CODES.success;
  return succeeded > 0 ? EXIT_CODES.partial : exitCodeOf(first);
}
