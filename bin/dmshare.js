#!/usr/bin/env node
// The only place that touches the real process: argv, env, signals and the exit code.
import module from "node:module";
import { fileURLToPath } from "node:url";

module.enableCompileCache?.();

const interrupt = new AbortController();
/** Set by the command while quitting now would leave something unfinished: how to finish it. */
const lastWords = {};
let interrupted = false;
const onInterrupt = () => {
  if (!interrupted) {
    interrupted = true;
    interrupt.abort();
    return;
  }
  // A second Ctrl-C means "now".
  if (lastWords.text) process.stderr.write(`\n! ${lastWords.text}\n`);
  process.exit(130);
};
process.on("SIGINT", onInterrupt);
// Ctrl-Break in a Windows console: without a listener it ends node at once, with no clean stop.
process.on("SIGBREAK", onInterrupt);

// A reader that stops early (`dmshare list | head -1`) is not a failure: stop quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(process.exitCode ?? 0);
  });
}

// dist/ is built by `npm pack` (prepack) for the package, and by `npm run build` in a clone.
const main = new URL("../dist/main.js", import.meta.url);
const { run, realContext } = await import(main.href).catch((error) => {
  const missing = fileURLToPath(main);
  if (error?.code !== "ERR_MODULE_NOT_FOUND" || !String(error.message).includes(missing)) {
    throw error;
  }
  process.stderr.write(
    `✖ dmshare is not built: ${missing} is missing.\n` +
      `  In the clone, run: npm install && npm run build\n`,
  );
  process.exit(1);
});
const ctx = realContext(process, interrupt.signal, lastWords);
process.exitCode = await run(process.argv.slice(2), ctx);
