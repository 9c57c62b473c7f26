/** XMP packets and IPTC records: enough to tell whether they hold a place. */
import { Findings, LABELS } from "./labels.ts";

/**
 * Properties that locate a photo: EXIF GPS mirrored into XMP, Photoshop's city/state/country,
 * IPTC Core/Extension locations, and the GPano/Google/Apple variants seen on phones.
 */
const XMP_LOCATION =
  /(GPSLatitude|GPSLongitude|GPSDestLatitude|GPSDestLongitude|GPSAreaInformation|photoshop:(City|State|Country)|Iptc4xmpCore:(Location|CountryCode|CountryName)|Iptc4xmpExt:(Location|City|Sublocation|ProvinceState|CountryName|CountryCode|GPS)|LocationCreated|LocationShown|xmpDM:shotLocation|\bCity=|\bCountry=)/;

export const XMP_NAMESPACE = "http://ns.adobe.com/xap/1.0/";
export const XMP_EXTENSION_NAMESPACE = "http://ns.adobe.com/xmp/extension/";

export function xmpHasLocation(packet: Uint8Array): boolean {
  return XMP_LOCATION.test(Buffer.from(packet).toString("latin1"));
}

export function xmpFindings(packet: Uint8Array): Findings {
  const findings = new Findings();
  if (xmpHasLocation(packet)) findings.add(LABELS.xmpLocation, true);
  else findings.add(LABELS.xmp);
  return findings;
}

/** IPTC-IIM datasets that name a place: 2:90 city, 2:92 sublocation, 2:95 province, 2:100/101 country. */
const IPTC_LOCATION_DATASETS = new Set([90, 92, 95, 100, 101]);

/** Reads IPTC-IIM records (0x1C, record, dataset, length, value…) wherever they start. */
export function iptcHasLocation(bytes: Uint8Array): boolean {
  const data = Buffer.from(bytes);
  let start = data.indexOf(Buffer.from([0x1c, 0x02]));
  while (start !== -1 && start + 5 <= data.length) {
    let at = start;
    while (at + 5 <= data.length && data[at] === 0x1c) {
      const record = data[at + 1];
      const dataset = data[at + 2] ?? 0;
      const length = data.readUInt16BE(at + 3);
      if (length & 0x8000) break; // extended length: not used for text fields
      if (record === 2 && IPTC_LOCATION_DATASETS.has(dataset) && length > 0) return true;
      at += 5 + length;
    }
    start = data.indexOf(Buffer.from([0x1c, 0x02]), start + 1);
  }
  return false;
}

export function iptcFindings(bytes: Uint8Array): Findings {
  const findings = new Findings();
  findings.add(LABELS.iptc);
  if (iptcHasLocation(bytes)) findings.add(LABELS.iptcLocation, true);
  return findings;
}

/** An empty XMP packet padded with spaces to exactly `length` bytes (or spaces alone). */
export function blankXmp(length: number): Buffer {
  const packet =
    '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"/>';
  const end = '<?xpacket end="w"?>';
  if (length < packet.length + end.length) return Buffer.alloc(length, 0x20);
  return Buffer.from(packet + " ".repeat(length - packet.length - end.length) + end, "latin1");
}
