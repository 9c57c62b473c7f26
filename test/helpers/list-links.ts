import { closeLedgers, Ledger, type LedgerEntry } from "../../src/store/ledger.ts";
import { ledgerDb } from "./ledger.ts";

/** The clock of the `list` tests: DMSHARE_NOW. */
export const LIST_NOW = "2026-11-22T12:00:00Z";

const DROPBOX_URL = (id: string) =>
  `https://www.dropbox.com/scl/fi/${id}q0x1bz7c3m4n5p6q7/photo.jpg?rlkey=abcdefghijklmnopqrstuvwxy&dl=0`;

const entry = (over: Partial<LedgerEntry> & { id: string }): LedgerEntry => ({
  provider: "dropbox",
  kind: "photo",
  name: "beach.jpg",
  url: DROPBOX_URL(over.id),
  message: null,
  target: { remotePath: `/dmshare/${over.id}.jpg`, remoteId: `id:${over.id}` },
  files: [],
  createdAt: "2026-11-20T09:30:00.000Z",
  expiresAt: null,
  revokedAt: null,
  status: "active",
  ...over,
});

/**
 * Links as a real ledger may hold them: long, CJK, accented and emoji names, an album with a
 * very long name, and each status `list` can show without asking a provider anything.
 */
export const LIST_LINKS: LedgerEntry[] = [
  entry({ id: "k3x9m2qa" }),
  entry({ id: "t0ky0001", name: "東京の夜景と富士山の写真アルバム.jpg", provider: "gdrive" }),
  entry({ id: "caf30001", name: "Cafe\u0301 de Flore, Montmartre, e\u0301te\u0301.jpg" }),
  entry({
    id: "part0001",
    name: "🎉🎂 birthday party at the beach.jpg",
    expiresAt: "2026-12-04T12:00:00Z",
  }),
  entry({
    id: "alb00001",
    kind: "album",
    name: "Summer holidays in Lisbon, Porto and the Algarve with the whole family 2026",
    createdAt: "2026-11-21T18:05:00.000Z",
  }),
  entry({ id: "shar0001", provider: "gphotos", status: "needs-sharing", name: "garden.jpg" }),
  entry({ id: "expd0001", name: "old.jpg", expiresAt: "2026-11-21T12:00:00Z" }),
  entry({
    id: "revk0001",
    name: "gone.jpg",
    status: "revoked",
    revokedAt: "2026-11-21T08:00:00Z",
    expiresAt: "2026-11-29T12:00:00Z",
  }),
];

/** Writes `links` into the ledger of `configDir`, newest last in the list, as sends would. */
export async function seedLinks(configDir: string, links = LIST_LINKS): Promise<void> {
  const ledger = new Ledger(ledgerDb(configDir));
  for (const link of links) await ledger.add(link);
  closeLedgers();
}
