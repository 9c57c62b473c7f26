import { usageError } from "../../lib/errors.ts";
import { displayNameOf } from "../../providers/catalog.ts";
import type { Provider, ShareOptions } from "../../providers/provider.ts";
import type { ExpiryEnforcer } from "../../store/ledger.ts";
import type { SharePlan } from "../plan.ts";

/** What the provider can't do is refused before anything is uploaded. */
export function checkCapabilities(
  provider: Provider,
  options: ShareOptions,
  plans: SharePlan[],
): void {
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
export async function expiryEnforcer(
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
export function optionsForProvider<T extends ShareOptions>(
  options: T,
  by: ExpiryEnforcer | null,
): T {
  return by === "dmshare" ? { ...options, expiresAt: null } : options;
}
