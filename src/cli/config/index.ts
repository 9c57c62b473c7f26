import type { Command } from "commander";
import type { Ctx } from "../../context.ts";
import { usageError } from "../../errors.ts";
import { findProvider } from "../../providers/registry.ts";
import { ConfigStore, isSettingKey, SETTINGS, type SettingKey } from "../../store/config.ts";
import { Output } from "../../ui/output.ts";
import { type CommandRegistrar, globalOptions } from "../program.ts";

export const register: CommandRegistrar = (program, ctx) => {
  const config = program
    .command("config")
    .summary("read and change settings")
    .description(
      `Settings:\n${Object.entries(SETTINGS)
        .map(([key, spec]) => `  ${key.padEnd(10)} ${spec.description}`)
        .join("\n")}`,
    )
    .addHelpText(
      "after",
      `
Examples:
  $ dmshare config set provider dropbox
  $ dmshare config set message "Look at this: {url}"
  $ dmshare config set preset friendly
  $ dmshare config get provider
  $ dmshare config list`,
    );
  const output = (command: Command) => new Output(ctx, { color: globalOptions(command).color });

  config
    .command("get")
    .summary("print a setting")
    .argument("<key>", Object.keys(SETTINGS).join(" | "))
    .action(async (key: string, _options: unknown, command: Command) => {
      const value = await store(ctx).get(settingKey(key));
      if (value !== undefined) output(command).result(value);
    });
  config
    .command("set")
    .summary("change a setting")
    .argument("<key>", Object.keys(SETTINGS).join(" | "))
    .argument("<value>")
    .action(async (key: string, value: string, _options: unknown, command: Command) => {
      const setting = settingKey(key);
      if (setting === "provider") findProvider(value);
      // A template and a preset both word the message: the one set last is the one used.
      const replaces = REPLACES[setting] ?? [];
      const saved = await store(ctx).set(setting, value, replaces);
      const out = output(command);
      out.success(`${setting} = ${saved.value}`);
      for (const other of saved.replaced) out.info(`(${other} is unset: ${setting} replaces it)`);
    });
  config
    .command("unset")
    .summary("go back to a setting's default")
    .argument("<key>", Object.keys(SETTINGS).join(" | "))
    .action(async (key: string, _options: unknown, command: Command) => {
      const setting = settingKey(key);
      await store(ctx).unset(setting);
      output(command).success(`${setting} is back to its default`);
    });
  config
    .command("list")
    .summary("print every setting that is set")
    .option("--json", "print the settings as a JSON object")
    .action(async (options: { json?: boolean }, command: Command) => {
      const settings = await store(ctx).all();
      const out = new Output(ctx, { json: options.json, color: globalOptions(command).color });
      if (options.json) out.document(settings);
      else for (const [key, value] of Object.entries(settings)) out.result(`${key}=${value}`);
    });
};

const REPLACES: Partial<Record<SettingKey, SettingKey[]>> = {
  message: ["preset"],
  preset: ["message"],
};

const store = (ctx: Ctx) => new ConfigStore(ctx.paths.configDir);

function settingKey(key: string): SettingKey {
  if (isSettingKey(key)) return key;
  throw usageError(`Unknown setting "${key}".`, `Settings: ${Object.keys(SETTINGS).join(", ")}.`);
}
