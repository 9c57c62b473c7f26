// The floor of a big upload for `npm run bench`: a bare Node script that makes only the
// requests the API needs to put a file in the account and link it, with the fewest requests
// it allows (Dropbox: at most 150 MiB each; Drive: the whole file in one resumable request),
// streamed from disk through node:http. What it takes beyond bytes/bandwidth is what the
// emulator and this machine cost any client; what dmshare takes beyond it is dmshare's own.
//
//   node scripts/big-floor.mjs dropbox|gdrive <emulator URL> <token> <file>
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { request } from "node:http";

const [via, base, token, file] = process.argv.slice(2);
const { size } = await stat(file);
const MIB = 1024 * 1024;

/** One request; the body is a string or a range of the file. Resolves with status, headers, text. */
function send(url, { method = "POST", headers = {}, body, range } = {}) {
  return new Promise((resolve, reject) => {
    const length = range ? range.end - range.start : Buffer.byteLength(body ?? "");
    const outgoing = request(
      url,
      {
        method,
        headers: { authorization: `Bearer ${token}`, "content-length": String(length), ...headers },
      },
      (incoming) => {
        let text = "";
        incoming.setEncoding("utf8");
        incoming.on("data", (chunk) => {
          text += chunk;
        });
        incoming.on("end", () => {
          if (incoming.statusCode >= 400)
            reject(new Error(`${url}: ${incoming.statusCode} ${text}`));
          else resolve({ status: incoming.statusCode, headers: incoming.headers, text });
        });
      },
    );
    outgoing.on("error", reject);
    if (range) {
      createReadStream(file, { start: range.start, end: range.end - 1, highWaterMark: MIB }).pipe(
        outgoing,
      );
    } else outgoing.end(body ?? "");
  });
}

if (via === "dropbox") {
  // Dropbox takes at most 150 MiB per request, in multiples of 4 MiB but the last.
  const CHUNK = 148 * MIB;
  const octets = (arg) => ({
    "content-type": "application/octet-stream",
    "dropbox-api-arg": JSON.stringify(arg),
  });
  const first = Math.min(size, CHUNK);
  const started = await send(`${base}/2/files/upload_session/start`, {
    headers: octets({ close: first === size }),
    range: { start: 0, end: first },
  });
  const sessionId = JSON.parse(started.text).session_id;
  for (let offset = first; offset < size; offset += CHUNK) {
    const end = Math.min(size, offset + CHUNK);
    await send(`${base}/2/files/upload_session/append_v2`, {
      headers: octets({ cursor: { session_id: sessionId, offset }, close: end === size }),
      range: { start: offset, end },
    });
  }
  const path = `/floor/${Date.now()}.jpg`;
  await send(`${base}/2/files/upload_session/finish`, {
    headers: octets({ cursor: { session_id: sessionId, offset: size }, commit: { path } }),
  });
  await send(`${base}/2/sharing/create_shared_link_with_settings`, {
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ path, settings: { requested_visibility: "public" } }),
  });
} else if (via === "gdrive") {
  const started = await send(`${base}/upload/drive/v3/files?uploadType=resumable`, {
    headers: {
      "content-type": "application/json; charset=UTF-8",
      "x-upload-content-type": "image/jpeg",
      "x-upload-content-length": String(size),
    },
    body: JSON.stringify({ name: `floor-${Date.now()}.jpg` }),
  });
  const uploaded = await send(started.headers.location, {
    method: "PUT",
    headers: { "content-range": `bytes 0-${size - 1}/${size}` },
    range: { start: 0, end: size },
  });
  const { id } = JSON.parse(uploaded.text);
  await send(`${base}/drive/v3/files/${id}/permissions`, {
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ role: "reader", type: "anyone" }),
  });
} else {
  throw new Error(`usage: node scripts/big-floor.mjs dropbox|gdrive <url> <token> <file>`);
}
