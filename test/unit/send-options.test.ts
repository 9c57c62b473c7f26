import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  parseSendOptions,
  refuseFlagsForPlans,
  type SendRequest,
} from "../../src/core/send/options.ts";
import { DmshareError } from "../../src/lib/errors.ts";
import { run } from "../../src/main.ts";
import { tempDir } from "../helpers/cli.ts";
import { testContext } from "../helpers/context.ts";
import { jpegBytes } from "../helpers/media.ts";

let work: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  work = await tempDir();
  for (const name of ["a.jpg", "b.jpg"]) await writeFile(path.join(work.dir, name), jpegBytes());
});
afterEach(() => work.cleanup());

/**
 * A dry run connects as the real run does, so it needs a login; nothing answers at this
 * address, and nothing in these tests asks the provider anything.
 */
const LOGGED_IN = {
  DMSHARE_DROPBOX_TOKEN: "dry-run-token",
  DMSHARE_DROPBOX_API_URL: "http://127.0.0.1:9",
};

/** `dmshare send … --via dropbox --dry-run` in-process: no provider is reached. */
async function dryRun(args: string[]) {
  const test = testContext({
    configDir: path.join(work.dir, "config"),
    cwd: work.dir,
    env: LOGGED_IN,
  });
  const code = await run(["send", ...args, "--via", "dropbox", "--dry-run"], test.ctx);
  return { code, stdout: test.stdout(), stderr: test.stderr() };
}

describe("send refuses flags that would not apply (never ignores them)", () => {
  it("--partial with a single photo: one photo is shared whole or not at all", async () => {
    const { code, stdout, stderr } = await dryRun(["a.jpg", "--partial"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain("--partial is for an album, and a.jpg is sent as a single photo.");
    expect(stderr).toContain("--album NAME");
  });

  it("--partial with --each: --each already shares the photos that upload", async () => {
    const { code, stdout, stderr } = await dryRun(["a.jpg", "b.jpg", "--each", "--partial"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain("--partial and --each can't be used together");
    expect(stderr).toContain("leave --partial out");
  });

  it("--concurrency with a single photo: one file is one upload", async () => {
    const { code, stdout, stderr } = await dryRun(["a.jpg", "--concurrency", "4"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain(
      "--concurrency is for an album, and a.jpg is sent as a single photo (one upload).",
    );
  });

  it("--concurrency with --each: the photos of --each upload one after another", async () => {
    const { code, stdout, stderr } = await dryRun([
      "a.jpg",
      "b.jpg",
      "--each",
      "--concurrency",
      "2",
    ]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain("--concurrency and --each can't be used together");
  });

  it("--partial and --concurrency with an album (even of one file) are taken", async () => {
    for (const args of [
      ["a.jpg", "b.jpg", "--partial", "--concurrency", "2"],
      ["a.jpg", "--album", "Trip", "--partial", "--concurrency", "2"],
    ]) {
      const { code, stdout } = await dryRun(args);
      expect(code).toBe(0);
      expect(stdout).toContain("Would upload");
    }
  });
});

const now = new Date("2026-11-22T12:00:00Z");
const typed = (extra: Partial<SendRequest> = {}): SendRequest => ({
  paths: ["a.jpg"],
  each: false,
  noDownload: false,
  dryRun: false,
  ...extra,
});
const parse = (extra: Partial<SendRequest>) => parseSendOptions(typed(extra), now);
/** The usage error (exit 2) `attempt` throws: what went wrong and what to do. */
function usage(attempt: () => unknown): { message: string; hint?: string } {
  try {
    attempt();
  } catch (error) {
    expect(error).toBeInstanceOf(DmshareError);
    expect(error).toMatchObject({ kind: "usage" });
    return error as DmshareError;
  }
  throw new Error("expected a usage error");
}

describe("parseSendOptions: the options as typed become settings", () => {
  it("leaves out what was not given", () => {
    expect(parse({})).toEqual({
      paths: ["a.jpg"],
      each: false,
      expiresAt: null,
      noDownload: false,
      dryRun: false,
      convertToJpeg: false,
      anyFile: false,
      newLink: false,
      partial: false,
    });
  });

  it("--resize: pixels, with or without px, 16 to 20000", () => {
    expect(parse({ resize: "2048" }).resize).toBe(2048);
    expect(parse({ resize: " 1024PX " }).resize).toBe(1024);
    for (const bad of ["15", "20001", "12.5", "big", ""]) {
      const error = usage(() => parse({ resize: bad }));
      expect(error.message).toBe(`--resize "${bad}" is not a size in pixels.`);
      expect(error.hint).toContain("--resize 2048");
    }
  });

  it("--concurrency: a whole number of uploads from 1 to 32", () => {
    expect(parse({ paths: ["a", "b"], concurrency: " 4 " }).concurrency).toBe(4);
    expect(parse({ concurrency: "1" }).concurrency).toBe(1);
    expect(parse({ concurrency: "32" }).concurrency).toBe(32);
    for (const bad of ["0", "33", "2.5", "-1", "four"]) {
      expect(usage(() => parse({ concurrency: bad })).message).toBe(
        `--concurrency "${bad}" is not a number of uploads from 1 to 32.`,
      );
    }
  });

  it("--convert: jpeg (or jpg), any case; nothing else", () => {
    expect(parse({ convert: "JPEG" }).convertToJpeg).toBe(true);
    expect(parse({ convert: " jpg" }).convertToJpeg).toBe(true);
    expect(usage(() => parse({ convert: "png" })).message).toBe('Can\'t convert to "png".');
  });

  it("--expires: a moment after now; a past or unreadable one is refused", () => {
    expect(parse({ expires: "7d" }).expiresAt).toEqual(new Date("2026-11-29T12:00:00Z"));
    expect(usage(() => parse({ expires: "2020-01-01" })).message).toContain("not in the future");
    expect(usage(() => parse({ expires: "soon" })).message).toContain("not a duration or a date");
  });

  it("--message or --preset becomes the style; neither leaves it to the settings", () => {
    expect(parse({ message: "Look: {url}" }).style).toEqual({ template: "Look: {url}" });
    expect(parse({ preset: " Friendly" }).style).toEqual({ preset: "friendly" });
    expect(parse({}).style).toBeUndefined();
    expect(usage(() => parse({ message: "no link" })).message).toContain("no {url} placeholder");
    expect(usage(() => parse({ preset: "loud" })).message).toBe('Unknown message preset "loud".');
    expect(usage(() => parse({ message: "{url}", preset: "friendly" })).message).toBe(
      "--message and --preset can't be used together.",
    );
  });

  it("passes the rest through", async () => {
    const password = async () => "secret";
    const settings = parse({
      via: "google",
      album: "Trip",
      noDownload: true,
      keepMetadata: true,
      anyFile: true,
      newLink: true,
      partial: true,
      password,
    });
    expect(settings).toMatchObject({
      via: "google",
      album: "Trip",
      noDownload: true,
      keepMetadata: true,
      anyFile: true,
      newLink: true,
      partial: true,
    });
    expect(settings.password).toBe(password);
  });

  it("refuses --partial and --concurrency with --each, whatever the files", () => {
    const partial = usage(() => parse({ each: true, partial: true }));
    expect(partial.message).toBe(
      "--partial and --each can't be used together: --partial is for an album.",
    );
    expect(partial.hint).toContain("--each already shares every photo that uploads");
    const concurrency = usage(() => parse({ each: true, concurrency: "4" }));
    expect(concurrency.message).toBe(
      "--concurrency and --each can't be used together: --each uploads one photo after another.",
    );
    expect(concurrency.hint).toContain("--album NAME");
    expect(parse({ each: true })).toMatchObject({ each: true, partial: false });
  });
});

describe("refuseFlagsForPlans: what depends on the files", () => {
  const files = [
    {
      path: "/p/a.jpg",
      contentPath: "/p/a.jpg",
      name: "a.jpg",
      bytes: 1,
      mime: "image/jpeg",
      modifiedAt: now,
    },
  ];
  const photo = [{ kind: "photo" as const, name: "a.jpg", files }];
  const album = [{ kind: "album" as const, name: "Trip", files }];

  it("refuses --partial and --concurrency for a single photo", () => {
    const partial = usage(() => refuseFlagsForPlans({ partial: true }, photo));
    expect(partial.message).toBe("--partial is for an album, and a.jpg is sent as a single photo.");
    expect(partial.hint).toContain("give --album NAME");
    const concurrency = usage(() => refuseFlagsForPlans({ partial: false, concurrency: 2 }, photo));
    expect(concurrency.message).toBe(
      "--concurrency is for an album, and a.jpg is sent as a single photo (one upload).",
    );
  });

  it("takes them for an album, and lets a photo without them through", () => {
    expect(() => refuseFlagsForPlans({ partial: true, concurrency: 2 }, album)).not.toThrow();
    expect(() => refuseFlagsForPlans({ partial: false }, photo)).not.toThrow();
  });
});
