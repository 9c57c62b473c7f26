import stringWidth from "string-width";
import { describe, expect, it, vi } from "vitest";
import { Output } from "../../src/ui/output.ts";
import { startUploadProgress } from "../../src/ui/progress.ts";
import { formatDuration, progressLine } from "../../src/ui/progress-line.ts";
import { truncate as truncateToWidth } from "../../src/ui/table.ts";
import { testContext } from "../helpers/context.ts";

const MB = 1_000_000;
const file = (name: string, bytes: number, sent = 0) => ({ name, bytes, sent });

describe("the progress line", () => {
  it("says the file, bytes of total, %, rate and ETA, from the clock it is given", () => {
    const transfer = { files: [file("beach.jpg", 120 * MB, 30 * MB)], startedAt: 0 };
    expect(progressLine(transfer, 2000, 100)).toBe(
      "beach.jpg  30 MB of 120 MB  25%  15 MB/s  ETA 6s",
    );
  });

  it("shows no rate or ETA before half a second has passed, nor before a byte went", () => {
    const started = { files: [file("beach.jpg", 4 * MB, 1 * MB)], startedAt: 1000 };
    expect(progressLine(started, 1400, 100)).toBe("beach.jpg  1.0 MB of 4.0 MB  25%");
    const nothing = { files: [file("beach.jpg", 4 * MB)], startedAt: 0 };
    expect(progressLine(nothing, 5000, 100)).toBe("beach.jpg  0 B of 4.0 MB  0%");
  });

  it("once every byte has left but the server has not answered: waiting, not a fading rate and ETA 0s", () => {
    // Bytes count as sent when the network stack takes them; the answer can come seconds later.
    const one = { files: [file("big.jpg", 7.5 * MB, 7.5 * MB)], startedAt: 0 };
    expect(progressLine(one, 9000, 100)).toBe(
      "big.jpg  7.5 MB of 7.5 MB  100%  waiting for the reply",
    );
    const album = { files: [file("a.jpg", MB, MB), file("b.jpg", MB, MB)], startedAt: 0 };
    expect(progressLine(album, 9000, 100)).toBe(
      "b.jpg  2/2  2.0 MB of 2.0 MB  100%  waiting for the reply",
    );
  });

  it("for an album: the file going up, its place among all, and the album's total", () => {
    const files = [
      ...Array.from({ length: 2 }, (_, i) => file(`done${i}.jpg`, 10 * MB, 10 * MB)),
      file("beach.jpg", 10 * MB, 5 * MB),
      ...Array.from({ length: 37 }, (_, i) => file(`later${i}.jpg`, 10 * MB)),
    ];
    expect(progressLine({ files, startedAt: 0 }, 5000, 100)).toBe(
      "beach.jpg  3/40  25 MB of 400 MB  6%  5.0 MB/s  ETA 1m 15s",
    );
  });

  it("names one of the files going up at once and how many more", () => {
    const files = [file("a.jpg", MB, MB / 2), file("b.jpg", MB, MB / 4), file("c.jpg", MB)];
    expect(progressLine({ files, startedAt: 0 }, 1000, 100)).toMatch(/^a\.jpg \+1 {2}1\/3 {2}/);
  });

  it("fits narrow terminals: the name is cut with …, then ETA, rate and count give way", () => {
    const long = "a-very-long-name-from-the-camera-roll-2026-12-06.jpg";
    const files = [file(long, 120 * MB, 30 * MB), file("b.jpg", MB)];
    const at = (width: number) => progressLine({ files, startedAt: 0 }, 2000, width);
    for (const width of [80, 60, 40, 30, 20, 12, 5]) {
      expect(stringWidth(at(width)), `at ${width} columns: ${at(width)}`).toBeLessThanOrEqual(
        width,
      );
    }
    expect(at(60)).toBe("a-very-long-nam…  1/2  30 MB of 121 MB  24%  15 MB/s  ETA 7s");
    expect(at(40)).toBe("a-very-long-…  1/2  30 MB of 121 MB  24%");
    expect(at(30)).toBe("a-very-…  30 MB of 121 MB  24%");
    expect(at(20)).toBe("30 MB of 121 MB  24%");
  });

  it("measures wide characters as two columns", () => {
    expect(truncateToWidth("海辺の写真です.jpg", 9)).toBe("海辺の写…");
    expect(stringWidth(truncateToWidth("海辺の写真です.jpg", 9))).toBeLessThanOrEqual(9);
    expect(truncateToWidth("short.jpg", 20)).toBe("short.jpg");
  });

  it("prints no control characters of a file's name", () => {
    const transfer = { files: [file("evil\u001b[2J.jpg", MB)], startedAt: 0 };
    expect(progressLine(transfer, 0, 80)).not.toContain("\u001b");
  });

  it("formats ETAs in seconds, minutes and hours", () => {
    expect(formatDuration(3.2)).toBe("4s");
    expect(formatDuration(65)).toBe("1m 05s");
    expect(formatDuration(7380)).toBe("2h 03m");
  });
});

/** A context whose clock the test moves, with stderr a terminal (or not). */
function terminal(stderr: { isTTY?: boolean; columns?: number }, env: Record<string, string> = {}) {
  let ms = Date.parse("2026-12-06T10:00:00Z");
  const test = testContext({ env, stderr, now: () => new Date(ms) });
  return { test, tick: (by: number) => (ms += by) };
}

describe("upload progress on stderr", () => {
  const files = [
    { name: "a.jpg", bytes: 4 * MB },
    { name: "b.jpg", bytes: 4 * MB },
  ];

  it("at a terminal without colour: a plain line now, then at most one a second", async () => {
    const { test, tick } = terminal({ isTTY: true, columns: 80 }, { NO_COLOR: "1" });
    const progress = await startUploadProgress(new Output(test.ctx), files);
    const [a, b] = files as [(typeof files)[0], (typeof files)[0]];
    tick(400);
    progress.sent(a, 1 * MB);
    tick(400);
    progress.sent(a, 2 * MB);
    tick(400);
    progress.sent(a, 4 * MB);
    tick(1000);
    progress.sent(b, 2 * MB);
    progress.succeed("Uploaded 2 files");
    expect(test.stderr()).toBe(
      [
        "Uploading a.jpg  1/2  0 B of 8.0 MB  0%",
        // a.jpg is up, b.jpg is next
        "Uploading b.jpg  2/2  4.0 MB of 8.0 MB  50%  3.3 MB/s  ETA 2s",
        "Uploading b.jpg  2/2  6.0 MB of 8.0 MB  75%  2.7 MB/s  ETA 1s",
        "✔ Uploaded 2 files",
        "",
      ].join("\n"),
    );
  });

  it("with TERM=dumb too, and without escape codes or carriage returns", async () => {
    const { test, tick } = terminal({ isTTY: true, columns: 80 }, { TERM: "dumb" });
    const progress = await startUploadProgress(new Output(test.ctx), files);
    tick(1000);
    progress.sent(files[0] as (typeof files)[0], 4 * MB);
    progress.succeed("Uploaded");
    expect(test.stderr().split("\n")).toHaveLength(4);
    expect(test.stderr()).not.toContain("\u001b");
    expect(test.stderr()).not.toContain("\r");
  });

  it("nothing but the final line in a pipe, and nothing at all with --quiet or --json", async () => {
    for (const [options, expected] of [
      [{}, "✔ Uploaded\n"],
      [{ quiet: true }, ""],
      [{ json: true }, ""],
    ] as const) {
      const { test, tick } = terminal({ isTTY: false });
      const progress = await startUploadProgress(new Output(test.ctx, options), files);
      tick(2000);
      progress.sent(files[0] as (typeof files)[0], MB);
      progress.succeed("Uploaded");
      expect(test.stderr()).toBe(expected);
    }
    const { test } = terminal({ isTTY: true, columns: 80 });
    const progress = await startUploadProgress(new Output(test.ctx, { quiet: true }), files);
    progress.sent(files[0] as (typeof files)[0], MB);
    progress.succeed("Uploaded");
    expect(test.stderr()).toBe("");
  });

  it("at a colour terminal that reports no width: plain lines, not an endless redraw", async () => {
    const { test, tick } = terminal({ isTTY: true }, { FORCE_COLOR: "1" });
    const progress = await startUploadProgress(new Output(test.ctx), files);
    tick(1000);
    progress.sent(files[0] as (typeof files)[0], 2 * MB);
    progress.stop();
    expect(test.stderr()).toBe(
      "Uploading a.jpg  1/2  0 B of 8.0 MB  0%\nUploading a.jpg  1/2  2.0 MB of 8.0 MB  25%  2.0 MB/s  ETA 3s\n",
    );
  });

  it("bytes all reported within the first second are shown on the next tick; none after stop", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    try {
      const { test, tick } = terminal({ isTTY: true, columns: 80 }, { NO_COLOR: "1" });
      const progress = await startUploadProgress(new Output(test.ctx), files);
      tick(200);
      progress.sent(files[0] as (typeof files)[0], 4 * MB);
      expect(test.stderr().split("\n")).toHaveLength(2);
      tick(800);
      vi.advanceTimersByTime(1000);
      expect(test.stderr()).toContain(
        "Uploading b.jpg  2/2  4.0 MB of 8.0 MB  50%  4.0 MB/s  ETA 1s\n",
      );
      // Nothing moved: no new line.
      tick(1000);
      vi.advanceTimersByTime(1000);
      expect(test.stderr().split("\n")).toHaveLength(3);
      progress.stop();
      progress.sent(files[1] as (typeof files)[0], 4 * MB);
      tick(1000);
      vi.advanceTimersByTime(5000);
      expect(test.stderr().split("\n")).toHaveLength(3);
    } finally {
      vi.useRealTimers();
    }
  });
});
