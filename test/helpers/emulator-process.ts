import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Runs an emulator's command line (`node test/emulators/<name>.ts …`) as a person would, and
 * resolves with the first line it prints and a way to stop it with SIGTERM.
 */
export async function runEmulatorCommand(name: string, args: string[]) {
  const script = fileURLToPath(new URL(`../emulators/${name}.ts`, import.meta.url));
  const child = spawn(process.execPath, [script, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const firstLine = await new Promise<string>((resolve) => {
    let seen = "";
    child.stdout.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes("\n")) resolve(seen.trim());
    });
  });
  const stop = () => {
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    child.kill("SIGTERM");
    return exited;
  };
  return { firstLine, stop };
}
