import type { Account, FileFailure, LocalFile, SharedLink } from "../../providers/provider.ts";
import type { ExpiryEnforcer, LedgerEntry } from "../../store/ledger.ts";
import type { SharePlan } from "../plan.ts";
import type { PreparedFile } from "../prepare.ts";

/** What the core tells the UI while it works; the UI decides how (or whether) to show it. */
export interface SendObserver {
  uploading(plan: PreparedPlan): void | Promise<void>;
  /** `bytesSent` of the plan's `totalBytes` are up; `file` is the one that moved, `fileSent` its bytes up. */
  progress(bytesSent: number, totalBytes: number, file: LocalFile, fileSent: number): void;
  /** Where it went: the provider, and whose account (undefined when it would not say). */
  uploaded(
    plan: PreparedPlan,
    to: { provider: string; account: Account | undefined },
  ): void | Promise<void>;
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
  /** With --dry-run: what the real run would do (and `links` is empty). */
  dryRun?: DryRun;
  /** Why the uploads have no link, when the provider can't make one (Google Photos). */
  sharingNote?: string;
}

export const errorMessage = (error: unknown) =>
  error instanceof Error ? error.message.replace(/\.$/, "") : String(error);

/** One share of a dry run: uploaded anew, or an earlier send's live link used again. */
export interface DryRunShare {
  plan: PreparedPlan;
  /** The earlier send whose link the real run would reuse (nothing would be uploaded). */
  reuses?: LedgerEntry;
}

/** What `send --dry-run` found the real run would do, decided by the real run's own code. */
export interface DryRun {
  shares: DryRunShare[];
  /** Whether the provider makes links (Google Photos does not: the upload stays private). */
  links: boolean;
  expiresAt: Date | null;
  /** Who would end the links at `expiresAt`: the provider, or dmshare (prune). */
  expiryBy: ExpiryEnforcer | null;
}
