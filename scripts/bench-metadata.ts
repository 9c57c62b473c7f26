// What metadata removal costs: time and peak memory added per 12-megapixel JPEG and per
// 100 MB video, without and with the independent gate that checks the copy before upload.
// Each case runs in a fresh child process so that its peak RSS is its own.
//
//   node scripts/bench-metadata.ts [results.json]
//   node scripts/bench-metadata.ts --against OLD_TREE [--runs N] [results.json]
//
// Prints a Markdown table and writes the numbers as JSON (default bench-results/metadata.json).
// With --against, OLD_TREE is another checkout of dmshare (with its node_modules): one process
// times its removeMetadata against this tree's removal followed by the gate, the two interleaved
// run by run on the same files, so that machine noise falls on both alike; the budget is the
// ratio of the medians.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, open, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { cameraJpeg, cameraVideo } from "../test/helpers/camera.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const at = args.indexOf(name);
  if (at === -1) return undefined;
  const value = args[at + 1];
  args.splice(at, 2);
  return value;
};
const against = option("--against");
const RUNS = Number(option("--runs") ?? (against ? 61 : 11));
const output = path.resolve(
  args[0] ?? path.join(root, "bench-results", against ? "metadata-against.json" : "metadata.json"),
);

interface Case {
  name: string;
  file: string;
  mime: string;
  label: string;
  video: boolean;
}

interface Measurement {
  name: string;
  bytes: number;
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  throughputMBps: number;
  peakAddedMB: number;
  removed: string[];
  /** Removal followed by the gate (scanMedia on the copy), as a send does it. */
  withGate: { medianMs: number; gateMedianMs: number; peakAddedMB: number; ratio: number };
}

const dir = await mkdtemp(path.join(tmpdir(), "dmshare-bench-"));
try {
  // A 12-megapixel phone photo: 4000×3000, quality 92, with the usual EXIF/XMP/IPTC and thumbnail.
  const photo = path.join(dir, "photo-12mp.jpg");
  await writeFile(photo, await cameraJpeg({ width: 4000, height: 3000, quality: 92, noise: 36 }));

  // A 100 MB video: location atoms in moov, then 100 MB of media data written in chunks.
  const video = path.join(dir, "video-100mb.mp4");
  const mediaBytes = 100 * 1024 * 1024;
  const head = cameraVideo({ mediaBytes: 0 });
  const handle = await open(video, "w");
  const sizeField = Buffer.alloc(4);
  sizeField.writeUInt32BE(8 + mediaBytes);
  await handle.write(head);
  await handle.write(sizeField, 0, 4, head.length - 8);
  const chunk = randomBytes(1 << 20);
  for (let written = 0; written < mediaBytes; written += chunk.length) await handle.write(chunk);
  await handle.close();

  const cases: Case[] = [
    { name: "12 MP JPEG", file: photo, mime: "image/jpeg", label: "JPEG", video: false },
    { name: "100 MB MP4 video", file: video, mime: "video/mp4", label: "MP4 video", video: true },
  ];

  if (against) {
    await compare(path.resolve(against), cases);
  } else await measureAll(cases);
} finally {
  await rm(dir, { recursive: true, force: true });
}

/** Old removal against new removal + gate, interleaved in one process. */
async function compare(oldRoot: string, cases: Case[]): Promise<void> {
  const child = path.join(dir, "compare.mjs");
  const url = (tree: string, file: string) =>
    JSON.stringify(pathToFileURL(path.join(tree, "src", "media", file)).href);
  await writeFile(
    child,
    `import { rm } from "node:fs/promises";
import { removeMetadata as oldRemove } from ${url(oldRoot, "metadata.ts")};
import { removeMetadata as newRemove } from ${url(root, "metadata.ts")};
import { scanMedia } from ${url(root, "scan/index.ts")};
const [file, mime, label, video, runs, out] = process.argv.slice(2);
const type = { mime, label, video: video === "true" };
const now = () => Number(process.hrtime.bigint()) / 1e6;
const old = [], strip = [], gate = [], total = [];
const timeOld = async (run) => {
  const start = now();
  await oldRemove(file, out + "old" + run, type);
  old.push(now() - start);
  await rm(out + "old" + run);
};
const timeNew = async (run) => {
  const start = now();
  await newRemove(file, out + "new" + run, type);
  const stripped = now();
  const report = await scanMedia(out + "new" + run);
  const end = now();
  if (report.findings.some((finding) => finding.refuse)) throw new Error("the gate refused the bench file");
  strip.push(stripped - start);
  gate.push(end - stripped);
  total.push(end - start);
  await rm(out + "new" + run);
};
// Two warm-up rounds each, not counted; then alternate which goes first.
for (let run = 0; run < 2; run++) { await timeOld(run); await timeNew(run); }
old.length = strip.length = gate.length = total.length = 0;
for (let run = 0; run < Number(runs); run++) {
  if (run % 2 === 0) { await timeOld(run); await timeNew(run); }
  else { await timeNew(run); await timeOld(run); }
}
process.stdout.write(JSON.stringify({ old, strip, gate, total }));`,
  );
  const rows = [];
  for (const item of cases) {
    const { size } = await stat(item.file);
    const raw = await run(process.execPath, [
      child,
      item.file,
      item.mime,
      item.label,
      String(item.video),
      String(RUNS),
      path.join(dir, `out-${path.basename(item.file)}-`),
    ]);
    const t = JSON.parse(raw) as Record<"old" | "strip" | "gate" | "total", number[]>;
    const row = {
      name: item.name,
      bytes: size,
      runs: t.old.length,
      oldStripMs: round2(median(t.old)),
      newStripMs: round2(median(t.strip)),
      gateMs: round2(median(t.gate)),
      newStripAndGateMs: round2(median(t.total)),
      ratio: Math.round((median(t.total) / median(t.old)) * 100) / 100,
      stripRatio: Math.round((median(t.strip) / median(t.old)) * 100) / 100,
    };
    rows.push(row);
  }
  const lines = [
    `old tree ${oldRoot} vs this tree, ${RUNS} interleaved runs each (medians), Node ${process.version}, ${process.platform}/${process.arch}`,
    "",
    "| file | size | old removal | new removal | gate | new removal + gate | ratio (budget ≤ 1.2×) | new removal alone |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.name} | ${(r.bytes / 1024 / 1024).toFixed(1)} MB | ${r.oldStripMs} ms | ${r.newStripMs} ms | ${r.gateMs} ms | ${r.newStripAndGateMs} ms | ${r.ratio}× | ${r.stripRatio}× |`,
    ),
  ];
  console.log(lines.join("\n"));
  await mkdir(path.dirname(output), { recursive: true });
  await writeFile(
    output,
    `${JSON.stringify({ node: process.version, platform: `${process.platform}/${process.arch}`, against: oldRoot, rows }, null, 2)}\n`,
  );
  console.log(`\nWrote ${path.relative(process.cwd(), output) || output}`);
}

async function measureAll(cases: Case[]): Promise<void> {
  const child = path.join(dir, "measure.mjs");
  const module = pathToFileURL(path.join(root, "src", "media", "metadata.ts")).href;
  const scanModule = pathToFileURL(path.join(root, "src", "media", "scan", "index.ts")).href;
  await writeFile(
    child,
    `import { rm } from "node:fs/promises";
import { removeMetadata } from ${JSON.stringify(module)};
import { scanMedia } from ${JSON.stringify(scanModule)};
const [file, mime, label, video, runs, out, gate] = process.argv.slice(2);
const type = { mime, label, video: video === "true" };
const before = process.memoryUsage().rss;
const times = [];
const gateTimes = [];
let result;
for (let run = 0; run < Number(runs); run++) {
  const start = process.hrtime.bigint();
  result = await removeMetadata(file, out + run, type);
  const stripped = process.hrtime.bigint();
  if (gate === "gate") {
    const report = await scanMedia(out + run);
    if (report.findings.some((finding) => finding.refuse)) throw new Error("the gate refused the bench file");
    gateTimes.push(Number(process.hrtime.bigint() - stripped) / 1e6);
  }
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
  await rm(out + run);
}
const peak = process.resourceUsage().maxRSS * 1024;
process.stdout.write(JSON.stringify({ times, gateTimes, before, peak, removed: result.removed }));`,
  );

  const results: Measurement[] = [];
  const measure = async (item: Case, gate: boolean) => {
    const raw = await run(process.execPath, [
      child,
      item.file,
      item.mime,
      item.label,
      String(item.video),
      String(RUNS),
      path.join(dir, `out-${path.basename(item.file)}-`),
      gate ? "gate" : "strip",
    ]);
    const parsed = JSON.parse(raw) as {
      times: number[];
      gateTimes: number[];
      before: number;
      peak: number;
      removed: string[];
    };
    return {
      ...parsed,
      median: median(parsed.times),
      gateMedian: median(parsed.gateTimes),
      peakAdded: Math.max(0, parsed.peak - parsed.before) / 1024 / 1024,
    };
  };
  for (const item of cases) {
    const { size } = await stat(item.file);
    const strip = await measure(item, false);
    const gated = await measure(item, true);
    const sorted = [...strip.times].sort((a, b) => a - b);
    results.push({
      name: item.name,
      bytes: size,
      runs: strip.times.length,
      medianMs: round(strip.median),
      minMs: round(sorted[0] ?? 0),
      maxMs: round(sorted.at(-1) ?? 0),
      throughputMBps: round(size / 1024 / 1024 / (strip.median / 1000)),
      peakAddedMB: round(strip.peakAdded),
      removed: strip.removed,
      withGate: {
        medianMs: round(gated.median),
        gateMedianMs: round(gated.gateMedian),
        peakAddedMB: round(gated.peakAdded),
        // Within the same process and runs, so that machine noise between processes cancels.
        ratio:
          Math.round((gated.median / Math.max(0.001, gated.median - gated.gateMedian)) * 100) / 100,
      },
    });
  }

  const lines = [
    `removeMetadata, ${RUNS} runs each, Node ${process.version}, ${process.platform}/${process.arch}`,
    "",
    "| file | size | median | min–max | throughput | peak memory added | with gate | gate alone | memory with gate | ratio |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...results.map(
      (r) =>
        `| ${r.name} | ${(r.bytes / 1024 / 1024).toFixed(1)} MB | ${r.medianMs} ms | ${r.minMs}–${r.maxMs} ms | ${r.throughputMBps} MB/s | ${r.peakAddedMB} MB | ${r.withGate.medianMs} ms | ${r.withGate.gateMedianMs} ms | ${r.withGate.peakAddedMB} MB | ${r.withGate.ratio}× |`,
    ),
  ];
  console.log(lines.join("\n"));
  await mkdir(path.dirname(output), { recursive: true });
  await writeFile(
    output,
    `${JSON.stringify({ node: process.version, platform: `${process.platform}/${process.arch}`, results }, null, 2)}\n`,
  );
  console.log(`\nWrote ${path.relative(process.cwd(), output) || output}`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (data) => {
      stdout += data;
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${command} exited with ${code}`)),
    );
  });
}
