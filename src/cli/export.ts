import { once } from "node:events";
import type { Command } from "commander";
import type { Ctx } from "../context.ts";
import { exportLedger, importLedger } from "../core/export.ts";
import { Output } from "../ui/output.ts";
import { type CommandRegistrar, globalOptions } from "./program.ts";

/** `dmshare export` and `dmshare import FILE|-`: the whole ledger as JSON, out and back in. */
export const register: CommandRegistrar = (program, ctx) => {
  program
    .command("export")
    .summary("print the whole ledger as JSON")
    .description(
      "Print every ledger entry as one JSON document on stdout: a backup, or to move dmshare's record of links to another machine (dmshare import reads it).",
    )
    .addHelpText(
      "after",
      `
Examples:
  $ dmshare export > dmshare-links.json
  $ dmshare export | jq '.entries | length'`,
    )
    .action(async () => {
      await runExport(ctx);
    });
  program
    .command("import")
    .summary("add the links of an exported ledger")
    .description(
      "Add the entries of a file made by dmshare export (or the ledger.json of an older dmshare) that the ledger does not have yet. Entries already there stay as they are. Every entry is checked first: if one is not a link record dmshare knows, nothing is imported.",
    )
    .argument("<file>", "the file to read, or - for standard input")
    .option("--json", "print what was imported as JSON")
    .addHelpText(
      "after",
      `
Examples:
  $ dmshare import dmshare-links.json
  $ ssh old-laptop dmshare export | dmshare import -`,
    )
    .action(async (file: string, options: { json?: boolean }, command: Command) => {
      const output = new Output(ctx, { json: options.json, color: globalOptions(command).color });
      const report = await importLedger(ctx, file);
      if (options.json) {
        output.document(report);
        return;
      }
      const kept = report.kept.length;
      output.success(
        `Imported ${report.added === 1 ? "1 link" : `${report.added} links`}` +
          (report.same > 0 ? `; ${report.same} already in the ledger` : "") +
          (kept > 0
            ? `; ${kept} with an id the ledger already has for another link, kept as the ledger has them: ${report.kept.join(", ")}`
            : ""),
      );
    });
};

async function runExport(ctx: Ctx) {
  for await (const text of exportLedger(ctx)) {
    // The document goes out as it is read; a slow reader holds the rest in the ledger.
    if (!ctx.stdout.write(text)) await once(ctx.stdout, "drain");
  }
}
