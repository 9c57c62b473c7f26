import { Command, Option } from "commander";
import type { Ctx } from "../context.ts";
import { register as registerCompletion } from "./completion.ts";
import { register as registerConfig } from "./config.ts";
import { register as registerExport } from "./export.ts";
import { register as registerInspect } from "./inspect.ts";
import { register as registerList } from "./list.ts";
import { register as registerLogin } from "./login.ts";
import { register as registerRevoke } from "./revoke.ts";
import { register as registerSend } from "./send.ts";
import { register as registerStatus } from "./status.ts";
import { register as registerSync } from "./sync.ts";
import { VERSION } from "./version.ts";

/** What a command handler reports back to `run`. */
export interface Outcome {
  exitCode: number;
}

export interface GlobalOptions {
  color: boolean;
  verbose: boolean;
}

export type CommandRegistrar = (program: Command, ctx: Ctx, outcome: Outcome) => void;

/**
 * The command-line surface. Each command's file declares its options and examples; the
 * heavy parts (SDKs, spinners, clipboard) load only when a command runs.
 */
export function buildProgram(ctx: Ctx, outcome: Outcome): Command {
  const program = new Command("dmshare")
    .description(
      "Share photos where a chat can't carry them: upload to your own cloud, get a view-only link, paste it, revoke it later.",
    )
    .version(VERSION, "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .addOption(new Option("--no-color", "no colours (NO_COLOR is respected too)"))
    .addOption(new Option("--verbose", "show details of errors"))
    .showHelpAfterError("(run dmshare --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.stdout.write(text),
      writeErr: (text) => ctx.stderr.write(text),
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
  $ dmshare prune`,
    );
  // Links past the expiry dmshare enforces go before any command sees them (README: "Link lifecycle").
  // Loaded only when a command runs: help and version never pay for the ledger and revoke code.
  program.hook("preAction", async (_program, action) => {
    const { autoPruneBefore } = await import("./auto-prune.ts");
    await autoPruneBefore(ctx, action);
  });
  for (const register of [
    registerSend,
    registerList,
    registerRevoke,
    registerSync,
    registerInspect,
    registerLogin,
    registerStatus,
    registerConfig,
    registerCompletion,
    registerExport,
  ]) {
    register(program, ctx, outcome);
  }
  return program;
}

/** Options that belong to the whole program, read from inside a subcommand's action. */
export function globalOptions(command: Command): GlobalOptions {
  const { color, verbose } = command.optsWithGlobals<{ color?: boolean; verbose?: boolean }>();
  return { color: color !== false, verbose: verbose === true };
}
