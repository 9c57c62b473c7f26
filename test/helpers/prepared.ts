import type { PreparedPlan } from "../../src/core/send/index.ts";

type PreparedFile = PreparedPlan["files"][0];

/** A file as a send prepared it, for renderer tests: no metadata step unless `preparation` says. */
export function preparedFile(
  name: string,
  bytes: number,
  preparation: Partial<PreparedFile["preparation"]> = {},
): PreparedFile {
  return {
    path: `/photos/${name}`,
    contentPath: `/tmp/${name}`,
    name,
    bytes,
    mime: "image/jpeg",
    modifiedAt: new Date(0),
    preparation: { metadata: null, reencoded: [], notes: [], ...preparation },
  };
}
