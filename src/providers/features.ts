// What a provider can do, told from what it implements (as rclone's Features.Fill does), and
// the guards the core asks for an optional interface through: the interface, or the
// provider's own refusal (exit 2) when it has none.

import { usageError } from "../lib/errors.ts";
import { type RemoteItem, wholeSend } from "../lib/link-records.ts";
import type {
  Deleter,
  LinkLister,
  LinkOptions,
  LinkRevoker,
  LinkSharer,
  LinkToRevoke,
  Provider,
  ProviderParts,
  Refusal,
} from "./provider.ts";

const implementsAll = (provider: object, methods: readonly string[]) =>
  methods.every((method) => typeof (provider as Record<string, unknown>)[method] === "function");

const SHARER = ["share"] as const;
const REVOKER = ["revoke"] as const;
const DELETER = ["deleteItems"] as const;
const LISTER = ["linkState", "listLinks"] as const;

/**
 * The provider with its capabilities: which operations exist comes from the methods it has;
 * the link options (from the catalog) count only where it makes links at all.
 */
export function fillCapabilities(parts: ProviderParts, options: LinkOptions): Provider {
  const publicLinks = implementsAll(parts, SHARER);
  return {
    ...parts,
    capabilities: {
      publicLinks,
      albums: options.albums,
      expiry: publicLinks && options.expiry,
      noDownload: publicLinks && options.noDownload,
      password: publicLinks && options.password,
      revoke: implementsAll(parts, REVOKER),
      deleteFiles: implementsAll(parts, DELETER),
    },
  };
}

function refuse(provider: Provider, refusal: Refusal | undefined, fallback: string): never {
  const { message, hint } = refusal ?? {
    message: `The ${provider.name} provider can't ${fallback}.`,
    hint: "Send with another provider (--via) for that.",
  };
  throw usageError(message, hint);
}

/** The provider as a LinkSharer, or its refusal. */
export function sharerOf(provider: Provider): LinkSharer {
  if (implementsAll(provider, SHARER)) return provider as LinkSharer;
  return refuse(provider, provider.refusals?.share, "make share links");
}

/** The provider as a LinkRevoker, or its refusal (which may name where `link` is). */
export function revokerOf(provider: Provider, link: LinkToRevoke): LinkRevoker {
  if (implementsAll(provider, REVOKER)) return provider as LinkRevoker;
  return refuse(provider, provider.refusals?.revoke?.(link), "revoke links");
}

/** The provider as a Deleter, or its refusal. */
export function deleterOf(provider: Provider): Deleter {
  if (implementsAll(provider, DELETER)) return provider as Deleter;
  return refuse(provider, provider.refusals?.deleteItems, "delete what it uploaded");
}

/**
 * Deletes everything the sends of `items` uploaded (each one's own folder, else the item
 * itself: see `wholeSend`), or the provider's refusal.
 */
export function deleteUploads(provider: Provider, items: readonly RemoteItem[]): Promise<void> {
  return deleterOf(provider).deleteItems(items.map(wholeSend));
}

/** The provider as a LinkLister, or a refusal (a provider without links has none to list). */
export function listerOf(provider: Provider): LinkLister {
  if (implementsAll(provider, LISTER)) return provider as LinkLister;
  return refuse(provider, undefined, "list links");
}
