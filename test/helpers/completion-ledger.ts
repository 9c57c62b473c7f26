import path from "node:path";
import { closeLedgers, Ledger, type LedgerEntry } from "../../src/store/ledger.ts";

/** The clock the completion tests run at (DMSHARE_NOW). */
export const COMPLETION_NOW = "2026-12-01T12:00:00.000Z";

const daysBefore = (days: number) =>
  new Date(Date.parse(COMPLETION_NOW) - days * 86_400_000).toISOString();

function entry(id: string, name: string, over: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    id,
    provider: "dropbox",
    kind: "photo",
    name,
    url: `https://www.dropbox.com/scl/fi/${id}/${encodeURIComponent(name)}?rlkey=k${id}&dl=0`,
    message: null,
    target: { remotePath: `/dmshare/${name}`, remoteId: `id:${id}` },
    files: [],
    createdAt: daysBefore(3),
    expiresAt: null,
    revokedAt: null,
    status: "active",
    ...over,
  };
}

/**
 * A ledger with a link of every kind completion must tell apart: live ones (active, and one
 * past the expiry dmshare enforces but still working), a revoked one, one the provider
 * expired, a pending one, and two albums (one revoked) with spaces in their names.
 */
export const COMPLETION_ENTRIES: LedgerEntry[] = [
  entry("k3x9m2qa", "beach.jpg", { createdAt: daysBefore(2) }),
  entry("k3x7hw2p", "dog.jpg", { provider: "gdrive", createdAt: daysBefore(5) }),
  entry("7hw2dd4e", "overdue.jpg", {
    expiresAt: daysBefore(1),
    expiryEnforcedBy: "dmshare",
  }),
  entry("r3v0k3d1", "revoked.jpg", { status: "revoked", revokedAt: daysBefore(1) }),
  entry("e7p1r3d0", "expired.jpg", { expiresAt: daysBefore(1), expiryEnforcedBy: "provider" }),
  entry("p3nd1ng0", "pending.jpg", { status: "pending", url: null, target: null }),
  entry("a1bum000", "Lisbon trip", { kind: "album", createdAt: daysBefore(1) }),
  entry("a1bum001", "Porto 2025", { kind: "album", status: "revoked", revokedAt: daysBefore(1) }),
];

/** Writes COMPLETION_ENTRIES into the ledger of `configDir`. */
export async function seedCompletionLedger(configDir: string): Promise<void> {
  const ledger = new Ledger(path.join(configDir, "ledger.db"));
  for (const one of COMPLETION_ENTRIES) await ledger.add(one);
  closeLedgers();
}
