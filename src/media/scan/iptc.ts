// IPTC (Photoshop APP13 / 8BIM) datasets.
import { ascii, type Category, type Report } from "./report.ts";

const IPTC_DATASETS: Record<number, [Category, string]> = {
  80: ["people", "IPTC by-line (author)"],
  85: ["people", "IPTC by-line title"],
  110: ["people", "IPTC credit"],
  115: ["people", "IPTC source"],
  116: ["people", "IPTC copyright notice"],
  118: ["people", "IPTC contact"],
  90: ["location", "IPTC city"],
  92: ["location", "IPTC sub-location"],
  95: ["location", "IPTC province/state"],
  100: ["location", "IPTC country code"],
  101: ["location", "IPTC country"],
  55: ["dates", "IPTC date created"],
  60: ["dates", "IPTC time created"],
  65: ["software", "IPTC originating program"],
  120: ["text", "IPTC caption"],
  5: ["text", "IPTC object name"],
  25: ["text", "IPTC keywords"],
};

export function checkIptc(bytes: Buffer, where: string, report: Report): void {
  report.find("other", "Photoshop/IPTC data", where);
  const start = bytes.indexOf(Buffer.from([0x1c, 0x02]));
  for (let at = start; at !== -1 && at + 5 <= bytes.length && bytes[at] === 0x1c; ) {
    const dataset = bytes[at + 2] ?? 0;
    const length = bytes.readUInt16BE(at + 3);
    if (length & 0x8000) break;
    const known = bytes[at + 1] === 2 ? IPTC_DATASETS[dataset] : undefined;
    if (known) {
      report.find(known[0], known[1], where, ascii(bytes.subarray(at + 5, at + 5 + length)));
    }
    at += 5 + length;
  }
}
