/**
 * The XMP an HDR gain-map JPEG (Ultra HDR / Adobe gain map) needs to display in HDR, rebuilt
 * from scratch: the hdrgm values and, for the primary image, the container directory naming
 * the primary and the gain map. Nothing else of the original packet is carried over.
 */

const HDRGM_NAMESPACE = "http://ns.adobe.com/hdr-gain-map/1.0/";
const HDRGM_FIELDS = [
  "Version",
  "BaseRenditionIsHDR",
  "GainMapMin",
  "GainMapMax",
  "Gamma",
  "OffsetSDR",
  "OffsetHDR",
  "HDRCapacityMin",
  "HDRCapacityMax",
] as const;
/** A number, a version or a boolean: what hdrgm fields hold. */
const SAFE_VALUE = /^(?:[-+0-9.eE]{1,32}|True|False)$/;
const SAFE_MIME = /^image\/(?:jpeg|jpg)$/;

/** True when the packet declares the hdrgm namespace (a gain-map image or its primary). */
export function isHdrGainMapXmp(packet: Buffer): boolean {
  return packet.includes(HDRGM_NAMESPACE, 0, "latin1");
}

/** The hdrgm fields of a packet, each with one value or a list (per-channel values). */
function hdrgmFields(text: string): [string, string[]][] {
  const out: [string, string[]][] = [];
  for (const name of HDRGM_FIELDS) {
    const attribute = new RegExp(`\\bhdrgm:${name}\\s*=\\s*"([^"]*)"`).exec(text);
    const element = new RegExp(`<hdrgm:${name}>([\\s\\S]*?)</hdrgm:${name}>`).exec(text);
    let values: string[] = [];
    if (attribute?.[1] !== undefined) values = [attribute[1].trim()];
    else if (element?.[1] !== undefined) {
      const items = [...element[1].matchAll(/<rdf:li>([^<]*)<\/rdf:li>/g)].map((m) =>
        (m[1] ?? "").trim(),
      );
      values = items.length > 0 ? items : [element[1].trim()];
    }
    if (values.length > 0 && values.length <= 4 && values.every((v) => SAFE_VALUE.test(v))) {
      out.push([name, values]);
    }
  }
  return out;
}

/** The Primary and GainMap items of a GContainer directory, with their mime type and length. */
function containerItems(text: string): { semantic: string; mime: string; length?: string }[] {
  const items: { semantic: string; mime: string; length?: string }[] = [];
  for (const match of text.matchAll(/<[\w-]+:Item\b([^>]*)>/g)) {
    const attributes = match[1] ?? "";
    const get = (name: string) =>
      new RegExp(`\\b[\\w-]+:${name}\\s*=\\s*"([^"]*)"`).exec(attributes)?.[1];
    const semantic = get("Semantic");
    const mime = get("Mime");
    const length = get("Length");
    if ((semantic !== "Primary" && semantic !== "GainMap") || !mime || !SAFE_MIME.test(mime))
      continue;
    if (length !== undefined && !/^\d{1,10}$/.test(length)) continue;
    items.push(length === undefined ? { semantic, mime } : { semantic, mime, length });
  }
  return items;
}

/**
 * A new packet with only what HDR display needs, or null when the original has no usable
 * hdrgm version. `length`, when given, pads the packet with spaces to exactly that many bytes
 * (null when it doesn't fit).
 */
export function minimalHdrXmp(packet: Buffer, primary: boolean, length?: number): Buffer | null {
  const text = packet.toString("utf8");
  const fields = hdrgmFields(text);
  if (!fields.some(([name]) => name === "Version")) return null;
  const attributes: string[] = [];
  const elements: string[] = [];
  for (const [name, values] of fields) {
    if (values.length === 1) attributes.push(` hdrgm:${name}="${values[0]}"`);
    else {
      const list = values.map((value) => `<rdf:li>${value}</rdf:li>`).join("");
      elements.push(`<hdrgm:${name}><rdf:Seq>${list}</rdf:Seq></hdrgm:${name}>`);
    }
  }
  const items = primary ? containerItems(text) : [];
  if (items.length > 0) {
    const list = items
      .map(
        (item) =>
          `<rdf:li rdf:parseType="Resource"><Container:Item Item:Semantic="${item.semantic}" Item:Mime="${item.mime}"${item.length === undefined ? "" : ` Item:Length="${item.length}"`}/></rdf:li>`,
      )
      .join("");
    elements.push(`<Container:Directory><rdf:Seq>${list}</rdf:Seq></Container:Directory>`);
  }
  const namespaces = `xmlns:hdrgm="${HDRGM_NAMESPACE}"${items.length > 0 ? ' xmlns:Container="http://ns.google.com/photos/1.0/container/" xmlns:Item="http://ns.google.com/photos/1.0/container/item/"' : ""}`;
  const body =
    `<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>` +
    `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
    `<rdf:Description rdf:about="" ${namespaces}${attributes.join("")}>${elements.join("")}</rdf:Description>` +
    `</rdf:RDF></x:xmpmeta>`;
  const end = `<?xpacket end="w"?>`;
  const size = Buffer.byteLength(body) + end.length;
  if (length === undefined) return Buffer.from(body + end, "utf8");
  if (size > length) return null;
  return Buffer.from(body + " ".repeat(length - size) + end, "utf8");
}
