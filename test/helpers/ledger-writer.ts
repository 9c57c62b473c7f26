// A separate process that writes to a ledger, for the tests of concurrent writers and of a
// kill -9 in the middle of a write: node test/helpers/ledger-writer.ts FILE PREFIX COUNT
// adds COUNT entries (COUNT 0: until killed), printing each id once it is saved.
import { Ledger, type LedgerEntry } from "../../src/store/ledger.ts";

const [file, prefix, count] = process.argv.slice(2) as [string, string, string];
const ledger = new Ledger(file);
const entry = (id: string): LedgerEntry => ({
  id,
  provider: "dropbox",
  kind: "album",
  name: `${id} ${"x".repeat(2000)}`,
  url: `https://www.dropbox.com/scl/fo/${id}/x?rlkey=k&dl=0`,
  message: null,
  target: { remotePath: `/dmshare/${id}`, remoteId: `id:${id}` },
  files: Array.from({ length: 50 }, (_, n) => ({
    path: `/photos/${id}-${n}.jpg`,
    remotePath: `/dmshare/${id}/${n}.jpg`,
    remoteId: `id:${id}${n}`,
    bytes: 1000 + n,
  })),
  createdAt: new Date().toISOString(),
  expiresAt: null,
  revokedAt: null,
  status: "active",
});
const total = Number(count);
for (let n = 0; total === 0 || n < total; n++) {
  const id = `${prefix}${n.toString().padStart(6, "0")}`;
  await ledger.add(entry(id));
  // Every tenth save also rewrites an earlier entry (a patch), as a send does.
  if (n % 10 === 9)
    await ledger.patch(`${prefix}${(n - 5).toString().padStart(6, "0")}`, { status: "revoked" });
  process.stdout.write(`${id}\n`);
}
