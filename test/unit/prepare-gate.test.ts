// A gap in metadata removal fails closed: the prepared copy is checked again, independently,
// before anything is uploaded. The stripper is replaced here by one that copies the file
// unchanged, the worst bug it could have.

import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { prepareFiles } from "../../src/core/prepare.ts";
import { DmshareError } from "../../src/lib/errors.ts";
import { cameraJpeg, cameraVideo } from "../helpers/camera.ts";
import { localPhoto } from "../helpers/media.ts";

vi.mock("../../src/media/metadata.ts", () => ({
  removeMetadata: async (source: string, destination: string) => {
    await copyFile(source, destination);
    return { removed: [], locationRemoved: false };
  },
}));

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "dmshare-gate-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const options = { keepMetadata: false, convertToJpeg: false };

/** What preparing `file` in a fresh workspace throws (the test fails if it doesn't). */
async function refusal(file: Parameters<typeof prepareFiles>[0][number]): Promise<DmshareError> {
  const workspace = await mkdtemp(path.join(dir, "w-"));
  const error = await prepareFiles([file], options, workspace, new AbortController().signal).catch(
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DmshareError);
  return error as DmshareError;
}

describe("the gate after metadata removal", () => {
  it("refuses a copy that still holds GPS and names (exit 2, what was found, --keep-metadata)", async () => {
    const file = await localPhoto(dir, await cameraJpeg());
    const { exitCode, message, hint } = await refusal(file);
    expect(exitCode).toBe(2);
    expect(message).toContain(file.path);
    expect(message).toMatch(/GPS/);
    expect(hint).toMatch(/Nothing was uploaded/);
    expect(hint).toMatch(/--keep-metadata/);
  });

  it("refuses a video copy that still tells the camera's make and model, as a photo's would", async () => {
    const video = await localPhoto(dir, cameraVideo({ location: false }));
    const error = await refusal({ ...video, mime: "video/mp4", name: "clip.mp4" });
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/camera make/);
  });

  it("is skipped with --keep-metadata", async () => {
    const file = await localPhoto(dir, await cameraJpeg());
    const workspace = await mkdtemp(path.join(dir, "w-"));
    const prepared = await prepareFiles(
      [file],
      { ...options, keepMetadata: true },
      workspace,
      new AbortController().signal,
    );
    expect(prepared[0]?.contentPath).toBe(file.path);
  });
});
