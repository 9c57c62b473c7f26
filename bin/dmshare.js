#!/usr/bin/env node
// The only place that touches the real process: argv, env, signals and the exit code.
import module from "node:module";
import { fileURLToPath } from "node:url";

module.enableCompileCache?.();

// Node 22 warns that its built-in SQLite (the link ledger) is experimental as it loads: the
// user asked for nothing experimental and can do nothing about it. That one warning only.
const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) => {
  const text = typeof warning === "string" ? warning : warning?.message;
  const type =
    typeof warning === "string"
      ? typeof rest[0] === "string"
        ? rest[0]
        : rest[0]?.type
      : warning?.name;
  if (type === "ExperimentalWarning" && /^SQLite is an experimental feature/.test(text ?? ""))
    return;
  return emitWarning.call(process, warning, ...rest);
};

const interrupt = new AbortController();
/**
 * Set by the command while quitting now would leave something unfinished: how to finish it,
 * and what must not stay behind (private copies of photos), removed as the process exits.
 */
const lastWords = { onQuitNow: new Set() };
process.on("exit", () => {
  for (const removeNow of lastWords.onQuitNow) {
    try {
      removeNow();
    } catch {
      // Exiting anyway: nothing else can be done here.
    }
  }
});
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
/** A module of dist/, or undefined when it is not there. */
const built = async (file) => {
  const url = new URL(`../dist/${file}`, import.meta.url);
  try {
    return await import(url.href);
  } catch (error) {
    const missing = fileURLToPath(url);
    if (error?.code !== "ERR_MODULE_NOT_FOUND" || !String(error.message).includes(missing)) {
      throw error;
    }
    return undefined;
  }
};

const argv = process.argv.slice(2);
// The version and the top-level help are printed from text the build made from the program
// itself, without loading it (src/fast-path.ts): a third of their start-up time.
const answer =
  argv.length <= 1 ? (await built("fast-path.js"))?.fastAnswer(argv, process.stdout) : undefined;
if (answer !== undefined) {
  process.stdout.write(answer);
} else {
  const main = await built("main.js");
  if (!main) {
    process.stderr.write(
      `✖ dmshare is not built: ${fileURLToPath(new URL("../dist/main.js", import.meta.url))} is missing.\n` +
        `  In the clone, run: npm install && npm run build\n`,
    );
    process.exit(1);
  }
  const ctx = main.realContext(process, interrupt.signal, lastWords);
  process.exitCode = await main.run(argv, ctx);
}
