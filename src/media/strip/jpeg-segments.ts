// JPEG markers and the closed-world decision for each APPn/COM segment.
import { analyseExif, minimalExif } from "./exif.ts";
import { isHdrGainMapXmp, minimalHdrXmp } from "./hdr-xmp.ts";
import { type Findings, LABELS } from "./labels.ts";
import { iptcFindings, XMP_EXTENSION_NAMESPACE, XMP_NAMESPACE, xmpFindings } from "./xmp.ts";

export const SOI = 0xd8;
export const EOI = 0xd9;
export const SOS = 0xda;
export const COM = 0xfe;
export const APP0 = 0xe0;
export const APP15 = 0xef;

export const startsWith = (payload: Buffer, text: string) =>
  payload.length >= text.length && payload.toString("latin1", 0, text.length) === text;

export const isStandalone = (marker: number) =>
  marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);

/**
 * Marker segments that are part of the image: SOF0–15 (not JPG 0xC8), DHT, DAC, DQT, DNL,
 * DRI and SOS. Anything else that is not APPn/COM is not something dmshare understands.
 */
export const isImageMarker = (marker: number) =>
  (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc8) ||
  marker === 0xdb ||
  marker === 0xdc ||
  marker === 0xdd ||
  marker === SOS;

/**
 * True when an image segment's payload is exactly what its marker says it holds, so no byte
 * of it can be something else riding along: DQT and DHT tables, frame and scan headers, DRI.
 */
export function imageSegmentIsExact(marker: number, payload: Buffer): boolean {
  if (marker === 0xdb) {
    let at = 0;
    while (at < payload.length) {
      const precision = (payload[at] ?? 0) >> 4;
      if (precision > 1) return false;
      at += 1 + 64 * (precision + 1);
    }
    return at === payload.length;
  }
  if (marker === 0xc4) {
    let at = 0;
    while (at < payload.length) {
      if (at + 17 > payload.length) return false;
      let codes = 0;
      for (let i = 1; i <= 16; i++) codes += payload[at + i] ?? 0;
      at += 17 + codes;
    }
    return at === payload.length;
  }
  if (marker === 0xcc) return payload.length % 2 === 0;
  if (marker === SOS) return payload.length === 1 + 2 * (payload[0] ?? 0) + 3;
  if (marker === 0xdd || marker === 0xdc) return payload.length === 2;
  // SOF0–15: precision, height, width, component count, then three bytes per component.
  return payload.length >= 6 && payload.length === 6 + 3 * (payload[5] ?? 0);
}

export const markerName = (marker: number) =>
  `0xFF${marker.toString(16).toUpperCase().padStart(2, "0")}`;

/** Finds the first EXIF block (TIFF bytes) in an in-memory JPEG, such as a thumbnail. */
export function exifInJpeg(jpeg: Buffer): Buffer | undefined {
  if (jpeg[0] !== 0xff || jpeg[1] !== SOI) return undefined;
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1] ?? 0;
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    if (marker === SOS || marker === EOI) break;
    const length = jpeg.readUInt16BE(at + 2);
    const payload = jpeg.subarray(at + 4, Math.min(jpeg.length, at + 2 + length));
    if (marker === 0xe1 && startsWith(payload, "Exif\0")) return payload.subarray(6);
    at += 2 + length;
  }
  return undefined;
}

export type Decision =
  | { keep: true }
  | { keep: false }
  | { keep: "replace"; payload: Buffer }
  | { keep: "mpf"; payload: Buffer };

export interface State {
  findings: Findings;
  sawExif: boolean;
  sawMpf: boolean;
  /** The primary image (its XMP keeps the gain-map container directory) or a secondary one. */
  primary: boolean;
}

const JFIF_HEADER = 14;

/** Decides what happens to one APPn or COM segment, recording what it held. */
export function decide(marker: number, payload: Buffer, state: State): Decision {
  const { findings } = state;
  if (marker === COM) {
    findings.add(LABELS.comments);
    return { keep: false };
  }
  const app = marker - APP0;
  if (app === 0) {
    if (startsWith(payload, "JFIF\0") && payload.length >= JFIF_HEADER - 2) {
      if (payload.length === JFIF_HEADER && payload[12] === 0 && payload[13] === 0) {
        return { keep: true };
      }
      // A JFIF thumbnail (or bytes past the header): the header alone, thumbnail size 0×0.
      findings.add(LABELS.thumbnail);
      return {
        keep: "replace",
        payload: Buffer.concat([payload.subarray(0, 12), Buffer.alloc(2)]),
      };
    }
    if (startsWith(payload, "JFXX\0")) findings.add(LABELS.thumbnail);
    else findings.add(LABELS.other); // e.g. a Canon CIFF block: owner, file name, firmware
    return { keep: false };
  }
  if (app === 1 && startsWith(payload, "Exif\0")) {
    const analysis = analyseExif(payload.subarray(6), exifInJpeg);
    if (state.sawExif) {
      // Only the first EXIF block counts for display; any other is just more to leak.
      findings.merge(analysis.findings);
      findings.add(LABELS.exif);
      return { keep: false };
    }
    state.sawExif = true;
    if (analysis.readable && analysis.clean && payload[5] === 0) return { keep: true };
    findings.merge(analysis.findings);
    const tiff = analysis.readable ? minimalExif(analysis) : null;
    if (!tiff) return { keep: false };
    return { keep: "replace", payload: Buffer.concat([Buffer.from("Exif\0\0", "latin1"), tiff]) };
  }
  if (app === 1 && startsWith(payload, `${XMP_NAMESPACE}\0`)) {
    const packet = payload.subarray(XMP_NAMESPACE.length + 1);
    const hdr = isHdrGainMapXmp(packet) ? minimalHdrXmp(packet, state.primary) : null;
    if (hdr?.equals(packet)) return { keep: true };
    findings.merge(xmpFindings(packet));
    if (!hdr) return { keep: false };
    return {
      keep: "replace",
      payload: Buffer.concat([Buffer.from(`${XMP_NAMESPACE}\0`, "latin1"), hdr]),
    };
  }
  if (app === 1 && startsWith(payload, XMP_EXTENSION_NAMESPACE)) {
    findings.merge(xmpFindings(payload));
    return { keep: false };
  }
  if (app === 2 && startsWith(payload, "ICC_PROFILE\0")) return { keep: true };
  if (app === 2 && startsWith(payload, "MPF\0") && state.primary && !state.sawMpf) {
    state.sawMpf = true;
    return { keep: "mpf", payload };
  }
  // ISO 21496-1 gain-map metadata (HDR display): numbers, nothing about the person.
  if (app === 2 && startsWith(payload, "urn:iso:std:iso:ts:21496:-1\0")) return { keep: true };
  if (app === 13) {
    findings.merge(iptcFindings(payload));
    return { keep: false };
  }
  if (app === 14 && startsWith(payload, "Adobe") && payload.length >= 12) {
    // Adobe's colour transform: version, two flag words and the transform byte; no more.
    if (payload.length === 12) return { keep: true };
    findings.add(LABELS.other);
    return { keep: "replace", payload: Buffer.from(payload.subarray(0, 12)) };
  }
  if (app === 2 && startsWith(payload, "MPF\0")) findings.add(LABELS.exif);
  else findings.add(LABELS.other);
  return { keep: false };
}
