// XMP packets: each property must be on the allow-list.
import type { Category, Report } from "./report.ts";

const XMP_ALLOWED: Record<string, Set<string> | "any"> = {
  // The packet's own wrapper and RDF syntax.
  "adobe:ns:meta/": "any",
  "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "any",
  // Ultra HDR: the gain map's rendering parameters (ISO 21496-1 / Adobe gain map).
  "http://ns.adobe.com/hdr-gain-map/1.0/": "any",
  // Apple's HDR gain-map description of an auxiliary image, and what kind of image it is.
  "http://ns.apple.com/HDRGainMap/1.0/": "any",
  "http://ns.apple.com/pixeldatainfo/1.0/": new Set([
    "AuxiliaryImageType",
    "NativeFormat",
    "StoredFormat",
  ]),
  // The directory of an Ultra HDR or motion photo: which item is the gain map or the video.
  "http://ns.google.com/photos/1.0/container/": new Set(["Directory", "Item"]),
  "http://ns.google.com/photos/1.0/container/item/": new Set([
    "Mime",
    "Semantic",
    "Length",
    "Padding",
    "URI",
  ]),
  // A motion photo's flags (the video itself is checked as a video).
  "http://ns.google.com/photos/1.0/camera/": new Set([
    "MotionPhoto",
    "MotionPhotoVersion",
    "MotionPhotoPresentationTimestampUs",
    "MicroVideo",
    "MicroVideoVersion",
    "MicroVideoOffset",
    "MicroVideoPresentationTimestampUs",
  ]),
};

const XMP_LOCATION =
  /GPS|Latitude|Longitude|City|State|Country|Location|Sublocation|ProvinceState|shotLocation|Position/i;
const XMP_PEOPLE =
  /creator|rights|Owner|Author|By-?line|Artist|Credit|Contact|PersonInImage|Usage/i;
const XMP_DEVICE = /Make|Model|Serial|Lens|ImageUniqueID|DocumentID|InstanceID|Makernote/i;
const XMP_DATES = /Date|Time/i;
const XMP_SOFTWARE = /CreatorTool|Software|History|Agent/i;

/** Text of an XMP packet in whatever encoding it was written (UTF-8 or UTF-16). */
function xmpText(bytes: Buffer): string {
  if (bytes[0] === 0xfe && bytes[1] === 0xff)
    return Buffer.from(bytes.subarray(2)).swap16().toString("utf16le");
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString("utf16le");
  const zeros = bytes.subarray(0, 4096).filter((byte) => byte === 0).length;
  if (zeros > Math.min(bytes.length, 4096) / 4) {
    const even = bytes.subarray(0, 4096).filter((byte, index) => byte === 0 && index % 2 === 0);
    const usable = bytes.subarray(0, bytes.length - (bytes.length % 2));
    return even.length > zeros / 2
      ? Buffer.from(usable).swap16().toString("utf16le")
      : usable.toString("utf16le");
  }
  return bytes.toString("utf8");
}

/**
 * Judges an XMP packet: each property (element or attribute with a namespace) must be on
 * the allow-list; an empty packet passes. Unknown prefixes count as unknown properties.
 */
export function checkXmp(bytes: Buffer, where: string, report: Report): void {
  const text = xmpText(bytes);
  const namespaces = new Map<string, string>();
  for (const match of text.matchAll(/xmlns:([\w.-]+)\s*=\s*["']([^"']*)["']/g)) {
    namespaces.set(match[1] as string, match[2] as string);
  }
  const names = new Map<string, string | undefined>();
  for (const match of text.matchAll(/<([A-Za-z_][\w.-]*):([A-Za-z_][\w.-]*)/g)) {
    const name = `${match[1]}:${match[2]}`;
    if (!names.has(name)) {
      const after = text.slice((match.index ?? 0) + match[0].length, (match.index ?? 0) + 300);
      const inner = /^[^>]*>([^<]{1,200})</.exec(after)?.[1]?.trim();
      names.set(name, inner || undefined);
    }
  }
  for (const match of text.matchAll(
    /\s([A-Za-z_][\w.-]*):([A-Za-z_][\w.-]*)\s*=\s*(["'])([^"']*)\3/g,
  )) {
    if (match[1] === "xmlns") continue;
    const name = `${match[1]}:${match[2]}`;
    if (!names.has(name)) names.set(name, match[4]?.trim() || undefined);
  }
  let flagged = 0;
  for (const [name, value] of names) {
    const [prefix = "", local = ""] = name.split(":");
    const uri = namespaces.get(prefix);
    const allowed = uri === undefined ? undefined : XMP_ALLOWED[uri];
    if (allowed === "any" || allowed?.has(local)) continue;
    const category: Category = XMP_LOCATION.test(local)
      ? "location"
      : XMP_SOFTWARE.test(local)
        ? "software"
        : XMP_PEOPLE.test(local)
          ? "people"
          : XMP_DEVICE.test(local)
            ? "device"
            : XMP_DATES.test(local)
              ? "dates"
              : local === "Description" || local === "title" || local === "subject"
                ? "text"
                : "other";
    report.find(
      category,
      `XMP property ${name}`,
      where,
      value && value.length <= 80 ? value : undefined,
    );
    flagged++;
  }
  if (flagged === 0) {
    if ([...names.keys()].some((name) => /^(hdrgm|HDRGainMap):/.test(name))) {
      report.keep("HDR gain-map XMP", where);
    } else if (names.size > 0 || text.trim() !== "") {
      report.keep("XMP with nothing about the sender", where);
    }
  }
}
