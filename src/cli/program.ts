import { Command, Option } from "@commander-js/extra-typings";
import { terminalWidth } from "../ui/terminal-width.ts";
import { register as registerCompletion } from "./completion/index.ts";
import { register as registerConfig } from "./config/index.ts";
import { register as registerExport } from "./export/index.ts";
import { register as registerHelp } from "./help/index.ts";
import { register as registerInspect } from "./inspect/index.ts";
import { register as registerList } from "./list/index.ts";
import { register as registerLogin } from "./login/index.ts";
import { register as registerPrune } from "./prune/index.ts";
import { register as registerRevoke } from "./revoke/index.ts";
import { type CliRun, globalOptionsOf } from "./run.ts";
import { register as registerSend } from "./send/index.ts";
import { register as registerStatus } from "./status/index.ts";
import { register as registerSync } from "./sync/index.ts";
import { VERSION } from "./version.ts";

/**
 * The command-line surface. Each command's folder holds its spec (command.ts), its handler
 * (index.ts) and its renderer (render.ts); the heavy parts (SDKs, spinners, clipboard) load
 * only when a command runs.
 */
export function buildProgram(run: CliRun) {
  const { ctx } = run;
  const program = new Command("dmshare")
    .description(
      "Share photos where a chat can't carry them: upload to your own cloud, get a view-only link, paste it, revoke it later.",
    )
    .version(VERSION, "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .addOption(new Option("--no-color", "no colours (NO_COLOR is respected too)"))
    .addOption(new Option("--verbose", "show details of errors"))
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.stdout.write(text),
      // Commander writes there only the help of a command missing its subcommand (`dmshare
      // config`): main.ts says that as a dmshare error, with the usage.
      writeErr: () => {},
      // Commander's errors are printed as dmshare's, with a hint and the usage (main.ts).
      outputError: () => {},
      // Commander's own defaults, from the command's streams: the terminal's width, else 80.
      getOutHelpWidth: () => terminalWidth(ctx.stdout),
      getErrHelpWidth: () => terminalWidth(ctx.stderr),
    })
    .addHelpText(
      "after",
      `
Examples:
  $ dmshare login dropbox
  $ dmshare send beach.jpg --via dropbox
  $ dmshare send day1/*.jpg --album "Lisbon trip"
  $ find . -name '*.jpg' -newer last-week | dmshare send - --album weekend --json
  $ dmshare list
  $ dmshare revoke k3x9m2qa
  $ dmshare inspect IMG_0001.jpg
  $ dmshare prune

Help topics: dmshare help environment, dmshare help exit-codes`,
    );
  program.hook("preAction", async (_program, action) => {
    // The options are parsed once, here: the one Output of the run is made from them.
    const options = globalOptionsOf(action);
    const output = run.start(options);
    // Links past the expiry dmshare enforces go before any command sees them (README: "Link
    // lifecycle"). Loaded only when a command runs: help and version never pay for it.
    const { autoPruneBefore } = await import("./auto-prune.ts");
    await autoPruneBefore(output, action, options);
  });
  for (const register of [
    registerSend,
    registerList,
    registerRevoke,
    registerPrune,
    registerSync,
    registerInspect,
    registerLogin,
    registerStatus,
    registerConfig,
    registerCompletion,
    registerExport,
    registerHelp,
  ]) {
    register(program, run);
  }
  return program;
}
