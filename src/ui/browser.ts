import { spawn } from "node:child_process";

const OPENERS: Partial<Record<NodeJS.Platform, [string, string[]]>> = {
  darwin: ["open", []],
  win32: ["cmd", ["/c", "start", '""']],
};

/** Opens a URL in the user's browser; resolves once the opener started (or failed to). */
export function openInBrowser(url: string, platform: NodeJS.Platform): Promise<void> {
  const [command, args] = OPENERS[platform] ?? ["xdg-open", []];
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args, url], { stdio: "ignore", detached: true });
    child.once("error", reject);
    child.once("spawn", () => {
      child.unref();
      resolve();
    });
  });
}
