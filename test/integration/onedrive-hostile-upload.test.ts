import { truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Reply } from "../emulators/http.ts";
import { jsonReply } from "../emulators/microsoft.ts";
import { jpegBytes } from "../helpers/media.ts";
import { useMicrosoftTestbed } from "../helpers/microsoft-testbed.ts";

// An upload session that answers in ways the real one never does: dmshare must not loop,
// must not send parts of the file that lie outside it, must not take a file for uploaded
// before its last part went out; it cancels the session, shares nothing, and says so.

const TOKEN = "integration-onedrive-hostile-upload";
const bed = useMicrosoftTestbed({ token: TOKEN, runner: "in-process" });
const SIZE = 11 * 1024 * 1024;
afterEach(() => bed.emulator.clearFaults());

async function bigFile(name: string): Promise<string> {
  const file = path.join(bed.dir, name);
  await writeFile(file, jpegBytes(4096));
  await truncate(file, SIZE);
  return name;
}

const accepted =
  (ranges: string[]) =>
  (_reply: Reply): Reply =>
    jsonReply(202, { expirationDateTime: "2030-01-01T00:00:00Z", nextExpectedRanges: ranges });

async function sendRefused(name: string) {
  const before = bed.emulator.requests.length;
  const result = await bed.dmshare(["send", name, "--via", "onedrive", "--json", "--no-copy"]);
  const requests = bed.emulator.requests.slice(before);
  expect(result.code, result.stderr).toBe(4);
  expect(requests.some((r) => r.path.endsWith("/createLink"))).toBe(false);
  expect(requests.some((r) => r.method === "DELETE" && r.path.startsWith("/rup/"))).toBe(true);
  expect(bed.emulator.permissions()).toEqual([]);
  expect(bed.emulator.uploadSessions()).toEqual([]);
  return {
    ...result,
    fragments: requests.filter((r) => r.method === "PUT" && r.path.startsWith("/rup/")),
  };
}

describe("OneDrive upload sessions answering wrongly", () => {
  it("nextExpectedRanges pointing back to bytes already acknowledged: refused, not looped", async () => {
    const name = await bigFile("back.jpg");
    bed.emulator.tamperNextFragments(...Array.from({ length: 3 }, () => accepted(["0-"])));
    const { stderr, fragments } = await sendRefused(name);
    expect(fragments).toHaveLength(1);
    expect(stderr).toMatch(/upload session/);
  });

  it("nextExpectedRanges beyond the end of the file: refused", async () => {
    const name = await bigFile("beyond.jpg");
    bed.emulator.tamperNextFragments(accepted([`${SIZE * 4}-`]));
    const { stderr, fragments } = await sendRefused(name);
    expect(fragments).toHaveLength(1);
    expect(stderr).toMatch(/upload session/);
  });

  it("nextExpectedRanges skipping bytes that were never sent: refused", async () => {
    const name = await bigFile("skip.jpg");
    bed.emulator.tamperNextFragments(accepted([`${SIZE - 1024}-`]));
    const { fragments } = await sendRefused(name);
    expect(fragments).toHaveLength(1);
  });

  it("a 201 with a whole driveItem for a fragment that was not the last: refused", async () => {
    const name = await bigFile("early.jpg");
    bed.emulator.tamperNextFragments(() =>
      jsonReply(201, { id: "01EARLYITEM", name: "early.jpg", size: SIZE, file: {} }),
    );
    const { stderr, fragments } = await sendRefused(name);
    expect(fragments).toHaveLength(1);
    expect(stderr).toMatch(/before/);
  });

  it("a redirect from the upload URL to another host: not followed", async () => {
    const name = await bigFile("moved.jpg");
    bed.emulator.tamperNextFragments(() => ({
      status: 307,
      headers: { Location: "https://upload.evil.example/rup/x" },
      body: "",
    }));
    const { stderr, fragments } = await sendRefused(name);
    expect(fragments).toHaveLength(1);
    expect(stderr).toMatch(/307|evil/);
  });

  it("after a dropped fragment, a session state pointing beyond the file: refused", async () => {
    const name = await bigFile("resume.jpg");
    bed.emulator.inject({
      kind: "status",
      status: 503,
      method: "PUT",
      route: /^\/rup\//,
      times: 1,
    });
    bed.emulator.tamperNextFragments(accepted([`${SIZE * 4}-`]));
    const { stderr, fragments } = await sendRefused(name);
    expect(fragments).toHaveLength(1);
    expect(stderr).toMatch(/upload session/);
  });
});
