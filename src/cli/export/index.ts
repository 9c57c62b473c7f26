import { once } from "node:events";
import { exportLedger, importLedger } from "../../core/export.ts";
import type { Output } from "../../ui/output.ts";
import type { CommandRegistrar } from "../run.ts";
import { exportCommand, importCommand } from "./command.ts";
import { importedLine } from "./render.ts";

/** `dmshare export` and `dmshare import FILE|-`: the whole ledger as JSON, out and back in. */
export const register: CommandRegistrar = (program, run) => {
  exportCommand(program).action(async () => {
    await runExport(run.output);
  });
  importCommand(program).action(async (file, options) => {
    const report = await importLedger(run.output.ctx, file);
    if (options.json) run.output.document(report);
    else run.output.success(importedLine(report));
  });
};

async function runExport(output: Output) {
  const { ctx } = output;
  for await (const text of exportLedger(ctx)) {
    // The document goes out as it is read; a slow reader holds the rest in the ledger.
    if (!ctx.stdout.write(text)) await once(ctx.stdout, "drain");
  }
}
