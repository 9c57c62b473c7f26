import { describe, expect, it } from "vitest";
import { dryRunDocument, dryRunLines } from "../../src/cli/send/render-dry-run.ts";
import type { DryRun, PreparedPlan, SendOutcome } from "../../src/core/send/index.ts";
import { localDateTime } from "../../src/core/time-format.ts";
import type { LedgerEntry } from "../../src/store/ledger.ts";
import { preparedFile } from "../helpers/prepared.ts";

const file = (name: string, bytes: number, preparation: Parameters<typeof preparedFile>[2] = {}) =>
  preparedFile(name, bytes, { metadata: nothing, ...preparation });
const nothing = { removed: [], locationRemoved: false };
const gps = { removed: ["GPS location", "camera serial number"], locationRemoved: true };

const photo: PreparedPlan = {
  kind: "photo",
  name: "beach.jpg",
  files: [file("beach.jpg", 2_400_000, { metadata: gps })],
};

function outcome(dryRun: Partial<DryRun>, over: Partial<SendOutcome> = {}): SendOutcome {
  const shares = dryRun.shares ?? [{ plan: photo }];
  return {
    provider: "dropbox",
    plans: shares.map((share) => share.plan),
    links: [],
    failures: [],
    interrupted: false,
    dryRun: { shares, links: true, expiresAt: null, expiryBy: null, ...dryRun },
    ...over,
  };
}

const earlier = {
  id: "q4m8zt2c",
  url: "https://www.dropbox.com/scl/fi/abc/beach.jpg?rlkey=x&dl=0",
  createdAt: "2026-11-22T14:05:00Z",
} as LedgerEntry;

describe("send --dry-run in words", () => {
  it("an upload: what is removed from each file, and that the link works until revoked", () => {
    expect(dryRunLines(outcome({}), "Dropbox")).toEqual([
      "Would upload beach.jpg (2.4 MB, location data removed) to Dropbox and make a view-only link.",
      "  beach.jpg: removes GPS location, camera serial number",
      "The link would work until you revoke it (dmshare revoke).",
    ]);
  });

  it("a reuse: the earlier link, and nothing uploaded", () => {
    const lines = dryRunLines(outcome({ shares: [{ plan: photo, reuses: earlier }] }), "Dropbox");
    expect(lines).toEqual([
      `Would reuse the live link of beach.jpg (2.4 MB) made ${localDateTime(new Date(earlier.createdAt))} (q4m8zt2c), uploading nothing: ${earlier.url}`,
      "  (--new-link makes a new one)",
    ]);
  });

  it("an expiry the provider enforces, and one dmshare does (in the real run's words)", () => {
    const expiresAt = new Date("2026-12-01T10:00:00Z");
    const when = localDateTime(expiresAt);
    expect(dryRunLines(outcome({ expiresAt, expiryBy: "provider" }), "Dropbox").at(-1)).toBe(
      `The link would stop working on ${when}: Dropbox ends it.`,
    );
    const ends = `dmshare revokes it within the hour after ${when}, with a systemd user timer.`;
    expect(dryRunLines(outcome({ expiresAt, expiryBy: "dmshare" }), "Dropbox", ends).at(-1)).toBe(
      `Dropbox can't expire links on this account: ${ends}`,
    );
  });

  it("an album: files with the same plan share a line; conversions and kept metadata said", () => {
    const album: PreparedPlan = {
      kind: "album",
      name: "Lisbon",
      files: [
        ...["a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg"].map((name) =>
          file(name, 1_000_000, { metadata: gps }),
        ),
        file("f.heic", 1_000_000, { reencoded: ["converted from HEIC to JPEG (quality 90)"] }),
        file("g.png", 1_000_000, {
          metadata: { ...nothing, notRemoved: "dmshare can't read the metadata of X files." },
        }),
      ],
    };
    const lines = dryRunLines(outcome({ shares: [{ plan: album }] }), "Dropbox");
    expect(lines.slice(1, 4)).toEqual([
      "  a.jpg, b.jpg, c.jpg and 2 more: removes GPS location, camera serial number",
      "  f.heic: no location or identifying metadata to remove; converted from HEIC to JPEG (quality 90)",
      "  g.png: dmshare can't read the metadata of X files",
    ]);
    const kept = { ...photo, files: [file("beach.jpg", 10, { metadata: null })] };
    expect(dryRunLines(outcome({ shares: [{ plan: kept }] }), "Dropbox")[1]).toBe(
      "  beach.jpg: sent as it is, metadata and all (--keep-metadata)",
    );
  });

  it("a provider without links: the upload stays private, and why", () => {
    const result = outcome({ links: false }, { sharingNote: "Google Photos can't share." });
    expect(dryRunLines(result, "Google Photos")).toEqual([
      "Would upload beach.jpg (2.4 MB, location data removed) to Google Photos and keep it private (no link).",
      "  beach.jpg: removes GPS location, camera serial number",
      "Google Photos can't share.",
    ]);
  });

  it("as JSON: the action, what it reuses, the expiry, who ends it and each file's plan", () => {
    const expiresAt = new Date("2026-12-01T10:00:00Z");
    const result = outcome({ expiresAt, expiryBy: "dmshare" });
    expect(dryRunDocument(result)).toEqual({
      dryRun: true,
      provider: "dropbox",
      expiresAt: "2026-12-01T10:00:00.000Z",
      expiryEnforcedBy: "dmshare",
      shares: [
        {
          kind: "photo",
          name: "beach.jpg",
          action: "upload",
          reuses: null,
          files: [
            {
              path: "/photos/beach.jpg",
              bytes: 2_400_000,
              metadata: { ...gps, notRemoved: null },
              reencoded: [],
              notes: [],
            },
          ],
        },
      ],
    });
    const reuse = dryRunDocument(outcome({ shares: [{ plan: photo, reuses: earlier }] }));
    expect(reuse.shares[0]).toMatchObject({
      action: "reuse",
      reuses: { id: "q4m8zt2c", url: earlier.url, createdAt: earlier.createdAt },
    });
  });
});
