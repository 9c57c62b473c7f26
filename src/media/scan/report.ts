// What a scan found and kept, collected as it goes (bounded against hostile files).

export type Category =
  | "location"
  | "device"
  | "people"
  | "dates"
  | "software"
  | "text"
  | "embedded"
  | "other"
  | "structure";

/** One piece of metadata that would leave with the file. */
export interface Finding {
  category: Category;
  /** In words: "GPS latitude", "XMP property dc:creator", "unknown APP0 segment". */
  what: string;
  /** Where in the file: "EXIF (APP1) GPS IFD", "PNG chunk tEXt". */
  where: string;
  /** The value when it is short and readable (a name, a date, coordinates). */
  value?: string;
  /**
   * False for what would be shown by `inspect` but not stop a send. Nothing is such today: a
   * video's make, model, software and creation date stop it too, as a photo's would.
   */
  refuse: boolean;
}

/** Something seen and allowed: it says nothing about the sender. */
export interface Kept {
  what: string;
  where: string;
}

export interface ScanReport {
  format: string;
  findings: Finding[];
  kept: Kept[];
  /** Decimal coordinates when the file holds a readable GPS position. */
  coordinates?: { latitude: number; longitude: number; precisionMetres?: number };
}

/** Findings beyond this many are summarised, so a hostile file can't flood the report. */
const MAX_FINDINGS = 500;

export class Report {
  readonly findings: Finding[] = [];
  readonly kept: Kept[] = [];
  coordinates: ScanReport["coordinates"];
  private dropped = 0;

  find(category: Category, what: string, where: string, value?: string, refuse = true): void {
    if (this.findings.length >= MAX_FINDINGS) {
      this.dropped++;
      return;
    }
    const finding: Finding = { category, what, where, refuse };
    if (value !== undefined && value !== "") finding.value = value;
    this.findings.push(finding);
  }

  keep(what: string, where: string): void {
    if (this.kept.length < MAX_FINDINGS) this.kept.push({ what, where });
  }

  finish(format: string): ScanReport {
    if (this.dropped > 0) {
      this.findings.push({
        category: "other",
        what: `${this.dropped} more findings`,
        where: "the rest of the file",
        refuse: true,
      });
    }
    const report: ScanReport = { format, findings: this.findings, kept: this.kept };
    if (this.coordinates) report.coordinates = this.coordinates;
    return report;
  }
}

/** Short readable text for the report; binary values are not shown. */
export function ascii(value: Buffer, utf16le = false): string | undefined {
  const text = (utf16le ? value.toString("utf16le") : value.toString("utf8"))
    .replace(/\0+$/, "")
    .trim();
  const control = [...text].some((char) => char.charCodeAt(0) < 0x20 && !"\t\n\r".includes(char));
  if (text === "" || control) return undefined;
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
