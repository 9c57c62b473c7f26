import { describe, expect, it } from "vitest";
import { writeFiles } from "../helpers/cli.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { readLedger } from "../helpers/ledger.ts";
import { jpegBytes, mp4Bytes, pngBytes } from "../helpers/media.ts";

// Messages, QR codes, link passwords and the scripting contract, in-process with no terminal
// on stdin, stdout or stderr (nothing may be asked).
const TOKEN = "messages-token";
const bed = useDropboxTestbed({ token: TOKEN, runner: "in-process" });
const { dmshare } = bed;
const URL_PATTERN = "https://www\\.dropbox\\.com/scl/f[io]/\\S+";
const ANSI = "\u001b[";

async function requestsDuring<T>(action: () => Promise<T>) {
  const before = bed.emulator.requests.length;
  const result = await action();
  return { result, requests: bed.emulator.requests.slice(before) };
}

async function send(args: string[], options: { env?: Record<string, string | undefined> } = {}) {
  await writeFiles(bed.dir, {
    "beach.jpg": jpegBytes(),
    "cat.png": pngBytes(),
    "waves.mp4": mp4Bytes(),
  });
  return dmshare(["send", ...args, "--via", "dropbox", "--no-copy"], options);
}

describe("the copied message", () => {
  it.each([
    [[], `^Here's the photo: ${URL_PATTERN}\\n$`],
    [["--preset", "casual"], `^Here's the photo: ${URL_PATTERN}\\n$`],
    [["--preset", "friendly"], `^Hi! I put the photo here for you 🙂 ${URL_PATTERN}\\n$`],
    [
      ["--preset", "Professional"],
      `^Please find "beach\\.jpg" at this view-only link: ${URL_PATTERN}\\n$`,
    ],
    [["--preset", "minimal"], `^${URL_PATTERN}\\n$`],
    [
      ["--message", "{provider} link to {name}: {url}"],
      `^Dropbox link to beach\\.jpg: ${URL_PATTERN}\\n$`,
    ],
  ])("send beach.jpg %j", async (flags, expected) => {
    const { code, stdout } = await send(["beach.jpg", ...flags]);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(expected, "u"));
  });

  it("albums: the count and the album's name", async () => {
    const { code, stdout } = await send([
      "beach.jpg",
      "cat.png",
      "--album",
      "Lisbon",
      "--preset",
      "professional",
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      new RegExp(
        `^Please find the album "Lisbon" \\(2 photos\\) at this view-only link: ${URL_PATTERN}\\n$`,
      ),
    );
  });

  it("a video is called a video, and an album says what it holds", async () => {
    const video = await send(["waves.mp4"]);
    expect(video.code).toBe(0);
    expect(video.stdout).toMatch(new RegExp(`^Here's the video: ${URL_PATTERN}\\n$`));
    // The same video again (not rewritten, as send() does): its link is reused.
    const again = await dmshare([
      "send",
      "waves.mp4",
      "--via",
      "dropbox",
      "--no-copy",
      "--preset",
      "friendly",
    ]);
    expect(again.stdout).toMatch(
      new RegExp(`^Hi! I put the video here for you 🙂 ${URL_PATTERN}`, "u"),
    );
    expect(again.stderr).toMatch(/Already shared this video .*reusing that link/);
    const mixed = await send(["beach.jpg", "waves.mp4", "--album", "Beach day"]);
    expect(mixed.code).toBe(0);
    expect(mixed.stdout).toMatch(
      new RegExp(`^Here are the photos and videos \\(2\\): ${URL_PATTERN}\\n$`),
    );
  });

  it("config set preset, then config set message: the one set last is used", async () => {
    const preset = await dmshare(["config", "set", "preset", "minimal"]);
    expect(preset.code).toBe(0);
    expect((await send(["beach.jpg"])).stdout).toMatch(new RegExp(`^${URL_PATTERN}\\n$`));

    const message = await dmshare(["config", "set", "message", "Look: {url}"]);
    expect(message.code).toBe(0);
    expect(message.stderr).toContain("preset is unset: message replaces it");
    expect(JSON.parse((await dmshare(["config", "list", "--json"])).stdout)).toEqual({
      message: "Look: {url}",
    });
    expect((await dmshare(["config", "list"])).stdout).toMatch(
      /^preset +\(none\) +not used: message is set$/m,
    );
    expect((await send(["beach.jpg"])).stdout).toMatch(new RegExp(`^Look: ${URL_PATTERN}\\n$`));
    // A flag beats the settings.
    expect((await send(["beach.jpg", "--preset", "casual"])).stdout).toMatch(/^Here's the photo:/);
  });

  it("an unknown preset is exit 2 listing the presets, before anything is uploaded", async () => {
    const { result, requests } = await requestsDuring(() =>
      send(["beach.jpg", "--preset", "poetic"]),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unknown message preset "poetic"');
    for (const name of ["casual", "friendly", "professional", "minimal"]) {
      expect(result.stderr).toContain(name);
    }
    expect(requests).toEqual([]);

    const config = await dmshare(["config", "set", "preset", "poetic"]);
    expect(config.code).toBe(2);
    expect(config.stderr).toContain("Presets: casual");
  });

  it("--message and --preset together is exit 2", async () => {
    const { code, stderr } = await send(["beach.jpg", "--preset", "minimal", "--message", "{url}"]);
    expect(code).toBe(2);
    expect(stderr).toContain("--message and --preset can't be used together");
  });
});

describe("--qr", () => {
  it("draws the QR code on stderr; stdout keeps exactly the result", async () => {
    const { code, stdout, stderr } = await send(["beach.jpg", "--qr"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Here's the photo: ${URL_PATTERN}\\n$`));
    const picture = stderr.split("\n").filter((line) => /[█▀▄]/.test(line));
    expect(picture.length).toBeGreaterThan(10);
    // Square: as many half-block rows as half the modules across (plus the margin).
    const width = Math.max(...picture.map((line) => [...line].length));
    expect(width).toBeGreaterThan(20);
    expect(stderr).not.toContain(ANSI);
  });

  it("with --quiet too: the URL alone on stdout, the picture still on stderr", async () => {
    const { code, stdout, stderr } = await send(["beach.jpg", "--qr", "--quiet"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^${URL_PATTERN}\\n$`));
    expect(stderr).toMatch(/█/);
  });
});

describe("--password", () => {
  it("--password-stdin on a paid plan: the link asks for it; it is never printed or stored", async () => {
    await writeFiles(bed.dir, { "beach.jpg": jpegBytes() });
    bed.emulator.setAccountType("pro");
    try {
      const { code, stdout, stderr } = await dmshare(
        ["send", "beach.jpg", "--via", "dropbox", "--password-stdin", "--json", "--no-copy"],
        { stdin: "correct horse\n" },
      );
      expect(code).toBe(0);
      const sent = JSON.parse(stdout);
      expect(bed.emulator.resolveSharedLink(sent.url)).toMatchObject({
        audience: "password",
        passwordProtected: true,
        access: "viewer",
      });
      const ledger = JSON.stringify(await readLedger(bed.configDir));
      for (const text of [stdout, stderr, ledger]) expect(text).not.toContain("correct horse");

      // The same photo again without a password gets its own link, not the protected one.
      const again = await dmshare(["send", "beach.jpg", "--via", "dropbox", "--json", "--no-copy"]);
      expect(JSON.parse(again.stdout).url).not.toBe(sent.url);
    } finally {
      bed.emulator.setAccountType("basic");
    }
  });

  it("on Dropbox Basic: exit 2 before anything is uploaded", async () => {
    await writeFiles(bed.dir, { "beach.jpg": jpegBytes() });
    const { result, requests } = await requestsDuring(() =>
      dmshare(["send", "beach.jpg", "--via", "dropbox", "--password-stdin"], { stdin: "pw" }),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Your Dropbox Basic plan does not allow --password");
    expect(requests.map((request) => request.path)).not.toContain("/2/files/upload");
  });

  it("--password without a terminal: exit 2 pointing to --password-stdin, nothing uploaded", async () => {
    const { result, requests } = await requestsDuring(() => send(["beach.jpg", "--password"]));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--password asks for the password at a terminal");
    expect(result.stderr).toContain("--password-stdin");
    expect(requests).toEqual([]);
  });

  it("--password=VALUE is refused without repeating the password", async () => {
    const { result, requests } = await requestsDuring(() =>
      send(["beach.jpg", "--password=hunter2"]),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("it would stay in your shell history");
    expect(result.stderr).not.toContain("hunter2");
    expect(requests).toEqual([]);
  });

  it("--password-stdin with paths on stdin (-) is exit 2; an empty password too", async () => {
    const both = await dmshare(["send", "-", "--password-stdin", "--via", "dropbox"], {
      stdin: "beach.jpg\n",
    });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("can't both read stdin");

    await writeFiles(bed.dir, { "beach.jpg": jpegBytes() });
    bed.emulator.setAccountType("pro");
    try {
      const empty = await dmshare(["send", "beach.jpg", "--password-stdin", "--via", "dropbox"], {
        stdin: "",
      });
      expect(empty.code).toBe(2);
      expect(empty.stderr).toContain("--password-stdin read no password");
    } finally {
      bed.emulator.setAccountType("basic");
    }
  });
});

describe("no terminal, no questions", () => {
  it("send without files → exit 2, nothing asked", async () => {
    const { code, stdout, stderr } = await dmshare(["send", "--via", "dropbox"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain("No files to send.");
    expect(stderr).not.toContain("?");
  });

  it("login without a provider → exit 2 naming them", async () => {
    const { code, stderr } = await dmshare(["login"]);
    expect(code).toBe(2);
    expect(stderr).toContain("Missing the provider to log in to.");
    expect(stderr).toContain(
      "dmshare login dropbox, dmshare login gdrive, dmshare login gphotos or dmshare login onedrive",
    );
  });

  it("first run: nothing logged in and no provider named → three lines on how to log in, exit 3", async () => {
    await writeFiles(bed.dir, { "beach.jpg": jpegBytes() });
    const { code, stdout, stderr } = await dmshare(["send", "beach.jpg"], {
      env: { DMSHARE_DROPBOX_TOKEN: undefined },
    });
    expect(code).toBe(3);
    expect(stdout).toBe("");
    expect(stderr.trimEnd().split("\n")).toEqual([
      "✖ dmshare is not logged in to any account yet.",
      "  Log in once with: dmshare login dropbox   (or: dmshare login gdrive)",
      '  You bring your own app (two minutes): README "Connect Dropbox", https://www.dropbox.com/developers/apps',
    ]);
  });
});
