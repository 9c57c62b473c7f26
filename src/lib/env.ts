import type { Env } from "../context.ts";

/** A duration in seconds from the environment, in ms: `fallbackMs` unless a positive number. */
export function envMs(env: Env, name: string, fallbackMs: number): number {
  const seconds = Number(env[name]);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : fallbackMs;
}
