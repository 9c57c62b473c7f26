/**
 * `dmshare inspect`: what a photo tells about its sender, and what dmshare would send.
 * The "before" comes from the same independent checker that guards every send; the "after"
 * is that checker run on the copy dmshare prepares, exactly as `send` would prepare it.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import { usageError } from "../lib/errors.ts";
import { detectMediaType, readHead } from "../media/detect.ts";
import type { Finding, Kept, ScanReport } from "../media/scan/index.ts";
import { withWorkspace } from "./prepare.ts";

export interface Inspection {
  /** The path as given. */
  file: string;
  format: string;
  bytes: number;
  before: {
    findings: Finding[];
    kept: Kept[];
    location?: { latitude: number; longitude: number; precision: string };
  };
  after: {
    /** "clean": sent without any of it; "refused": send stops with exit 2; "unchanged": --keep-metadata only. */
    verdict: "clean" | "refused";
    /** What dmshare's removal said it removed, in words. */
    removed: string[];
    /** What is still in the copy: refusing findings make the verdict "refused". */
    findings: Finding[];
    kept: Kept[];
    /** Why it would be refused, in a sentence. */
    reason?: string;
  };
}

export async function inspectMedia(
  paths: readonly string[],
  cwd: string,
  signal: AbortSignal,
): Promise<{ inspections: Inspection[]; errors: { file: string; error: unknown }[] }> {
  if (paths.length === 0) {
    throw usageError(
      "No files to inspect.",
      "Name one or more photos, e.g. dmshare inspect beach.jpg",
    );
  }
  const { scanMedia, precisionNote } = await import("../media/scan/index.ts");
  const { removeMetadata } = await import("../media/metadata.ts");
  const inspections: Inspection[] = [];
  const errors: { file: string; error: unknown }[] = [];
  await withWorkspace(async (workspace) => {
    let index = 0;
    for (const given of paths) {
      signal.throwIfAborted();
      const absolute = path.resolve(cwd, given);
      try {
        const info = await stat(absolute).catch((error: NodeJS.ErrnoException) => {
          throw usageError(
            `Can't inspect ${given}: ${error.code === "ENOENT" ? "no such file" : error.message}.`,
            "Check the path and try again.",
          );
        });
        if (!info.isFile() || info.size === 0) {
          throw usageError(
            `Can't inspect ${given}: it is not a non-empty file.`,
            "Name a photo or video.",
          );
        }
        const type = detectMediaType(await readHead(absolute));
        if (!type) {
          throw usageError(
            `Can't inspect ${given}: it is not a photo or video dmshare knows (JPEG, PNG, HEIC/HEIF, AVIF, WebP, GIF, MP4, MOV).`,
            "Name a photo or video.",
          );
        }
        const before = await scanMedia(absolute, signal);
        const copy = path.join(workspace, `${index++}-clean`);
        let after: Inspection["after"];
        try {
          const removal = await removeMetadata(absolute, copy, type, signal);
          const report = await scanMedia(copy, signal);
          after = verdictOf(report, removal.removed);
        } catch (error) {
          if ((error as Error).name === "AbortError") throw error;
          after = {
            verdict: "refused",
            removed: [],
            findings: [],
            kept: [],
            reason: `dmshare could not remove its metadata (${(error as Error).message})`,
          };
        }
        const inspection: Inspection = {
          file: given,
          format: before.format === "unknown" ? type.label : before.format,
          bytes: info.size,
          before: { findings: before.findings, kept: before.kept },
          after,
        };
        if (before.coordinates) {
          inspection.before.location = {
            latitude: round(before.coordinates.latitude),
            longitude: round(before.coordinates.longitude),
            precision: precisionNote(before.coordinates.precisionMetres),
          };
        }
        inspections.push(inspection);
      } catch (error) {
        if ((error as Error).name === "AbortError") throw error;
        errors.push({ file: given, error });
      }
    }
  });
  return { inspections, errors };
}

function verdictOf(report: ScanReport, removed: string[]): Inspection["after"] {
  const refusing = report.findings.filter((finding) => finding.refuse);
  const after: Inspection["after"] = {
    verdict: refusing.length > 0 ? "refused" : "clean",
    removed,
    findings: report.findings,
    kept: report.kept,
  };
  if (refusing.length > 0) {
    after.reason = "dmshare's check still finds metadata in the copy it would upload";
  }
  return after;
}

const round = (value: number) => Math.round(value * 1e6) / 1e6;
