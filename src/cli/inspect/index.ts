import { batchExitCode } from "../../lib/errors.ts";
import { errorSummary, type Output } from "../../ui/output.ts";
import type { CommandRegistrar } from "../run.ts";
import { type InspectOptions, inspectCommand } from "./command.ts";
import { inspectionText } from "./render.ts";

export const register: CommandRegistrar = (program, run) => {
  inspectCommand(program).action(async (files, options) => {
    run.exitCode = await runInspect(run.output, files, options);
  });
};

async function runInspect(output: Output, files: string[], options: InspectOptions) {
  const { ctx } = output;
  const { inspectMedia } = await import("../../core/inspect.ts");
  const { inspections, errors } = await inspectMedia(files, ctx.cwd, ctx.signal);
  if (options.json) {
    output.document([
      ...inspections,
      ...errors.map(({ file, error }) => ({ file, error: errorSummary(error, ctx.env) })),
    ]);
  } else {
    inspections.forEach((inspection, index) => {
      if (index > 0) output.result("");
      output.result(inspectionText(inspection, output.out));
    });
  }
  if (!options.json) for (const { error } of errors) output.error(error, false);
  return batchExitCode(
    inspections.length,
    errors.map(({ error }) => error),
  );
}
