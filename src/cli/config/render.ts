/** `config list`: one `key=value` line per setting that is set. */
export function settingLines(settings: Record<string, string>): string[] {
  return Object.entries(settings).map(([key, value]) => `${key}=${value}`);
}

/** `config set`: the value saved, and the settings it replaced. */
export function savedLines(setting: string, value: string, replaced: string[]): string[] {
  return [
    `${setting} = ${value}`,
    ...replaced.map((other) => `(${other} is unset: ${setting} replaces it)`),
  ];
}
