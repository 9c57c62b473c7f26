#!/usr/bin/env node
// The only place that touches the real process: argv, env, signals and the exit code.
import module from "node:module";

module.enableCompileCache?.();

const interrupt = new AbortController();
process.once("SIGINT", () => {
  interrupt.abort();
  // A second Ctrl-C means "now".
  process.once("SIGINT", () => process.exit(130));
});

// A reader that stops early (`dmshare list | head -1`) is not a failure: stop quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(process.exitCode ?? 0);
  });
}

const { run, realContext } = await import("../dist/main.js");
const ctx = realContext(process, interrupt.signal);
process.exitCode = await run(process.argv.slice(2), ctx);
