import exifr from "exifr";
import { describe, expect, it } from "vitest";
import { cameraJpeg, PLACE } from "../helpers/camera.ts";
import { writeFiles } from "../helpers/cli.ts";
import { useGoogleTestbed } from "../helpers/google-testbed.ts";
import { jpegBytes } from "../helpers/media.ts";

const TOKEN = "e2e-google-token";
const bed = useGoogleTestbed({ token: TOKEN, runner: "in-process" });

interface SentJson {
  id: string;
  url: string | null;
  ownerUrl: string | null;
  status: string;
  message: string | null;
  copied: boolean;
  files: { path: string; remotePath: string; bytes: number }[];
}

async function sendJson(files: Record<string, Buffer>, args: string[]) {
  await writeFiles(bed.dir, files);
  const result = await bed.dmshare(["send", ...Object.keys(files), "--no-copy", "--json", ...args]);
  return { ...result, sent: result.code === 0 ? (JSON.parse(result.stdout) as SentJson) : null };
}

const driveId = (url: string) => /\/(?:file\/d|folders)\/([\w-]+)/.exec(url)?.[1] ?? "";

describe("dmshare send --via gdrive", () => {
  it("shares a photo as an anyone-with-the-link reader permission, in a dmshare folder", async () => {
    const photo = jpegBytes(5000);
    const { code, sent, stderr } = await sendJson({ "beach.jpg": photo }, ["--via", "gdrive"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(sent?.url).toMatch(/^https:\/\/drive\.google\.com\/file\/d\/[\w-]+\/view/);
    // In the send's own folder, named by its id.
    expect(sent?.files[0]?.remotePath).toBe(`dmshare/${sent?.id}/beach.jpg`);
    const id = driveId(sent?.url ?? "");
    expect(bed.emulator.readDriveFile(id)?.equals(photo)).toBe(true);
    expect(bed.emulator.resolveDriveLink(sent?.url ?? "")).toMatchObject({
      access: "reader",
      canDownload: true,
    });
    expect(bed.emulator.drivePermissions(id)).toContainEqual(
      expect.objectContaining({ type: "anyone", role: "reader", allowFileDiscovery: false }),
    );
    const files = bed.emulator.driveFiles();
    const root = files.find((file) => file.name === "dmshare");
    const own = files.find((file) => file.name === sent?.id);
    expect(own?.parents).toEqual([root?.id]);
    expect(files.find((file) => file.id === id)?.parents).toEqual([own?.id]);
  });

  it("shares what it just made without reading its permissions first: one round trip less", async () => {
    const before = bed.emulator.requests.length;
    const { code, sent } = await sendJson({ "fresh.jpg": jpegBytes(4500) }, ["--via", "gdrive"]);
    expect(code).toBe(0);
    const made = bed.emulator.requests.slice(before).map((r) => `${r.method} ${r.path}`);
    const id = driveId(sent?.url ?? "");
    expect(made).toContain(`POST /drive/v3/files/${id}/permissions`);
    expect(made).not.toContain(`GET /drive/v3/files/${id}/permissions`);
    expect(bed.emulator.resolveDriveLink(sent?.url ?? "")).toMatchObject({ access: "reader" });
  });

  it("accepts the aliases google and drive, and reuses the one dmshare folder", async () => {
    for (const alias of ["google", "drive"]) {
      const { code } = await sendJson({ [`${alias}.jpg`]: jpegBytes() }, ["--via", alias]);
      expect(code).toBe(0);
    }
    const folders = bed.emulator.driveFiles().filter((file) => file.name === "dmshare");
    expect(folders).toHaveLength(1);
  });

  it("shares an album as one folder link that opens every photo in it", async () => {
    const { code, sent } = await sendJson(
      { "1.jpg": jpegBytes(), "2.jpg": jpegBytes(), "3.jpg": jpegBytes() },
      ["--via", "gdrive", "--album", "Lisbon trip"],
    );
    expect(code).toBe(0);
    expect(sent?.url).toMatch(/^https:\/\/drive\.google\.com\/drive\/folders\/[\w-]+/);
    const folderId = driveId(sent?.url ?? "");
    const inside = bed.emulator.driveFiles().filter((file) => file.parents?.includes(folderId));
    expect(inside.map((file) => file.name).sort()).toEqual(["1.jpg", "2.jpg", "3.jpg"]);
    for (const file of inside) {
      const link = `https://drive.google.com/file/d/${file.id}/view?usp=drivesdk`;
      expect(bed.emulator.resolveDriveLink(link)?.access).toBe("reader");
    }
    expect(sent?.files.map((file) => file.remotePath).sort()).toEqual([
      "dmshare/Lisbon trip/1.jpg",
      "dmshare/Lisbon trip/2.jpg",
      "dmshare/Lisbon trip/3.jpg",
    ]);
  });

  it("an album whose folder's reply is lost: the retry finds that folder, no second one", async () => {
    // The dmshare folder exists first, so the lost reply is the album folder's.
    expect((await sendJson({ "first.jpg": jpegBytes(4100) }, ["--via", "gdrive"])).code).toBe(0);
    bed.emulator.inject({ kind: "cut", route: "/drive/v3/files", method: "POST" });
    const { code, sent } = await sendJson(
      { "l1.jpg": jpegBytes(4200), "l2.jpg": jpegBytes(4300) },
      ["--via", "gdrive", "--album", "Lost folder reply"],
    );
    expect(code).toBe(0);
    const folders = bed.emulator.driveFiles().filter((file) => file.name === "Lost folder reply");
    expect(folders).toHaveLength(1);
    expect(driveId(sent?.url ?? "")).toBe(folders[0]?.id);
    const inside = bed.emulator
      .driveFiles()
      .filter((file) => file.parents?.includes(folders[0]?.id ?? ""));
    expect(inside.map((file) => file.name).sort()).toEqual(["l1.jpg", "l2.jpg"]);
  });

  it("--no-download sets copyRequiresWriterPermission", async () => {
    const { code, sent } = await sendJson({ "nodl.jpg": jpegBytes() }, [
      "--via",
      "gdrive",
      "--no-download",
    ]);
    expect(code).toBe(0);
    expect(bed.emulator.resolveDriveLink(sent?.url ?? "")).toMatchObject({
      access: "reader",
      canDownload: false,
    });
  });

  it("--expires: Drive has no expiry for anyone-links, so dmshare records it and says prune will revoke it", async () => {
    const { code, sent, stderr } = await sendJson({ "x.jpg": jpegBytes() }, [
      "--via",
      "gdrive",
      "--expires",
      "7d",
    ]);
    expect(code).toBe(0);
    expect(sent).toMatchObject({ status: "active", expiryEnforcedBy: "dmshare" });
    expect(stderr).toMatch(
      /^! Google Drive won't expire this link on this account: dmshare revokes it the first time you run dmshare after .*dmshare prune --install/,
    );
    const anyone = bed.emulator
      .drivePermissions(driveId(sent?.url ?? ""))
      .find((permission) => permission.type === "anyone");
    expect(anyone?.expirationTime).toBeUndefined();
  });

  it("uploads a large file through a resumable session in one streamed request, byte for byte", async () => {
    const big = jpegBytes(11 * 1024 * 1024);
    const { code, sent } = await sendJson({ "big.jpg": big }, ["--via", "gdrive"]);
    expect(code).toBe(0);
    expect(bed.emulator.readDriveFile(driveId(sent?.url ?? ""))?.equals(big)).toBe(true);
    const puts = bed.emulator.requests.filter(
      (request) => request.method === "PUT" && request.path.startsWith("/upload/drive/v3/files"),
    );
    // One request for the whole file: no round trip per chunk.
    expect(puts.map((request) => request.headers["content-range"])).toEqual([
      `bytes 0-${big.length - 1}/${big.length}`,
    ]);
  });

  it("goes on from where Drive got to when the connection drops mid-upload", async () => {
    const big = jpegBytes(20 * 1024 * 1024);
    const before = bed.emulator.requests.length;
    bed.emulator.inject({
      kind: "cut",
      route: /^\/upload\/drive\/v3\/files$/,
      afterBodyBytes: 5 * 1024 * 1024,
      times: 1,
      method: "PUT",
    } as Parameters<typeof bed.emulator.inject>[0]);
    const { code, sent, stderr } = await sendJson({ "resume.jpg": big }, ["--via", "gdrive"]);
    bed.emulator.clearFaults();
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(bed.emulator.readDriveFile(driveId(sent?.url ?? ""))?.equals(big)).toBe(true);
    const puts = bed.emulator.requests
      .slice(before)
      .filter(
        (request) => request.path.startsWith("/upload/drive/v3/files") && request.method === "PUT",
      );
    // The chunk cut at 5 MiB is not sent again from 0: Drive is asked where it got to.
    expect(puts.map((request) => request.headers["content-range"])).toContain(
      `bytes */${big.length}`,
    );
    const sentBytes = puts.reduce((sum, request) => sum + request.bodyBytes, 0);
    expect(sentBytes).toBeLessThan(big.length * 1.5);
  });

  it("rides out a rate limit (403 userRateLimitExceeded with Retry-After)", async () => {
    bed.emulator.inject({
      kind: "status",
      status: 403,
      reason: "userRateLimitExceeded",
      retryAfterSeconds: 1,
      route: /\/permissions$/,
      times: 1,
    });
    const { code, sent } = await sendJson({ "busy.jpg": jpegBytes() }, ["--via", "gdrive"]);
    expect(code).toBe(0);
    expect(bed.emulator.resolveDriveLink(sent?.url ?? "")?.access).toBe("reader");
  });

  it("list shows Drive links; revoke removes the permission and keeps the file unless asked", async () => {
    const photo = await sendJson({ "keep.jpg": jpegBytes() }, ["--via", "gdrive"]);
    const album = await sendJson({ "a.jpg": jpegBytes(), "b.jpg": jpegBytes() }, [
      "--via",
      "gdrive",
      "--album",
      "gone",
    ]);
    const listed = JSON.parse(
      (await bed.dmshare(["list", "--json", "--provider", "drive"])).stdout,
    );
    expect(listed.map((link: SentJson) => link.id)).toEqual(
      expect.arrayContaining([photo.sent?.id, album.sent?.id]),
    );

    const revoked = await bed.dmshare(["revoke", photo.sent?.id ?? ""]);
    expect(revoked.code).toBe(0);
    expect(bed.emulator.resolveDriveLink(photo.sent?.url ?? "")?.access).toBeNull();
    expect(bed.emulator.readDriveFile(driveId(photo.sent?.url ?? ""))).not.toBeNull();
    const again = await bed.dmshare(["revoke", photo.sent?.id ?? ""]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already revoked/);

    const withFiles = await bed.dmshare(["revoke", album.sent?.id ?? "", "--delete-files"]);
    expect(withFiles.code).toBe(0);
    const folderId = driveId(album.sent?.url ?? "");
    expect(bed.emulator.driveFiles().some((file) => file.id === folderId)).toBe(false);
    expect(bed.emulator.driveFiles().some((file) => file.parents?.includes(folderId))).toBe(false);
  });

  it("a link revoked in Drive itself is already revoked for dmshare", async () => {
    const { sent } = await sendJson({ "ui.jpg": jpegBytes() }, ["--via", "gdrive"]);
    const id = driveId(sent?.url ?? "");
    const anyone = bed.emulator.drivePermissions(id).find((p) => p.type === "anyone");
    bed.emulator.removeDrivePermission(id, anyone?.id ?? "");
    const { code, stdout } = await bed.dmshare(["revoke", sent?.id ?? ""]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/already revoked/);
  });

  it("a rejected token exits 3 with the login command", async () => {
    await writeFiles(bed.dir, { "x.jpg": jpegBytes() });
    const { code, stderr } = await bed.dmshare(["send", "x.jpg", "--via", "gdrive"], {
      env: { DMSHARE_GDRIVE_TOKEN: "not-a-token" },
    });
    expect(code).toBe(3);
    expect(stderr).toMatch(/dmshare login gdrive/);
    expect(stderr).not.toContain("not-a-token");
  });
});

describe("metadata removal before upload to Google", () => {
  it("Drive and Photos store the photo without its GPS, orientation kept", async () => {
    const photo = await cameraJpeg({ width: 200, height: 150 });
    const drive = await sendJson({ "gps-drive.jpg": photo }, ["--via", "gdrive"]);
    const onDrive = bed.emulator.readDriveFile(driveId(drive.sent?.url ?? "")) ?? Buffer.alloc(0);
    const photos = await sendJson({ "gps-photos.jpg": photo }, ["--via", "gphotos"]);
    const inPhotos =
      bed.emulator.photosMediaItems().find((item) => item.filename === "gps-photos.jpg")?.bytes ??
      Buffer.alloc(0);
    expect(photos.code).toBe(0);
    for (const stored of [onDrive, inPhotos]) {
      expect(stored.length).toBeGreaterThan(0);
      expect(await exifr.gps(stored).catch(() => undefined)).toBeUndefined();
      expect(stored.includes(Buffer.from(PLACE.city))).toBe(false);
      expect((await exifr.parse(stored, ["Orientation"]))?.Orientation).toMatch(/90 CW|^6$/);
    }
    expect((await exifr.gps(photo))?.latitude).toBeCloseTo(48.858, 2);
  });
});

describe("dmshare send --via gphotos", () => {
  it("uploads into a private album, copies nothing, and says where to press Share", async () => {
    const { code, stdout, stderr } = await (async () => {
      await writeFiles(bed.dir, { "p1.jpg": jpegBytes(), "p2.jpg": jpegBytes() });
      return bed.dmshare(["send", "p1.jpg", "p2.jpg", "--via", "google-photos", "--album", "Trip"]);
    })();
    expect(code).toBe(0);
    const [album] = bed.emulator.photosAlbums().filter((each) => each.title === "Trip");
    expect(album?.mediaItemIds).toHaveLength(2);
    expect(stderr).toMatch(/Google Photos only lets people share from the Google Photos app/);
    expect(stderr).toMatch(/--via gdrive/);
    expect(stderr).not.toMatch(/Copied/);
    expect(stdout).toContain(album?.productUrl);
    expect(stdout).toMatch(/only you can open this/);
  });

  it("--dry-run says what the run would do, not that it uploaded (nor a page it does not print)", async () => {
    await writeFiles(bed.dir, { "d1.jpg": jpegBytes() });
    const albums = bed.emulator.photosAlbums().length;
    const { code, stdout } = await bed.dmshare(["send", "d1.jpg", "--via", "gphotos", "--dry-run"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Would upload d1\.jpg .* to Google Photos and keep it private/);
    expect(stdout).toMatch(/Google Photos only lets people share from the Google Photos app/);
    expect(stdout).not.toMatch(/uploaded|copied|page below/);
    expect(bed.emulator.photosAlbums()).toHaveLength(albums);
  });

  it("--json records needs-sharing with the album page, and no URL or message", async () => {
    const { code, sent } = await sendJson({ "j1.jpg": jpegBytes(), "j2.jpg": jpegBytes() }, [
      "--via",
      "gphotos",
      "--album",
      "JSON album",
    ]);
    expect(code).toBe(0);
    const album = bed.emulator.photosAlbums().find((each) => each.title === "JSON album");
    expect(sent).toMatchObject({
      status: "needs-sharing",
      url: null,
      message: null,
      copied: false,
      ownerUrl: album?.productUrl,
    });
    const listed = JSON.parse(
      (await bed.dmshare(["list", "--json", "--status", "needs-sharing"])).stdout,
    );
    expect(listed.map((link: SentJson) => link.id)).toContain(sent?.id);
  });

  it("--quiet prints no private page on stdout", async () => {
    await writeFiles(bed.dir, { "q.jpg": jpegBytes() });
    const { code, stdout, stderr } = await bed.dmshare([
      "send",
      "q.jpg",
      "--via",
      "gphotos",
      "--quiet",
    ]);
    expect(code).toBe(0);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/https:\/\/photos\.google\.com\//);
    // One photo is not put in an album, and the note doesn't say it was.
    expect(stderr).not.toMatch(/album/i);
  });

  it("adds photos in batches of at most 50", async () => {
    const files = Object.fromEntries(
      Array.from({ length: 51 }, (_, index) => [`many-${index}.jpg`, jpegBytes(600)]),
    );
    const before = bed.emulator.requests.length;
    const { code } = await sendJson(files, ["--via", "gphotos", "--album", "Many"]);
    expect(code).toBe(0);
    const batches = bed.emulator.requests
      .slice(before)
      .filter((request) => request.path === "/v1/mediaItems:batchCreate");
    expect(batches).toHaveLength(2);
    expect(
      bed.emulator.photosAlbums().find((each) => each.title === "Many")?.mediaItemIds,
    ).toHaveLength(51);
  });

  it("refuses --expires and --no-download before uploading", async () => {
    await writeFiles(bed.dir, { "r.jpg": jpegBytes() });
    for (const option of [["--expires", "1d"], ["--no-download"]]) {
      const { code, stderr } = await bed.dmshare(["send", "r.jpg", "--via", "gphotos", ...option]);
      expect(code).toBe(2);
      expect(stderr).toMatch(/Nothing was uploaded/);
    }
  });

  it("revoke explains that it can't act on Google Photos, and --all leaves them out", async () => {
    const { sent } = await sendJson({ "rv.jpg": jpegBytes() }, ["--via", "gphotos"]);
    const named = await bed.dmshare(["revoke", sent?.id ?? ""]);
    expect(named.code).toBe(2);
    expect(named.stderr).toMatch(/can't unshare Google Photos/);
    expect(named.stderr).toContain(sent?.ownerUrl ?? "?");
    const all = await bed.dmshare(["revoke", "--all", "--yes"]);
    expect(all.code).toBe(0);
    expect(all.stderr).toMatch(/No links match/);
  });
});
