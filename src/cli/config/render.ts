/** A setting as it applies now: its value (none for "not set, nothing in its place"), and why. */
export interface EffectiveSetting {
  key: string;
  value: string | undefined;
  /** Where the value comes from: "config file", or "default" (with what the default does). */
  source: string;
}

/**
 * `config list`: every setting, with the value in effect and where it comes from, in
 * columns; a setting with no value says what happens without one.
 */
export function settingLines(settings: readonly EffectiveSetting[]): string[] {
  const keyWidth = Math.max(...settings.map(({ key }) => key.length));
  const shown = settings.map(({ value }) => value ?? "(none)");
  const valueWidth = Math.max(...shown.map((value) => value.length));
  return settings.map(({ key, source }, index) =>
    `${key.padEnd(keyWidth)}  ${(shown[index] ?? "").padEnd(valueWidth)}  ${source}`.trimEnd(),
  );
}

/** `config set`: the value saved, and the settings it replaced. */
export function savedLines(setting: string, value: string, replaced: string[]): string[] {
  return [
    `${setting} = ${value}`,
    ...replaced.map((other) => `(${other} is unset: ${setting} replaces it)`),
  ];
}
