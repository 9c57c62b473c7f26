// npm run bench:ledger (scripts/bench.ts may call it too): what send, revoke and list cost as
// the ledger grows. Builds ledgers of 1k, 10k, 100k and 200k entries in temp config dirs, and
// times the built binary against a Dropbox emulator that answers at once:
//   node scripts/bench-ledger.ts [--quick] [--json] [--bin path/to/dmshare.js]
// --quick: 1k and 200k only. --bin: another build (e.g. an older one, for a before/after).
// --runs N (default 5), --verbose: every run's figures. --json: the rows for scripts/bench.ts.
// Budgets (issue 18): send and revoke at 200k ≤ 1.3× their time at 1k; peak RSS of every
// command at 200k ≤ 120 MB; list at 200k prints its first row before it has read them all.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startDropboxEmulator } from "../test/emulators/dropbox.ts";
import { jpegBytes } from "../test/helpers/media.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean" },
    json: { type: "boolean" },
    bin: { type: "string" },
    runs: { type: "string" },
    verbose: { type: "boolean" },
  },
});
const BIN = path.resolve(args.bin ?? path.join(root, "bin", "dmshare.js"));
const SIZES = args.quick ? [1_000, 200_000] : [1_000, 10_000, 100_000, 200_000];
const RUNS = Number(args.runs ?? 5);
const TOKEN = "bench-token";
/**
 * Loaded into the measured process: writes its peak RSS in KB to $BENCH_RSS_FILE as it exits.
 * Linux's VmHWM, not resourceUsage().maxRSS: that one starts at the RSS of the process that
 * spawned it (the kernel keeps the high-water mark across fork and exec), and this bench
 * holds a 200k-entry ledger in memory while it spawns.
 */
const RSS_PROBE = `data:text/javascript,${encodeURIComponent(
  'import{readFileSync,writeFileSync}from"node:fs";process.on("exit",()=>{let kb=process.resourceUsage().maxRSS;try{kb=Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync("/proc/self/status","utf8"))[1])}catch{}writeFileSync(process.env.BENCH_RSS_FILE,String(kb))})',
)}`;

interface Run {
  ms: number;
  firstRowMs: number | null;
  rssMb: number;
  bytes: number;
}

/** The ledger file dmshare 0.1 wrote; the first (untimed) command of a newer one migrates it. */
async function writeLegacyLedger(configDir: string, count: number): Promise<string[]> {
  await mkdir(configDir, { recursive: true, mode: 0o700 });
  const start = Date.parse("2026-01-01T00:00:00Z");
  const ids: string[] = [];
  const entries = Array.from({ length: count }, (_, index) => {
    const id = index.toString(32).padStart(8, "0");
    ids.push(id);
    const album = index % 7 === 0;
    const files = Array.from({ length: album ? 3 : 1 }, (_, n) => ({
      path: `/home/me/Pictures/photo-${index}-${n}.jpg`,
      remotePath: `/dmshare/photo-${index}-${n}.jpg`,
      remoteId: `id:${id}${n}`,
      bytes: 1_000_000 + index * 3 + n,
    }));
    const url = `https://www.dropbox.com/scl/fi/${id}/photo.jpg?rlkey=${id}&dl=0`;
    const revoked = index % 10 === 0;
    return {
      id,
      provider: "dropbox",
      kind: album ? "album" : "photo",
      name: album ? `Album ${index}` : `photo-${index}-0.jpg`,
      url,
      message: `Here's the photo: ${url}`,
      target: { remotePath: files[0]?.remotePath, remoteId: files[0]?.remoteId },
      files,
      createdAt: new Date(start + index * 60_000).toISOString(),
      // Some links with an expiry the provider enforces, long past.
      expiresAt:
        index % 13 === 0 ? new Date(start + index * 60_000 + 86_400_000).toISOString() : null,
      ...(index % 13 === 0 && { expiryEnforcedBy: "provider" }),
      revokedAt: revoked ? new Date(start + index * 60_000 + 1000).toISOString() : null,
      status: revoked ? "revoked" : "active",
      contentHash: id.repeat(8),
      noDownload: false,
      link: { key: `scl/fi/${id}`, secret: id, itemId: `id:${id}0` },
    };
  });
  await writeFile(
    path.join(configDir, "ledger.json"),
    `${JSON.stringify({ version: 1, entries }, null, 1)}\n`,
  );
  return ids.filter((_, index) => index % 10 !== 0);
}

function measure(command: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const rssFile = path.join(cwd, `rss-${process.hrtime.bigint()}`);
    const started = performance.now();
    let firstRowMs: number | null = null;
    let bytes = 0;
    const child = spawn(process.execPath, ["--import", RSS_PROBE, BIN, ...command], {
      cwd,
      env: { ...env, BENCH_RSS_FILE: rssFile },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      firstRowMs ??= performance.now() - started;
      bytes += chunk.length;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", async (code) => {
      const ms = performance.now() - started;
      if (code !== 0) {
        reject(new Error(`dmshare ${command.join(" ")} exited with ${code}: ${stderr}`));
        return;
      }
      const rssKb = Number(await readFile(rssFile, "utf8").catch(() => "0"));
      await rm(rssFile, { force: true });
      resolve({ ms, firstRowMs, rssMb: rssKb / 1024, bytes });
    });
  });
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const medianRun = (runs: Run[]): Run => ({
  ms: median(runs.map((run) => run.ms)),
  firstRowMs: median(runs.map((run) => run.firstRowMs ?? Number.NaN)),
  rssMb: Math.max(...runs.map((run) => run.rssMb)),
  bytes: median(runs.map((run) => run.bytes)),
});

async function main() {
  const work = await mkdtemp(path.join(tmpdir(), "dmshare-bench-ledger-"));
  const emulator = await startDropboxEmulator({ staticTokens: [TOKEN] });
  const results: Record<"send" | "revoke" | "list", Record<number, Run>> = {
    send: {},
    revoke: {},
    list: {},
  };
  try {
    // Sizes no entry has: each send looks for a link to reuse and finds none, as a new photo does.
    for (let run = 0; run < RUNS; run++) {
      await writeFile(path.join(work, `new-${run}.jpg`), jpegBytes(4096 + run));
    }
    // Every ledger is made first, then the runs go round the sizes in turn, so that the
    // machine's load (and the disk's writeback of a freshly written 200k ledger) falls on
    // all sizes alike.
    const ledgers: { size: number; ids: string[]; env: NodeJS.ProcessEnv }[] = [];
    for (const size of SIZES) {
      const configDir = path.join(work, `config-${size}`);
      const ids = await writeLegacyLedger(configDir, size);
      const env = {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        LANG: "C.UTF-8",
        TZ: "UTC",
        DMSHARE_CONFIG_DIR: configDir,
        DMSHARE_DROPBOX_API_URL: emulator.url,
        DMSHARE_DROPBOX_TOKEN: TOKEN,
      };
      // Untimed: a newer dmshare moves the ledger.json into its own store here.
      await measure(["list", "--status", "active"], env, work);
      ledgers.push({ size, ids, env });
      if (!args.json) process.stderr.write(`  ledger of ${size} entries made\n`);
    }
    const runs = new Map(
      SIZES.map((size) => [size, { send: [] as Run[], revoke: [] as Run[], list: [] as Run[] }]),
    );
    for (let run = 0; run < RUNS; run++) {
      for (const { size, ids, env } of ledgers) {
        const mine = runs.get(size) as { send: Run[]; revoke: Run[]; list: Run[] };
        const photo = `new-${run}.jpg`;
        mine.send.push(await measure(["send", photo, "--via", "dropbox", "--no-copy"], env, work));
        const id = ids[Math.floor(((run + 1) * ids.length) / (RUNS + 1))] as string;
        mine.revoke.push(await measure(["revoke", id], env, work));
        mine.list.push(await measure(["list", "--status", "active"], env, work));
      }
    }
    for (const [size, mine] of runs) {
      if (args.verbose) process.stderr.write(`${size}: ${JSON.stringify(mine)}\n`);
      for (const name of ["send", "revoke", "list"] as const) {
        results[name][size] = medianRun(mine[name]);
      }
    }
  } finally {
    await emulator.close();
    await rm(work, { recursive: true, force: true });
  }
  report(results);
}

function report(results: Record<"send" | "revoke" | "list", Record<number, Run>>) {
  const small = SIZES[0] as number;
  const big = SIZES[SIZES.length - 1] as number;
  const rows: { measure: string; value: string; budget: string; pass: boolean }[] = [];
  for (const name of ["send", "revoke", "list"] as const) {
    const byName = results[name] as Record<number, Run>;
    const ratio = (byName[big]?.ms ?? 0) / (byName[small]?.ms ?? 1);
    rows.push({
      measure: `ledger: ${name === "list" ? "list --status active" : name} at ${SIZES.map((size) => `${size / 1000}k`).join(" / ")}`,
      value: `${SIZES.map((size) => `${byName[size]?.ms.toFixed(0)} ms`).join(" / ")} (${ratio.toFixed(2)}× from ${small / 1000}k to ${big / 1000}k)`,
      budget: name === "list" ? "(no time budget)" : `${big / 1000}k ≤ 1.3× ${small / 1000}k`,
      pass: name === "list" || ratio <= 1.3,
    });
    const rss = byName[big]?.rssMb ?? 0;
    rows.push({
      measure: `ledger: peak RSS of ${name} at ${big / 1000}k`,
      value: `${rss.toFixed(0)} MB (${SIZES.map((size) => byName[size]?.rssMb.toFixed(0)).join(" / ")})`,
      budget: "≤ 120 MB",
      pass: rss <= 120,
    });
  }
  const list = results.list?.[big] as Run;
  rows.push({
    measure: `ledger: list --status active at ${big / 1000}k streams`,
    value: `first row at ${list.firstRowMs?.toFixed(0)} ms of ${list.ms.toFixed(0)} ms (${(list.bytes / 1e6).toFixed(1)} MB out)`,
    budget: "first row out before all are read",
    // Reading all rows takes most of the time: a first row before half of it means streaming.
    pass: list.firstRowMs !== null && list.firstRowMs < list.ms / 2,
  });
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ rows, results }, null, 2)}\n`);
  } else {
    const machine = `${cpus()[0]?.model ?? "?"} × ${cpus().length}, Node ${process.version}`;
    process.stdout.write(`dmshare ledger bench — ${machine}; ${path.relative(root, BIN) || BIN}\n`);
    for (const row of rows) {
      process.stdout.write(
        `${row.pass ? "PASS" : "FAIL"}  ${row.measure}: ${row.value}  [${row.budget}]\n`,
      );
    }
  }
  if (rows.some((row) => !row.pass)) process.exitCode = 1;
}

await main();
