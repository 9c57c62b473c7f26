// Property: whatever structural damage or hiding place a file has, preparing it for a send
// (metadata removal, then the independent gate) either gives a copy in which an independent
// reader (exifr) finds no GPS, or refuses it as bad input (exit 2). Never another error, never
// a hang, never a copy much larger than the input. The seed is fixed (FC_SEED overrides it)
// and fast-check prints it, with the shrunk counterexample, on failure.

import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import exifr from "exifr";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareFiles } from "../../src/core/prepare.ts";
import { DmshareError } from "../../src/lib/errors.ts";
import { detectMediaType } from "../../src/media/detect.ts";
import { cameraHeic, cameraJpeg, cameraPng, cameraVideo, cameraWebp } from "../helpers/camera.ts";
import { type Format, type Mutation, mutate, mutation } from "../helpers/mutate-media.ts";

const SEED = Number(process.env.FC_SEED ?? 20261206);
const RUNS_PER_FORMAT = 110;
/** Generous: a hang, not speed, is what this catches. */
const CASE_BOUND_MS = 10_000;
/** A minimal EXIF block may replace a smaller one; nothing else should grow a file. */
const GROWTH_BOUND = 4096;

let dir = "";
const bases = new Map<Format, Buffer>();
let nested: Buffer = Buffer.alloc(0);
const outcomes = { accepted: 0, refused: 0 };
const byFormat = new Map<Format, { accepted: number; refused: number }>();
/** Why mutants were refused: not recognised, damaged (removal failed), or caught by the gate. */
const reasons = { unrecognised: 0, damaged: 0, gate: 0 };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "dmshare-props-"));
  nested = await cameraJpeg({ width: 16, height: 16 });
  bases.set("jpeg", await cameraJpeg({ width: 32, height: 24 }));
  bases.set("png", await cameraPng());
  bases.set("webp", await cameraWebp());
  bases.set("heic", cameraHeic());
  bases.set("mp4", cameraVideo({ mediaBytes: 256 }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  console.log(
    `strip properties: ${outcomes.accepted + outcomes.refused} mutants, ${outcomes.accepted} accepted clean, ${outcomes.refused} refused (exit 2); seed ${SEED}; ${[
      ...byFormat,
    ]
      .map(([format, counts]) => `${format} ${counts.accepted}/${counts.refused}`)
      .join(
        ", ",
      )} (accepted/refused); refused as ${reasons.unrecognised} unrecognised, ${reasons.damaged} damaged, ${reasons.gate} by the gate`,
  );
});

let counter = 0;

/** Prepares `bytes` as a send would; returns the outcome, or throws for a property failure. */
async function prepare(bytes: Buffer): Promise<"accepted" | "refused"> {
  const type = detectMediaType(bytes.subarray(0, 64));
  if (!type) {
    reasons.unrecognised++;
    return "refused"; // `send` refuses what is not a photo or video, with exit 2
  }
  const file = path.join(dir, `m${counter++}`);
  await writeFile(file, bytes);
  const workspace = await mkdtemp(path.join(dir, "w"));
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`preparation did not finish within ${CASE_BOUND_MS} ms (a hang)`));
    }, CASE_BOUND_MS);
  });
  try {
    const local = {
      path: file,
      contentPath: file,
      name: "m",
      bytes: bytes.length,
      mime: type.mime,
      modifiedAt: new Date(),
    };
    const [prepared] = await Promise.race([
      prepareFiles(
        [local],
        { keepMetadata: false, convertToJpeg: false },
        workspace,
        controller.signal,
      ),
      hang,
    ]);
    if (!prepared) throw new Error("no prepared file");
    const size = (await stat(prepared.contentPath)).size;
    if (size > bytes.length + GROWTH_BOUND)
      throw new Error(`the copy grew from ${bytes.length} to ${size} bytes`);
    const copy = await readFile(prepared.contentPath);
    const gps = await exifr.gps(copy).catch(() => undefined);
    if (gps && (Number.isFinite(gps.latitude) || Number.isFinite(gps.longitude))) {
      throw new Error(
        `accepted, but exifr reads GPS ${gps.latitude}, ${gps.longitude} in the copy`,
      );
    }
    return "accepted";
  } catch (error) {
    if (error instanceof DmshareError && error.exitCode === 2) {
      reasons[/dmshare's check still found/.test(error.message) ? "gate" : "damaged"]++;
      return "refused";
    }
    throw error;
  } finally {
    clearTimeout(timer);
    await rm(workspace, { recursive: true, force: true });
    await rm(file, { force: true });
  }
}

describe("metadata removal and the gate on mutated files", () => {
  it.each(["jpeg", "png", "webp", "heic", "mp4"] as Format[])(
    "%s: every mutant is accepted clean or refused with exit 2",
    async (format) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(mutation, { minLength: 1, maxLength: 3 }),
          async (mutations: Mutation[]) => {
            let bytes = bases.get(format) as Buffer;
            for (const step of mutations) bytes = mutate(format, bytes, step, nested);
            const outcome = await prepare(bytes);
            outcomes[outcome]++;
            const counts = byFormat.get(format) ?? { accepted: 0, refused: 0 };
            counts[outcome]++;
            byFormat.set(format, counts);
          },
        ),
        { seed: SEED, numRuns: RUNS_PER_FORMAT, endOnFailure: true },
      );
    },
    RUNS_PER_FORMAT * CASE_BOUND_MS,
  );

  it("ran at least 500 mutants, some accepted and some refused", () => {
    expect(outcomes.accepted + outcomes.refused).toBeGreaterThanOrEqual(500);
    expect(outcomes.accepted).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });
});
