// `dmshare inspect`: what a photo tells about its sender, and what dmshare would send,
// in-process, with nothing uploaded and the file untouched.

import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cameraJpeg, cameraVideo, IDENTITY } from "../helpers/camera.ts";
import { tempDir, writeFiles } from "../helpers/cli.ts";
import { runInProcess } from "../helpers/in-process.ts";

let dir = "";
let cleanup = async () => {};
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir("dmshare-inspect-"));
  await writeFiles(dir, {
    "IMG_0001.jpg": await cameraJpeg(),
    "clip.mp4": cameraVideo(),
    "notes.txt": "hello",
  });
});
afterAll(() => cleanup());

const inspect = (...args: string[]) =>
  runInProcess(["inspect", ...args], {
    cwd: dir,
    env: { DMSHARE_CONFIG_DIR: path.join(dir, "cfg") },
  });

interface Inspected {
  file: string;
  before: {
    location?: { latitude: number; longitude: number; precision: string };
    findings: { category: string; what: string; value?: string }[];
  };
  after: { verdict: string; findings: { refuse: boolean }[]; kept: { what: string }[] };
}

describe("dmshare inspect", () => {
  it("shows location, device, serials, names, dates, software and the thumbnail, then a clean copy", async () => {
    const before = await readFile(path.join(dir, "IMG_0001.jpg"));
    const { code, stdout, stderr } = await inspect("IMG_0001.jpg");
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(stdout).not.toContain("\x1b["); // no colour in a pipe
    expect(stdout).toMatch(/Location\s+48\.858\d*, 2\.294\d* \(precise to about \d+ m/);
    for (const text of [
      IDENTITY.serial,
      IDENTITY.owner,
      IDENTITY.model,
      "2026:05:01 12:34:56",
      "PhoneOS 17.4",
      "embedded thumbnail",
    ]) {
      expect(stdout).toContain(text);
    }
    expect(stdout).toMatch(/What dmshare would send:\n\s+a clean copy \(removed: GPS location/);
    expect(stdout).toContain("orientation 6");
    expect((await readFile(path.join(dir, "IMG_0001.jpg"))).equals(before)).toBe(true);
  });

  it("--json prints one document with before and after for each file", async () => {
    const { code, stdout } = await inspect("IMG_0001.jpg", "clip.mp4", "--json");
    expect(code).toBe(0);
    const [photo, video] = JSON.parse(stdout) as Inspected[];
    expect(photo?.before.location?.latitude).toBeCloseTo(48.8582, 3);
    expect(photo?.before.location?.precision).toMatch(/building/);
    expect(photo?.after.verdict).toBe("clean");
    expect(photo?.after.findings).toEqual([]);
    expect(
      video?.before.findings.some(
        (f) => f.category === "location" && f.value?.startsWith("+48.8582"),
      ),
    ).toBe(true);
    // Make, model, software and date are shown before and are gone after, as for a photo.
    const before = video?.before.findings.map((f) => f.value) ?? [];
    expect(before).toEqual(expect.arrayContaining([IDENTITY.make, IDENTITY.model]));
    expect(video?.after.verdict).toBe("clean");
    expect(video?.after.findings).toEqual([]);
  });

  it("a file that is not a photo or is missing: exit 2 when all fail, 5 when some do", async () => {
    const missing = await inspect("gone.jpg");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Can't inspect gone\.jpg: no such file/);
    const some = await inspect("IMG_0001.jpg", "notes.txt");
    expect(some.code).toBe(5);
    expect(some.stdout).toContain("IMG_0001.jpg");
    expect(some.stderr).toMatch(/Can't inspect notes\.txt: it is not a photo or video/);
  });

  it("is listed in dmshare --help and completed by the shell", async () => {
    expect((await runInProcess(["--help"])).stdout).toMatch(/inspect \[options\] <files\.\.\.>/);
    const bash = await runInProcess(["completion", "bash"]);
    expect(bash.stdout).toContain("inspect");
  });
});
