import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findLiveLink } from "../../src/core/send/reuse.ts";
import type { PreparedPlan } from "../../src/core/send/types.ts";
import type { Provider } from "../../src/providers/provider.ts";
import { Ledger, type LedgerEntry } from "../../src/store/ledger.ts";
import { closeLedgers } from "../../src/store/ledger-connection.ts";
import { ledgerPath } from "../../src/store/paths.ts";
import { tempDir } from "../helpers/cli.ts";
import { testContext } from "../helpers/context.ts";

// Before a send uploads, the ledger is asked for a live link to the same content; reading
// every byte for its hash is done only when an entry could match. An album's hash covers its
// name, so another album of the same photos (same sizes) must not cost that read.

let dir = "";
let cleanup: () => Promise<void> = async () => {};
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  closeLedgers();
  await cleanup();
});

const album = (name: string): LedgerEntry => ({
  id: `id${name.length}`,
  provider: "dropbox",
  kind: "album",
  name,
  url: `https://www.dropbox.com/scl/fo/abc${name.length}/x?rlkey=k&dl=0`,
  message: null,
  target: { remotePath: `/dmshare/x/${name}`, remoteId: `id:folder${name.length}` },
  files: [1000, 2000].map((bytes, n) => ({
    path: `/photos/${n}.jpg`,
    remotePath: `/dmshare/x/${name}/${n}.jpg`,
    remoteId: `id:${n}`,
    bytes,
  })),
  contentHash: "hash-of-the-earlier-album",
  createdAt: "2026-11-20T12:00:00.000Z",
  expiresAt: null,
  revokedAt: null,
  status: "active",
});

const plan = (name: string) =>
  ({
    kind: "album",
    name,
    files: [1000, 2000].map((bytes, n) => ({ name: `${n}.jpg`, bytes, path: `/p/${n}.jpg` })),
  }) as unknown as PreparedPlan;

async function hashesReadFor(name: string): Promise<number> {
  const { ctx } = testContext({ configDir: `${dir}/config`, env: {} });
  await new Ledger(ledgerPath(`${dir}/config`)).add(album("Lisbon"));
  let reads = 0;
  const provider = { name: "dropbox" } as Provider;
  await findLiveLink(
    ctx,
    provider,
    plan(name),
    async () => {
      reads += 1;
      return "another hash";
    },
    { noDownload: false, expiresAt: null },
  );
  return reads;
}

describe("the content hash before an upload", () => {
  it("is not read for an album of another name, even of the same photos", async () => {
    expect(await hashesReadFor("Porto")).toBe(0);
  });

  it("is read for an album of the same name and sizes, which could be the same", async () => {
    expect(await hashesReadFor("Lisbon")).toBe(1);
  });
});
