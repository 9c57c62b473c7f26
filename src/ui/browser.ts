const OPENERS: Partial<Record<NodeJS.Platform, [string, string[]]>> = {
  darwin: ["open", []],
  win32: ["cmd", ["/c", "start", '""']],
};

/** Opens a URL in the user's browser; resolves once the opener started (or failed to). */
export async function openInBrowser(url: string, platform: NodeJS.Platform): Promise<void> {
  const [command, args] = OPENERS[platform] ?? ["xdg-open", []];
  const { spawn } = await import("node:child_process");
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args, url], { stdio: "ignore", detached: true });
    child.once("error", reject);
    child.once("spawn", () => {
      child.unref();
      resolve();
    });
  });
}
