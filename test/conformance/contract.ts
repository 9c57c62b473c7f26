import { realSystem } from "../../src/main.ts";
// The Provider contract, checked the same way for every provider against its emulator: a new
// provider is done when its fixture (see providers.test.ts) passes all of this.

import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { revokeLinks } from "../../src/core/revoke.ts";
import { parseSendOptions, type SendRequest, send } from "../../src/core/send/index.ts";
import { sync } from "../../src/core/sync.ts";
import { DmshareError } from "../../src/lib/errors.ts";
import { connectEntry, findProvider } from "../../src/providers/catalog.ts";
import { deleterOf, listerOf, revokerOf, sharerOf } from "../../src/providers/features.ts";
import type {
  Capabilities,
  LinkToRevoke,
  LocalFile,
  Provider,
  ProviderName,
  RemoteItem,
  ShareOptions,
} from "../../src/providers/provider.ts";
import { fileCredentialStore } from "../../src/store/credentials.ts";
import { Ledger, type LedgerEntry } from "../../src/store/ledger.ts";
import { ledgerPath } from "../../src/store/paths.ts";
import { tempDir } from "../helpers/cli.ts";
import { testContext } from "../helpers/context.ts";
import { jpegBytes } from "../helpers/media.ts";

/** What an anonymous visitor gets when opening a link. */
export interface Visit {
  viewOnly: boolean;
  canDownload: boolean;
}

/** A provider's emulator, seen through the questions the contract asks of it. */
export interface ProviderHarness {
  /** Environment that points dmshare at the emulator, with a token it accepts. */
  env: Record<string, string>;
  /** null when the link gives an anonymous visitor no access (revoked, unknown). */
  visit(url: string): Visit | null;
  storedBytes(item: RemoteItem): Buffer | null;
  /** Names of the files inside an album. */
  albumContents(album: RemoteItem): string[];
  /** Requests that carried file bytes so far. */
  uploadRequests(): number;
  /** The name the item has at the provider (what a link to it shows); null once it is gone. */
  nameOf(item: RemoteItem): string | null;
  /** How many files (or media items) the account holds. */
  fileCount(): number;
  /** The next request that uploads a whole small file is handled, but its reply is lost. */
  loseNextUploadReply(): void;
  /**
   * A file put directly in dmshare's folder, as dmshare did before per-send folders; null
   * where there are no folders (Google Photos).
   */
  putFlat(name: string, content: Buffer): Promise<RemoteItem | null>;
  close(): Promise<void>;
}

export interface ProviderFixture {
  name: ProviderName;
  /** What the provider must claim; the contract checks each claim and each refusal. */
  capabilities: Capabilities;
  /** A size that takes the provider's large-file path (sessions, resumable uploads). */
  largeFileBytes: number;
  start(): Promise<ProviderHarness>;
}

const NO_OPTIONS: ShareOptions = { expiresAt: null, noDownload: false };
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

export function providerContract(fixture: ProviderFixture): void {
  let harness: ProviderHarness;
  let dir = "";
  let provider: Provider;

  beforeAll(async () => {
    harness = await fixture.start();
  });
  afterAll(() => harness?.close());
  beforeEach(async () => {
    const work = await tempDir();
    dir = work.dir;
    provider = await connectEntry(findProvider(fixture.name), {
      ctx: context().ctx,
      credentials: fileCredentialStore(path.join(dir, "config"), realSystem(process)),
    });
    return () => work.cleanup();
  });

  const context = () =>
    testContext({ configDir: path.join(dir, "config"), env: harness.env, cwd: dir });

  async function localFile(name: string, bytes = 4096): Promise<LocalFile & { content: Buffer }> {
    const content = jpegBytes(bytes);
    const file = path.join(dir, name);
    await writeFile(file, content);
    return {
      path: file,
      contentPath: file,
      name,
      bytes,
      mime: "image/jpeg",
      modifiedAt: new Date("2026-11-01T10:00:00Z"),
      content,
    };
  }

  const noProgress = () => {};
  let sends = 0;
  /** Where a send's files go, under a new send id each time (as the core picks them). */
  const to = (album: RemoteItem | Promise<RemoteItem> | null = null) => {
    sends += 1;
    return { sendId: `send${sends}`, album };
  };
  /** An album made for a new send, and where its files go. */
  const newAlbum = async (name: string) => {
    const destination = to();
    const album = await provider.createAlbum(name, destination.sendId);
    return { album, destination: { ...destination, album } };
  };
  /** A provider that lacks a capability must refuse clearly, never half-do it. */
  const refusesAsUsage = (attempt: () => unknown) => {
    let refusal: unknown;
    try {
      attempt();
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(DmshareError);
    expect(refusal).toMatchObject({ kind: "usage", message: expect.stringMatching(/\w+/) });
  };
  const share = (target: RemoteItem, options: ShareOptions) =>
    sharerOf(provider).share(target, options);
  const revoke = (link: LinkToRevoke) => revokerOf(provider, link).revoke(link);

  /** `dmshare send FILE --via <provider>` in-process, with extra request fields. */
  const sendFile = async (name: string, extra: Partial<SendRequest> = {}, bytes = 4096) => {
    const file = await localFile(name, bytes);
    return sendPaths([file.path], extra);
  };
  const sendPaths = async (paths: string[], extra: Partial<SendRequest> = {}) => {
    const base = { paths, via: fixture.name, each: false, noDownload: false };
    const { ctx } = context();
    const settings = parseSendOptions({ ...base, dryRun: false, ...extra }, ctx.now());
    return send(ctx, settings, silentObserver);
  };

  const claims = fixture.capabilities;

  it("claims its capabilities", () => {
    expect(provider.capabilities).toEqual(claims);
  });

  // Capabilities are told from what a provider implements: one without links has no link
  // methods at all (none that only refuse), and the core's guards refuse for it.
  if (!claims.publicLinks) {
    it("offers no link operations, not even ones that only refuse", () => {
      const linkMethods = ["share", "checkShareOptions", "nativeExpiry", "linkState", "listLinks"];
      for (const method of linkMethods) expect(provider).not.toHaveProperty(method);
      if (!claims.revoke) expect(provider).not.toHaveProperty("revoke");
      if (!claims.deleteFiles) expect(provider).not.toHaveProperty("deleteItems");
      refusesAsUsage(() => sharerOf(provider));
    });
  }

  it("says who is logged in", async () => {
    const account = await provider.whoami();
    expect(account.name.length).toBeGreaterThan(0);
  });

  it("uploads a small file byte for byte", async () => {
    const file = await localFile("small.jpg");
    const [uploaded] = await provider.upload([file], to(), noProgress);
    expect(uploaded?.localPath).toBe(file.path);
    expect(uploaded?.bytes).toBe(file.bytes);
    expect(uploaded?.remotePath.endsWith("small.jpg")).toBe(true);
    expect(sha256(harness.storedBytes(uploaded as RemoteItem) ?? Buffer.alloc(0))).toBe(
      sha256(file.content),
    );
  });

  it("uploads a large file byte for byte, reporting progress to the end", async () => {
    const file = await localFile("large.jpg", fixture.largeFileBytes);
    let lastReported = 0;
    const [uploaded] = await provider.upload([file], to(), (_file, sent) => {
      lastReported = sent;
    });
    expect(lastReported).toBe(file.bytes);
    const stored = harness.storedBytes(uploaded as RemoteItem);
    expect(stored?.length).toBe(file.bytes);
    expect(sha256(stored ?? Buffer.alloc(0))).toBe(sha256(file.content));
  });

  it("keeps non-ASCII and emoji names", async () => {
    const file = await localFile("café ü 😀 Ørsted.jpg");
    const [uploaded] = await provider.upload([file], to(), noProgress);
    expect(uploaded?.remotePath.endsWith("café ü 😀 Ørsted.jpg")).toBe(true);
    expect(harness.storedBytes(uploaded as RemoteItem)?.length).toBe(file.bytes);
  });

  it("puts an album's files in one album", async () => {
    const files = await Promise.all(["a.jpg", "b.jpg", "c.jpg"].map((name) => localFile(name)));
    const { album, destination } = await newAlbum("Lisbon trip 🌊");
    const uploaded = await provider.upload(files, destination, noProgress);
    expect(uploaded.map((file) => file.localPath)).toEqual(files.map((file) => file.path));
    expect(harness.albumContents(album).sort()).toEqual(["a.jpg", "b.jpg", "c.jpg"]);
  });

  describe("names the recipient sees never collide", () => {
    it("two sends of a same-named file both keep its name", async () => {
      // Different bytes: the second send is not a reuse of the first.
      const first = (await sendFile("beach.jpg", {}, 4096)).links[0]?.entry;
      const second = (await sendFile("beach.jpg", {}, 5000)).links[0]?.entry;
      expect(first?.target?.remoteId).not.toBe(second?.target?.remoteId);
      for (const entry of [first, second]) {
        expect(harness.nameOf(entry?.target as RemoteItem)).toBe("beach.jpg");
        if (claims.publicLinks) expect(harness.visit(entry?.url ?? "")?.viewOnly).toBe(true);
      }
    });

    it("an album's same-named files get distinct names, chosen in order before upload", async () => {
      const paths: string[] = [];
      for (const [folder, bytes] of [
        ["one", 4096],
        ["two", 5000],
      ] as const) {
        await mkdir(path.join(dir, folder));
        const file = await localFile(`${folder}/beach.jpg`, bytes);
        paths.push(file.path);
      }
      paths.push((await localFile("beach-2.jpg", 6000)).path);
      const sent = (await sendPaths(paths, { album: "Trip" })).links[0]?.entry;
      const target = sent?.target as RemoteItem;
      expect(harness.albumContents(target).sort()).toEqual([
        "beach-2.jpg",
        "beach-3.jpg",
        "beach.jpg",
      ]);
      // A second album of the same name is still called so.
      const again = (await sendPaths([paths[0] as string], { album: "Trip" })).links[0]?.entry;
      expect(harness.nameOf(target)).toBe("Trip");
      expect(harness.nameOf(again?.target as RemoteItem)).toBe("Trip");
      expect(again?.target?.remoteId).not.toBe(target.remoteId);
    });

    it("a retry after a lost reply leaves exactly one file", async () => {
      const file = await localFile("lost-reply.jpg");
      const before = harness.fileCount();
      harness.loseNextUploadReply();
      const [uploaded] = await provider.upload([file], to(), noProgress);
      expect(harness.fileCount()).toBe(before + 1);
      expect(harness.nameOf(uploaded as RemoteItem)).toBe("lost-reply.jpg");
      expect(sha256(harness.storedBytes(uploaded as RemoteItem) ?? Buffer.alloc(0))).toBe(
        sha256(file.content),
      );
    });
  });

  describe("links", () => {
    it("makes a view-only link anyone can open, and reuses it", async () => {
      const [uploaded] = await provider.upload([await localFile("view.jpg")], to(), noProgress);
      if (!claims.publicLinks) {
        refusesAsUsage(() => sharerOf(provider));
        expect(provider.sharingNote).toMatch(/\w+/);
        return;
      }
      const link = await share(uploaded as RemoteItem, NO_OPTIONS);
      expect(link.reused).toBe(false);
      expect(link.url).toMatch(/^https:\/\//);
      expect(harness.visit(link.url)).toEqual({ viewOnly: true, canDownload: true });
      const again = await share(uploaded as RemoteItem, NO_OPTIONS);
      expect(again).toMatchObject({ url: link.url, reused: true });
    });

    it("shares an album as one link that opens every file in it", async () => {
      const { album, destination } = await newAlbum("shared album");
      await provider.upload(
        [await localFile("x.jpg"), await localFile("y.jpg")],
        destination,
        noProgress,
      );
      if (!claims.publicLinks) {
        refusesAsUsage(() => sharerOf(provider));
        expect(album.ownerUrl).toMatch(/^https:\/\//);
        return;
      }
      const link = await share(album, NO_OPTIONS);
      expect(harness.visit(link.url)?.viewOnly).toBe(true);
    });

    // Without the capability, send refuses --no-download (see "capabilities are honest").
    if (claims.publicLinks && claims.noDownload) {
      it("stops viewers from downloading when asked", async () => {
        const [uploaded] = await provider.upload([await localFile("nodl.jpg")], to(), noProgress);
        await provider.checkShareOptions?.({ expiresAt: null, noDownload: true });
        const link = await share(uploaded as RemoteItem, {
          expiresAt: null,
          noDownload: true,
        });
        expect(harness.visit(link.url)).toEqual({ viewOnly: true, canDownload: false });
      });
    }

    it("revokes a link, and revoking again is a success that says so", async () => {
      const [uploaded] = await provider.upload([await localFile("gone.jpg")], to(), noProgress);
      if (!claims.revoke) {
        refusesAsUsage(() => revokerOf(provider, { url: null, target: uploaded as RemoteItem }));
        return;
      }
      const link = await share(uploaded as RemoteItem, NO_OPTIONS);
      const toRevoke = { url: link.url, target: uploaded as RemoteItem };
      expect(await revoke(toRevoke)).toBe("revoked");
      expect(harness.visit(link.url)).toBeNull();
      expect(await revoke(toRevoke)).toBe("already-revoked");
      // The file stays unless it is deleted too.
      expect(harness.storedBytes(uploaded as RemoteItem)).not.toBeNull();
    });

    if (claims.revoke) {
      it("revokes by target alone (a send interrupted before the URL was recorded)", async () => {
        const [uploaded] = await provider.upload([await localFile("half.jpg")], to(), noProgress);
        const link = await share(uploaded as RemoteItem, NO_OPTIONS);
        expect(await revoke({ url: null, target: uploaded as RemoteItem })).toBe("revoked");
        expect(harness.visit(link.url)).toBeNull();
      });
    }
  });

  describe("what sync asks of the provider", () => {
    it("reports the links to an item, and that an item is gone", async () => {
      if (!claims.publicLinks) {
        refusesAsUsage(() => listerOf(provider));
        return;
      }
      const [uploaded] = await provider.upload([await localFile("state.jpg")], to(), noProgress);
      const item = uploaded as RemoteItem;
      expect(await listerOf(provider).linkState(item)).toEqual({ item: "present", links: [] });
      const link = await share(item, NO_OPTIONS);
      expect(await listerOf(provider).linkState(item)).toEqual({
        item: "present",
        links: [{ url: link.url, expiresAt: null }],
      });
      await revoke({ url: link.url, target: item });
      expect(await listerOf(provider).linkState(item)).toEqual({ item: "present", links: [] });
      await deleterOf(provider).deleteItems([item]);
      expect((await listerOf(provider).linkState(item)).item).toBe("gone");
    });

    it("lists the links to photos and albums in dmshare's folder", async () => {
      const [photo] = await provider.upload([await localFile("listed.jpg")], to(), noProgress);
      const { album, destination } = await newAlbum("listed album");
      await provider.upload([await localFile("in-album.jpg")], destination, noProgress);
      if (!claims.publicLinks) {
        refusesAsUsage(() => listerOf(provider));
        return;
      }
      const photoLink = await share(photo as RemoteItem, NO_OPTIONS);
      const albumLink = await share(album, NO_OPTIONS);
      const listed = await listerOf(provider).listLinks();
      expect(listed).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            url: photoLink.url,
            kind: "photo",
            name: "listed.jpg",
            target: expect.objectContaining({ remoteId: photo?.remoteId }),
          }),
          expect.objectContaining({
            url: albumLink.url,
            kind: "album",
            name: "listed album",
            target: expect.objectContaining({ remoteId: album.remoteId }),
          }),
        ]),
      );
      await revoke({ url: photoLink.url, target: photo as RemoteItem });
      expect((await listerOf(provider).listLinks()).map((link) => link.url)).not.toContain(
        photoLink.url,
      );
    });
  });

  if (claims.publicLinks && claims.revoke && claims.deleteFiles) {
    describe("revoke --delete-files and sync, in the per-send and the older flat layout", () => {
      const ledger = () => new Ledger(ledgerPath(path.join(dir, "config")));
      const revokeDeleting = (entry: LedgerEntry) =>
        revokeLinks(context().ctx, [entry], { deleteFiles: true, dryRun: false });

      it("revoke --delete-files removes the send's own folder whole", async () => {
        const entry = (await sendFile("own-folder.jpg")).links[0]?.entry as LedgerEntry;
        const target = entry.target as RemoteItem;
        const folder = target.sendFolder as RemoteItem;
        expect(harness.nameOf(folder)).toBe(entry.id);
        expect((await revokeDeleting(entry)).failures).toEqual([]);
        expect(harness.visit(entry.url ?? "")).toBeNull();
        expect(harness.nameOf(target)).toBeNull();
        expect(harness.nameOf(folder)).toBeNull();
      });

      it("sync finds links of both layouts; revoke --delete-files removes a flat one", async () => {
        const perSend = (await sendFile("per-send.jpg")).links[0]?.entry as LedgerEntry;
        const flat = (await harness.putFlat("flat.jpg", jpegBytes(3000))) as RemoteItem;
        const flatLink = await share(flat, NO_OPTIONS);
        const listed = await listerOf(provider).listLinks();
        expect(listed).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ url: perSend.url, kind: "photo", name: "per-send.jpg" }),
            expect.objectContaining({ url: flatLink.url, kind: "photo", name: "flat.jpg" }),
          ]),
        );
        await sync(context().ctx, { provider: fixture.name, dryRun: false });
        const adopted = (await ledger().entries()).find((entry) => entry.url === flatLink.url);
        expect(adopted).toMatchObject({ status: "active", target: { remoteId: flat.remoteId } });
        expect((await revokeDeleting(adopted as LedgerEntry)).failures).toEqual([]);
        expect(harness.visit(flatLink.url)).toBeNull();
        expect(harness.nameOf(flat)).toBeNull();
        // The per-send link was on record already: sync neither doubled nor touched it.
        const perSendNow = (await ledger().entries()).filter((entry) => entry.url === perSend.url);
        expect(perSendNow).toEqual([expect.objectContaining({ id: perSend.id, status: "active" })]);
      });
    });
  }

  it("deletes files and folders, and deleting again is not an error", async () => {
    const { album, destination } = await newAlbum("to delete");
    const uploaded = await provider.upload([await localFile("d.jpg")], destination, noProgress);
    if (!claims.deleteFiles) {
      refusesAsUsage(() => deleterOf(provider));
      return;
    }
    await deleterOf(provider).deleteItems([album]);
    expect(harness.storedBytes(uploaded[0] as RemoteItem)).toBeNull();
    await deleterOf(provider).deleteItems([album]);
  });

  describe("capabilities are honest", () => {
    const unsupported: {
      option: string;
      capability: keyof Capabilities;
      request: { expires?: string; noDownload?: boolean; password?: () => Promise<string> };
    }[] = [
      { option: "--expires", capability: "expiry", request: { expires: "7d" } },
      { option: "--no-download", capability: "noDownload", request: { noDownload: true } },
      {
        option: "--password",
        capability: "password",
        request: { password: async () => "never asked" },
      },
    ];
    // Without the provider's own expiry, dmshare enforces --expires itself (`dmshare prune`)
    // wherever it can revoke links: only a provider without revocable links refuses it.
    const enforcedByDmshare = (capability: keyof Capabilities) =>
      capability === "expiry" && claims.publicLinks && claims.revoke;
    for (const { option, capability, request } of unsupported) {
      // Honoured options are checked by the link tests above.
      if (!(claims[capability] && claims.publicLinks) && !enforcedByDmshare(capability)) {
        it(`refuses ${option} before uploading anything`, async () => {
          const before = harness.uploadRequests();
          const error = await sendFile("refused.jpg", request).catch((caught: unknown) => caught);
          expect(error).toBeInstanceOf(DmshareError);
          expect(error).toMatchObject({ kind: "usage" });
          expect(harness.uploadRequests()).toBe(before);
          expect(await new Ledger(ledgerPath(path.join(dir, "config"))).entries()).toEqual([]);
        });
      }
    }

    if (!claims.expiry && claims.publicLinks && claims.revoke) {
      it("--expires without the provider's expiry: dmshare records it to revoke the link itself", async () => {
        const outcome = await sendFile("local-expiry.jpg", { expires: "7d" });
        expect(outcome.links[0]?.entry).toMatchObject({
          status: "active",
          expiryEnforcedBy: "dmshare",
          expiresAt: expect.any(String),
        });
        expect(harness.visit(outcome.links[0]?.entry.url ?? "")?.viewOnly).toBe(true);
      });
    }

    it("send records what it shared, or that the user must share it in the provider's app", async () => {
      const outcome = await sendFile("recorded.jpg");
      const [sent] = outcome.links;
      if (claims.publicLinks) {
        expect(sent?.entry).toMatchObject({ status: "active", provider: fixture.name });
        expect(harness.visit(sent?.entry.url ?? "")?.viewOnly).toBe(true);
      } else {
        expect(sent?.entry).toMatchObject({ status: "needs-sharing", url: null, message: null });
        expect(sent?.entry.target?.ownerUrl).toMatch(/^https:\/\//);
        expect(outcome.sharingNote).toMatch(/\w+/);
      }
    });
  });
}

const silentObserver = {
  uploading: () => {},
  progress: () => {},
  uploaded: () => {},
  linked: () => {},
  reusedEarlier: () => {},
  failed: () => {},
};
