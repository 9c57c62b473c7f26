import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Most test time is waiting (emulators, spawned processes, terminals), not computing: two
    // files at a time even on two cores (vitest's default would be one there).
    maxWorkers: Math.max(2, availableParallelism()),
  },
});
