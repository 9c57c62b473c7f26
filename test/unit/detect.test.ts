import { describe, expect, it } from "vitest";
import { describeUnknown, detectMediaType } from "../../src/media/detect.ts";
import { jpegBytes, mp4Bytes, pngBytes } from "../helpers/media.ts";

const ftyp = (major: string, compatible: string[] = []) => {
  const box = Buffer.alloc(16 + 4 * compatible.length);
  box.writeUInt32BE(box.length, 0);
  box.write(`ftyp${major}`, 4, "latin1");
  for (const [index, brand] of compatible.entries()) box.write(brand, 16 + 4 * index, "latin1");
  return box;
};

describe("detectMediaType", () => {
  it.each([
    ["JPEG", jpegBytes(), "image/jpeg"],
    ["PNG", pngBytes(), "image/png"],
    ["GIF", Buffer.from("GIF89a\x01\x00\x01\x00", "latin1"), "image/gif"],
    ["WebP", Buffer.from("RIFF\x24\x00\x00\x00WEBPVP8 ", "latin1"), "image/webp"],
    ["HEIC", ftyp("heic", ["mif1", "heic"]), "image/heic"],
    ["HEIF", ftyp("mif1", ["mif1"]), "image/heif"],
    ["MP4", mp4Bytes(), "video/mp4"],
    ["MOV", ftyp("qt  ", ["qt  "]), "video/quicktime"],
    ["MP4 with an unknown major brand", ftyp("abcd", ["mp42"]), "video/mp4"],
  ])("recognises %s by its bytes", (_label, bytes, mime) => {
    expect(detectMediaType(bytes)?.mime).toBe(mime);
  });

  it.each([
    ["text", Buffer.from("hello, this is not a photo")],
    ["PDF", Buffer.from("%PDF-1.7\n")],
    ["ZIP", Buffer.from([0x50, 0x4b, 0x03, 0x04])],
    ["too short", Buffer.from([0xff])],
  ])("refuses %s", (_label, bytes) => {
    expect(detectMediaType(bytes)).toBeNull();
  });

  it("describes what an unsupported file looks like", () => {
    expect(describeUnknown(Buffer.from("hello"))).toBe("text");
    expect(describeUnknown(Buffer.from("%PDF-1.7"))).toBe("a PDF");
  });
});
