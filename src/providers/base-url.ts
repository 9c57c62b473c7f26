import type { Ctx } from "../context.ts";
import { usageError } from "../lib/errors.ts";

/**
 * The base URL an environment variable puts in place of a provider's API hosts (to reach the
 * local emulators or a proxy), without its trailing slash and checked to be an http(s) URL.
 */
export function baseUrlOverride(ctx: Ctx, variable: string, service: string): string | undefined {
  const base = ctx.env[variable]?.trim().replace(/\/+$/, "");
  if (!base) return undefined;
  if (!/^https?:\/\/[^/]+/i.test(base)) {
    throw usageError(
      `${variable}="${base}" is not an http(s) URL.`,
      `Set it to a base URL such as http://127.0.0.1:8790, or unset it to use ${service}.`,
    );
  }
  return base;
}
