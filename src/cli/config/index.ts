import type { Ctx } from "../../context.ts";
import { usageError } from "../../lib/errors.ts";
import { didYouMean } from "../../lib/suggest.ts";
import { findProvider } from "../../providers/catalog.ts";
import { ConfigStore, isSettingKey, SETTINGS, type SettingKey } from "../../store/config.ts";
import type { CommandRegistrar } from "../run.ts";
import { configCommands } from "./command.ts";
import { savedLines, settingLines } from "./render.ts";

export const register: CommandRegistrar = (program, run) => {
  const { ctx } = run;
  const config = configCommands(program);
  config.get.action(async (key) => {
    const value = await store(ctx).get(settingKey(key));
    if (value !== undefined) run.output.result(value);
  });
  config.set.action(async (key, value) => {
    const setting = settingKey(key);
    if (setting === "provider") findProvider(value);
    // A template and a preset both word the message: the one set last is the one used.
    const saved = await store(ctx).set(setting, value, REPLACES[setting] ?? []);
    const [done, ...replaced] = savedLines(setting, saved.value, saved.replaced);
    run.output.success(done ?? "");
    for (const line of replaced) run.output.info(line);
  });
  config.unset.action(async (key) => {
    const setting = settingKey(key);
    await store(ctx).unset(setting);
    run.output.success(`${setting} is back to its default`);
  });
  config.list.action(async (options) => {
    const settings = await store(ctx).all();
    if (options.json) run.output.document(settings);
    else for (const line of settingLines(settings)) run.output.result(line);
  });
};

const REPLACES: Partial<Record<SettingKey, SettingKey[]>> = {
  message: ["preset"],
  preset: ["message"],
};

const store = (ctx: Ctx) => new ConfigStore(ctx.paths.configDir, ctx.system);

function settingKey(key: string): SettingKey {
  if (isSettingKey(key)) return key;
  throw usageError(
    `Unknown setting "${key}".`,
    `${didYouMean(key, Object.keys(SETTINGS))}Settings: ${Object.keys(SETTINGS).join(", ")}.`,
  );
}
