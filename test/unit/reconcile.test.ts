// `dmshare sync`'s decisions, one branch at a time, on the pure reconcile(): ledger entries and
// what the provider listed and said in, changes and waits out. No emulator, no I/O.
import { describe, expect, it } from "vitest";
import {
  needsLinkState,
  PENDING_GRACE_MS,
  type ReconcileInput,
  reconcile,
  trustedLinks,
} from "../../src/core/reconcile.ts";
import type { LinkState, ProviderLink } from "../../src/providers/provider.ts";
import type { LedgerEntry } from "../../src/store/ledger.ts";

const NOW = new Date("2026-12-06T12:00:00Z");
const HOUR = 3_600_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

/** A Dropbox file link as Dropbox spells it. */
const urlOf = (key: string, name = "beach.jpg") =>
  `https://www.dropbox.com/scl/fi/${key}/${name}?rlkey=rl-${key}&dl=0`;

function entry(id: string, overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    id,
    provider: "dropbox",
    kind: "photo",
    name: `${id}.jpg`,
    url: urlOf(id, `${id}.jpg`),
    message: null,
    target: { remotePath: `/dmshare/${id}.jpg`, remoteId: `id:${id}` },
    files: [],
    createdAt: ago(3 * HOUR),
    expiresAt: null,
    revokedAt: null,
    status: "active",
    ...overrides,
  };
}

/** A pending entry: the intent is recorded, its link is not. */
const pending = (id: string, overrides: Partial<LedgerEntry> = {}) =>
  entry(id, { status: "pending", url: null, ...overrides });

function listedLink(id: string, overrides: Partial<ProviderLink> = {}): ProviderLink {
  return {
    url: urlOf(id, `${id}.jpg`),
    expiresAt: null,
    kind: "photo",
    name: `${id}.jpg`,
    target: { remotePath: `/dmshare/${id}.jpg`, remoteId: `id:${id}` },
    uploadedAt: null,
    bytes: 100,
    ...overrides,
  };
}

const notBusy = () => ({ busy: false, why: "its send has stopped" });

function decide(
  entries: LedgerEntry[],
  given: Partial<Omit<ReconcileInput, "states">> & { states?: Record<string, LinkState | null> },
) {
  let ids = 0;
  return reconcile({
    provider: "dropbox",
    label: "Dropbox",
    deleteFiles: true,
    entries,
    listed: [],
    now: NOW,
    ownerState: notBusy,
    newId: () => `new-${++ids}`,
    ...given,
    states: new Map(Object.entries(given.states ?? {})),
  });
}

describe("reconcile: active entries", () => {
  it("one the listing shows is left as it is (and needs no question to the provider)", () => {
    const a = entry("a");
    const decided = decide([a], { listed: [listedLink("a")] });
    expect(decided).toEqual({ checked: 1, changes: [], waiting: [], deletions: [] });
    expect(needsLinkState(a, "dropbox", [listedLink("a")])).toBe(false);
    expect(needsLinkState(a, "dropbox", [])).toBe(true);
  });

  it("is revoked when its item is gone at the provider", () => {
    const decided = decide([entry("a")], { states: { a: { item: "gone", links: [] } } });
    expect(decided.changes).toEqual([
      {
        change: "revoked",
        entry: expect.objectContaining({
          id: "a",
          status: "revoked",
          revokedAt: NOW.toISOString(),
        }),
        reason: "its file was deleted at Dropbox",
      },
    ]);
  });

  it("is revoked when the provider lists the item's links and this one is not among them", () => {
    const decided = decide([entry("a", { kind: "album" })], {
      states: { a: { item: "present", links: [{ url: urlOf("other"), expiresAt: null }] } },
    });
    expect(decided.changes).toMatchObject([
      { change: "revoked", reason: "the link was removed at Dropbox" },
    ]);
  });

  it("stays when the provider said nothing, or its link can't be identified", () => {
    const unknown = entry("u", { url: "https://www.dropbox.com/somewhere", link: undefined });
    const decided = decide([entry("a"), unknown], {
      states: { a: null, u: { item: "present", links: [] } },
    });
    expect(decided.changes).toEqual([]);
    expect(decided.checked).toBe(2);
  });

  it("revoked and needs-sharing entries are not checked at all", () => {
    const decided = decide(
      [entry("r", { status: "revoked" }), entry("n", { status: "needs-sharing" })],
      { states: { r: { item: "gone", links: [] } } },
    );
    expect(decided).toEqual({ checked: 0, changes: [], waiting: [], deletions: [] });
    expect(needsLinkState(entry("r", { status: "revoked" }), "dropbox", [])).toBe(false);
  });
});

describe("reconcile: pending entries", () => {
  it("is completed when its link exists: active, with the URL and the provider's expiry", () => {
    const expires = new Date("2026-12-20T00:00:00Z");
    const decided = decide([pending("p", { owner: undefined })], {
      states: { p: { item: "present", links: [{ url: urlOf("p"), expiresAt: expires }] } },
    });
    expect(decided.changes).toEqual([
      {
        change: "completed",
        entry: expect.objectContaining({
          id: "p",
          status: "active",
          url: urlOf("p"),
          expiresAt: expires.toISOString(),
          expiryEnforcedBy: "provider",
        }),
        reason: "the link exists at Dropbox",
      },
    ]);
    expect(decided.deletions).toEqual([]);
  });

  it("completed keeps an expiry dmshare recorded, enforced by dmshare", () => {
    const decided = decide([pending("p", { expiresAt: "2026-12-10T00:00:00.000Z" })], {
      states: { p: { item: "present", links: [{ url: urlOf("p"), expiresAt: null }] } },
    });
    expect(decided.changes[0]?.entry).toMatchObject({
      expiresAt: "2026-12-10T00:00:00.000Z",
      expiryEnforcedBy: "dmshare",
      owner: undefined,
    });
  });

  it("is left pending when the only links listed are ones dmshare can't trust", () => {
    const untrusted = [
      { url: "http://www.dropbox.com/scl/fi/p/p.jpg?rlkey=x", expiresAt: null },
      { url: "https://evil.example/scl/fi/p/p.jpg?rlkey=x", expiresAt: null },
    ];
    const decided = decide([pending("p")], {
      states: { p: { item: "present", links: untrusted } },
    });
    expect(decided.changes).toEqual([]);
    expect(decided.deletions).toEqual([]);
    expect(decided.waiting).toEqual([
      {
        entry: expect.objectContaining({ id: "p" }),
        reason: expect.stringContaining("lists a link for it that dmshare can't trust"),
      },
    ]);
  });

  it("is cleaned when no link was made: the upload is to be deleted", () => {
    const decided = decide([pending("p")], { states: { p: { item: "present", links: [] } } });
    expect(decided.changes).toMatchObject([
      {
        change: "cleaned",
        entry: { id: "p" },
        reason: "no link was made; the uploaded file was deleted from Dropbox",
      },
    ]);
    expect(decided.deletions).toEqual([{ remotePath: "/dmshare/p.jpg", remoteId: "id:p" }]);
  });

  it("cleaned where the provider can't delete: the upload stays, nothing to delete", () => {
    const decided = decide([pending("p", { kind: "album" })], {
      deleteFiles: false,
      states: { p: { item: "present", links: [] } },
    });
    expect(decided.changes).toMatchObject([
      { change: "cleaned", reason: "no link was made; the upload stays private in Dropbox" },
    ]);
    expect(decided.deletions).toEqual([]);
  });

  it("cleaned with nothing uploaded (no target, or the item is gone): nothing to delete", () => {
    const decided = decide([pending("t", { target: null }), pending("g")], {
      states: { g: { item: "gone", links: [] } },
    });
    expect(decided.changes.map((change) => [change.change, change.reason])).toEqual([
      ["cleaned", "no link was made (the send stopped before it recorded an upload)"],
      ["cleaned", "no link was made (the send stopped before it recorded an upload)"],
    ]);
    expect(decided.deletions).toEqual([]);
  });

  it("waits while its send is still at work, by its owner", () => {
    const owner = { pid: 4242, host: "here", heartbeatAt: ago(30_000) };
    const asked: unknown[] = [];
    const decided = decide([pending("p", { owner, createdAt: ago(10 * HOUR) })], {
      states: { p: { item: "present", links: [] } },
      ownerState: (given) => {
        asked.push(given);
        return { busy: true, why: "its send (pid 4242) is still running" };
      },
    });
    expect(asked).toEqual([owner]);
    expect(decided.changes).toEqual([]);
    expect(decided.waiting[0]?.reason).toBe(
      "started 10 h ago and its send (pid 4242) is still running; sync again later, or run dmshare revoke p",
    );
  });

  it("without an owner, waits out the grace period by its age, then is cleaned", () => {
    const young = pending("y", { createdAt: ago(PENDING_GRACE_MS - 60_000) });
    const old = pending("o", { createdAt: ago(PENDING_GRACE_MS + 60_000) });
    const decided = decide([young, old], {
      states: { y: { item: "present", links: [] }, o: { item: "present", links: [] } },
    });
    expect(decided.waiting.map((wait) => wait.entry.id)).toEqual(["y"]);
    expect(decided.waiting[0]?.reason).toContain("may still be sending");
    expect(decided.changes.map((change) => [change.change, change.entry.id])).toEqual([
      ["cleaned", "o"],
    ]);
  });

  it("a stopped owner does not wait, however young the entry", () => {
    const owner = { pid: 1, host: "here", heartbeatAt: ago(10 * 60_000) };
    const decided = decide([pending("p", { owner, createdAt: ago(60_000) })], {
      states: { p: { item: "present", links: [] } },
    });
    expect(decided.changes.map((change) => change.change)).toEqual(["cleaned"]);
  });
});

describe("reconcile: links the ledger did not know", () => {
  it("adopts a trusted listed link no entry knows, with the provider's dates", () => {
    const uploadedAt = new Date("2026-11-30T08:00:00Z");
    const expiresAt = new Date("2026-12-30T08:00:00Z");
    const decided = decide([entry("a")], {
      listed: [
        listedLink("a"),
        listedLink("b", { name: "b\u0007.jpg", uploadedAt, expiresAt }),
        listedLink("c", { url: "https://evil.example/scl/fi/c/c.jpg?rlkey=x" }),
      ],
    });
    expect(decided.changes).toEqual([
      {
        change: "adopted",
        entry: expect.objectContaining({
          id: "new-1",
          provider: "dropbox",
          name: "b\uFFFD.jpg",
          url: urlOf("b", "b.jpg"),
          status: "active",
          createdAt: uploadedAt.toISOString(),
          expiresAt: expiresAt.toISOString(),
          expiryEnforcedBy: "provider",
          adoptedAt: NOW.toISOString(),
          files: [],
        }),
        reason: "a link to /dmshare/b.jpg at Dropbox that the ledger did not know",
      },
    ]);
  });

  it("does not adopt a link to an item an entry already shares (a pending one), nor one twice", () => {
    const decided = decide([pending("p")], {
      listed: [listedLink("p", { url: urlOf("p2") }), listedLink("n"), listedLink("n")],
      states: { p: { item: "present", links: [{ url: urlOf("p2"), expiresAt: null }] } },
    });
    expect(decided.changes.map((change) => [change.change, change.entry.url])).toEqual([
      ["completed", urlOf("p2")],
      ["adopted", urlOf("n", "n.jpg")],
    ]);
  });

  it("trustedLinks keeps only https links on the provider's own hosts", () => {
    const links = [
      listedLink("a"),
      listedLink("b", { url: "http://www.dropbox.com/scl/fi/b/b.jpg?rlkey=x" }),
      listedLink("c", { url: "https://dropbox.com.evil.example/scl/fi/c/c.jpg" }),
    ];
    expect(trustedLinks("dropbox", links).map((link) => link.name)).toEqual(["a.jpg"]);
  });
});
