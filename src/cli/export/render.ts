import type { ImportReport } from "../../core/export.ts";

/** `Imported 3 links; 2 already in the ledger; 1 with an id the ledger already has …`. */
export function importedLine(report: ImportReport): string {
  const kept = report.kept.length;
  return (
    `Imported ${report.added === 1 ? "1 link" : `${report.added} links`}` +
    (report.same > 0 ? `; ${report.same} already in the ledger` : "") +
    (kept > 0
      ? `; ${kept} with an id the ledger already has for another link, kept as the ledger has them: ${report.kept.join(", ")}`
      : "")
  );
}
