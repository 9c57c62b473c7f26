import { describe, expect, it } from "vitest";
import {
  confirmationLines,
  failurePrefix,
  interruptedLine,
  revokeDocument,
  revokeLine,
} from "../../src/cli/revoke/render.ts";
import { changeLine, matchesLine, skippedLine, syncDocument } from "../../src/cli/sync/render.ts";
import type { RevokeResult } from "../../src/core/revoke.ts";
import { providerError } from "../../src/lib/errors.ts";
import type { LedgerEntry } from "../../src/store/ledger.ts";

const NOW = new Date("2026-11-22T12:00:00Z");

const entry = (over: Partial<LedgerEntry> = {}): LedgerEntry => ({
  id: "k3x9m2qa",
  provider: "dropbox",
  kind: "photo",
  name: "beach.jpg",
  url: "https://example.com/s/beach",
  message: null,
  target: null,
  files: [{ path: "/p/beach.jpg", remotePath: "/dmshare/beach.jpg", remoteId: "id:1", bytes: 10 }],
  createdAt: "2026-11-20T12:00:00Z",
  expiresAt: null,
  revokedAt: null,
  status: "active",
  ...over,
});

const result = (over: Partial<RevokeResult>): RevokeResult => ({
  id: "k3x9m2qa",
  provider: "dropbox",
  kind: "photo",
  name: "beach.jpg",
  url: "https://example.com/s/beach",
  ownerUrl: null,
  message: null,
  files: [],
  createdAt: "2026-11-20T12:00:00Z",
  expiresAt: null,
  expiryEnforcedBy: null,
  revokedAt: null,
  status: "revoked",
  outcome: "revoked",
  filesDeleted: false,
  ...over,
});

describe("revoke's renderer", () => {
  it("says what happened to each link", () => {
    expect(revokeLine(result({}))).toBe("Revoked k3x9m2qa beach.jpg");
    expect(revokeLine(result({ filesDeleted: true }))).toBe(
      "Revoked k3x9m2qa beach.jpg and deleted its files",
    );
    expect(revokeLine(result({ outcome: "would-revoke" }))).toBe(
      "Would revoke k3x9m2qa beach.jpg (https://example.com/s/beach)",
    );
    expect(revokeLine(result({ outcome: "already-revoked" }))).toBe(
      "k3x9m2qa beach.jpg was already revoked",
    );
    expect(revokeLine(result({ outcome: "already-revoked", url: null }))).toBe(
      "k3x9m2qa beach.jpg had no link (its send was interrupted before one was made); marked revoked",
    );
  });

  it("tells a link that was not revoked from one whose files were left", () => {
    expect(failurePrefix(entry())).toBe("Could not revoke k3x9m2qa beach.jpg:");
    expect(failurePrefix(entry({ status: "revoked" }))).toBe(
      "Revoked k3x9m2qa beach.jpg, but could not delete its files (run dmshare revoke k3x9m2qa --delete-files again):",
    );
  });

  it("prints a name as text only: no escape sequence, control character or bidi override", () => {
    // A file may be named so (ESC is legal in a Linux file name); `list` already shows it as text.
    const name = "\u001b]52;c;cm0gLXJmIH4=\u0007\u001b[2Jtrip\u202egpj.exe";
    const lines = [
      ...confirmationLines([entry({ name })], "links").slice(1),
      revokeLine(result({ name })),
      revokeLine(result({ name, outcome: "would-revoke" })),
      failurePrefix(entry({ name })),
    ];
    for (const line of lines) {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: what must never be printed
      expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
      expect(line).toContain("trip");
    }
  });

  it("lists what goes before asking, a pending link without a URL", () => {
    expect(confirmationLines([entry(), entry({ id: "7hw2aaaa", url: null })], "links")).toEqual([
      "These 2 links will go:",
      "  k3x9m2qa  beach.jpg  https://example.com/s/beach",
      "  7hw2aaaa  beach.jpg  (pending)",
    ]);
    expect(interruptedLine(1, 3)).toBe("Interrupted: 1 of 3 links were handled (shown above).");
  });

  it("a failed link is in the JSON with its error", () => {
    const failed = { entry: entry(), error: providerError("Dropbox is down.", "Try later.") };
    const [done, failure] = revokeDocument([result({})], [failed], NOW, {});
    expect(done).toMatchObject({ id: "k3x9m2qa", outcome: "revoked" });
    expect(failure).toMatchObject({
      id: "k3x9m2qa",
      status: "active",
      outcome: "failed",
      error: { message: "Dropbox is down.", hint: "Try later.", exitCode: 4 },
    });
  });
});

describe("sync's renderer", () => {
  it("says each change, or what a dry run would change", () => {
    const change = { change: "completed" as const, entry: entry(), reason: "the link exists" };
    expect(changeLine(change, false)).toBe(
      "Completed k3x9m2qa beach.jpg https://example.com/s/beach: the link exists",
    );
    expect(changeLine({ ...change, change: "revoked" }, true)).toBe(
      "Would mark revoked k3x9m2qa beach.jpg: the link exists",
    );
  });

  it("words a matching list and skipped links, one or several", () => {
    expect(matchesLine("Dropbox", 1, false)).toBe(
      "Dropbox: the list matches (1 link checked); nothing changed.",
    );
    expect(matchesLine("Dropbox", 2, true)).toBe(
      "Dropbox: the list matches (2 links checked); nothing would change.",
    );
    expect(skippedLine("Google Drive", 1, "not logged in")).toBe(
      "Google Drive: 1 link not checked: not logged in.",
    );
  });

  it("a provider that failed is in the JSON with its error", () => {
    const report = {
      synced: [],
      skipped: [],
      failures: [{ provider: "gdrive" as const, error: providerError("Drive is down.") }],
      interrupted: false,
    };
    expect(syncDocument(report, NOW, {})).toEqual([
      {
        provider: "gdrive",
        change: "failed",
        error: { message: "Drive is down.", hint: null, exitCode: 4 },
      },
    ]);
  });
});
