import type { LocalFile } from "../../providers/provider.ts";

/**
 * An album's files under names that differ from each other, chosen before anything is
 * uploaded: the first `beach.jpg` keeps its name, the next ones become `beach-2.jpg`,
 * `beach-3.jpg`… in the order given (never the provider's `beach (1).jpg`). Compared without
 * case, as Dropbox and Windows do.
 */
export function distinctNames<F extends LocalFile>(files: readonly F[]): F[] {
  const taken = new Set(files.map((file) => file.name.toLowerCase()));
  const seen = new Set<string>();
  return files.map((file) => {
    const key = file.name.toLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      return file;
    }
    const dot = file.name.lastIndexOf(".");
    const [stem, extension] =
      dot > 0 ? [file.name.slice(0, dot), file.name.slice(dot)] : [file.name, ""];
    let number = 2;
    let name = `${stem}-${number}${extension}`;
    while (taken.has(name.toLowerCase()) || seen.has(name.toLowerCase())) {
      number += 1;
      name = `${stem}-${number}${extension}`;
    }
    seen.add(name.toLowerCase());
    taken.add(name.toLowerCase());
    return { ...file, name };
  });
}
