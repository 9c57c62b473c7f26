import type { Ctx } from "../../context.ts";
import { usageError } from "../../lib/errors.ts";
import { DEFAULT_PRESET } from "../../lib/message-presets.ts";
import { didYouMean } from "../../lib/suggest.ts";
import { findProvider } from "../../providers/catalog.ts";
import {
  ConfigStore,
  isSettingKey,
  SETTINGS,
  type SettingKey,
  type Settings,
} from "../../store/config.ts";
import type { CommandRegistrar } from "../run.ts";
import { configCommands } from "./command.ts";
import { type EffectiveSetting, savedLines, settingLines } from "./render.ts";

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
    const config = store(ctx);
    const settings = await config.all();
    // --json stays what the config file holds (scripts read it); the lines say what applies.
    if (options.json) run.output.document(settings);
    else {
      const effective = effectiveSettings(settings, config.file);
      for (const line of settingLines(effective)) run.output.result(line);
    }
  });
};

/** What applies when a setting is not in the config file (as the commands read it). */
const DEFAULTS: Record<SettingKey, { value?: string; means: string }> = {
  provider: { means: "default: send asks at a terminal, else needs --via" },
  message: { means: "default: the preset words the message" },
  copy: { value: "on", means: "default: send copies the message to the clipboard" },
  preset: { value: DEFAULT_PRESET, means: "default" },
  metadata: { value: "strip", means: "default: location and identifying metadata are removed" },
  "auto-prune": { value: "on", means: "default" },
};

/** Every setting: the config file's value, else the default and what it means. */
function effectiveSettings(settings: Settings, file: string): EffectiveSetting[] {
  return (Object.keys(SETTINGS) as SettingKey[]).map((key) => {
    const value = settings[key];
    if (value !== undefined) return { key, value, source: `config file (${file})` };
    const fallback = DEFAULTS[key];
    // A template and a preset both word the message: with a template set, no preset applies.
    if (key === "preset" && settings.message !== undefined) {
      return { key, value: undefined, source: "not used: message is set" };
    }
    return { key, value: fallback.value, source: fallback.means };
  });
}

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
