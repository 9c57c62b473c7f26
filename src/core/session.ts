import type { Ctx } from "../context.ts";
import { usageError } from "../errors.ts";
import type { Provider, ProviderSession } from "../providers/provider.ts";
import { findProvider } from "../providers/registry.ts";
import { fileCredentialStore } from "../store/credentials.ts";
import { Ledger } from "../store/ledger.ts";
import { ledgerPath } from "../store/paths.ts";

export function providerSession(ctx: Ctx): ProviderSession {
  return { ctx, credentials: fileCredentialStore(ctx.paths.configDir) };
}

export const openLedger = (ctx: Ctx) => new Ledger(ledgerPath(ctx.paths.configDir));

/** Connects to a provider by name or alias; throws an auth error when not logged in. */
export async function connectProvider(ctx: Ctx, nameOrAlias: string): Promise<Provider> {
  const entry = findProvider(nameOrAlias);
  const module = await entry.load();
  return module.connect(providerSession(ctx));
}

/** `--via`, else the configured default. */
export function chooseProviderName(
  via: string | undefined,
  configured: string | undefined,
): string {
  const chosen = via ?? configured;
  if (chosen) return findProvider(chosen).name;
  throw usageError(
    "No provider given.",
    "Add --via dropbox, or set a default once: dmshare config set provider dropbox",
  );
}
