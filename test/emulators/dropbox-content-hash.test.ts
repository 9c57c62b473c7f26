import { randomBytes } from "node:crypto";
import { setImmediate as tick } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { dropboxContentHash, FileContent, hashSoon } from "./dropbox-files.ts";

// The emulator hashes an upload session's pieces as they arrive (hashSoon); a commit joins
// those digests. Whatever the pieces and however far the hashing got, the content_hash must
// be the one of the whole bytes.

const MIB = 1024 * 1024;

async function hashedWhenCommitted(sizes: number[], ticks: number) {
  const pieces = sizes.map((size) => randomBytes(size));
  for (const piece of pieces) hashSoon(piece);
  for (let i = 0; i < ticks; i++) await tick();
  return {
    joined: new FileContent(pieces).contentHash(),
    whole: dropboxContentHash(Buffer.concat(pieces)),
  };
}

describe("content_hash of a session's pieces hashed as they arrived", () => {
  for (const [what, sizes] of [
    ["one piece shorter than a block", [3_000_000]],
    ["blocks, then a short last piece", [8 * MIB, 5 * MIB + 17]],
    ["a short piece in the middle (blocks no longer aligned)", [5 * MIB + 1, 4 * MIB, 3]],
    ["exact blocks only", [4 * MIB, 4 * MIB]],
  ] as const) {
    for (const ticks of [0, 1, 50]) {
      it(`${what}, committed after ${ticks} turns of the event loop`, async () => {
        const { joined, whole } = await hashedWhenCommitted([...sizes], ticks);
        expect(joined).toBe(whole);
      });
    }
  }
});
