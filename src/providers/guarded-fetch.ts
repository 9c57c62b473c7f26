import { AsyncLocalStorage } from "node:async_hooks";
import { Readable } from "node:stream";
import type { Ctx, Env } from "../context.ts";
import { answer, isRequestLike } from "../lib/answer.ts";
import { envMs } from "../lib/env.ts";
import { providerError } from "../lib/errors.ts";
import { stallTimeoutMs, streamingUploads } from "./streaming-fetch.ts";

// The fetch every provider SDK is given: requests go only to the provider's own hosts (never
// a credential elsewhere, whatever a redirect or an upload URL says), every call has a stall
// timeout and a total time bound, and no answer is read beyond a size bound.

const MIB = 1024 * 1024;

export interface CallLimits {
  /** No byte for this long (before or during the answer): the call fails and is retried. */
  stallMs: number;
  /** A call that is not an upload gets this long in all (a server dripping a byte at a time). */
  totalMs: number;
  /** The most dmshare reads of a successful answer, and of an error answer. */
  maxBodyBytes: number;
  maxErrorBodyBytes: number;
}

/** Calls other than uploads: nothing for 60 s, or no complete answer in 120 s, is a failure. */
const DEFAULT_API_STALL_SECONDS = 60;
const DEFAULT_CALL_SECONDS = 120;

/**
 * The limits, from the environment: `DMSHARE_STALL_TIMEOUT` (seconds) sets the stall timeout
 * of uploads and of every other call; `DMSHARE_CALL_TIMEOUT` (seconds, for tests only) the
 * total bound of a call that is not an upload.
 */
export function callLimits(env: Env): CallLimits {
  return {
    stallMs: envMs(env, "DMSHARE_STALL_TIMEOUT", DEFAULT_API_STALL_SECONDS * 1000),
    totalMs: envMs(env, "DMSHARE_CALL_TIMEOUT", DEFAULT_CALL_SECONDS * 1000),
    maxBodyBytes: 16 * MIB,
    maxErrorBodyBytes: 1 * MIB,
  };
}

/** The signal that also stops the provider calls made by the work `stoppedBy` runs. */
const callSignal = new AsyncLocalStorage<AbortSignal>();

/**
 * Runs `work` so that every provider call it makes (through `providerFetch`, whichever SDK
 * makes it) is also stopped when `signal` aborts: the request is dropped and its promise fails
 * at once, without waiting for the provider's answer. The SDKs take one fetch for all their
 * calls, so the signal follows the work rather than being passed to each call. Nested uses
 * stop on either signal.
 */
export function stoppedBy<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  const outer = callSignal.getStore();
  return callSignal.run(outer ? AbortSignal.any([outer, signal]) : signal, work);
}

/** A call that got no byte for a while, or no complete answer in time: a network error. */
function timedOut(text: string): Error {
  return Object.assign(new Error(text), { code: "ETIMEDOUT" });
}

const urlOf = (input: Parameters<typeof fetch>[0]) =>
  new URL(isRequestLike(input) ? (input as Request).url : String(input));

/**
 * The fetch for one provider. `hosts`: the hosts (`host:port` for a base URL override) its
 * requests may go to; `label`: its name in messages.
 */
export function providerFetch(ctx: Ctx, label: string, hosts: readonly string[]): typeof fetch {
  const limits = callLimits(ctx.env);
  const inner = streamingUploads(
    boundedCalls(ctx.fetch, limits, label, hosts),
    stallTimeoutMs(ctx.env),
  );
  return async (input, given) => {
    const url = urlOf(input);
    if (!hosts.includes(url.host)) throw foreignHost(label, url, "a request (an upload address?)");
    const stop = callSignal.getStore();
    const init =
      stop === undefined
        ? given
        : { ...given, signal: given?.signal ? AbortSignal.any([given.signal, stop]) : stop };
    const response = await inner(input, init);
    // Uploads have their own stall timeout; their answer is bounded like any other.
    return init?.body instanceof Readable
      ? bounded(response, limits, label, { arm: () => {}, done: () => {}, reason: () => undefined })
      : response;
  };
}

/**
 * The hint for an answer no `label` server gives (another file, a session going back): it may
 * have been changed on the way.
 */
export const alteredAnswerHint = (label: string) =>
  `Try again later. If it happens again, something between you and ${label} (a proxy) changes its answers.`;

function foreignHost(label: string, url: URL, what: string) {
  return providerError(
    `dmshare was to send ${what} for ${label} to ${url.host}, which is not one of ${label}'s own hosts; it refused, so no credential went there.`,
    `Try again later. If it happens again, something between you and ${label} (a proxy, a captive portal) changes its answers.`,
  );
}

/** Timers, redirects and size bound for calls that are not uploads. */
function boundedCalls(
  inner: typeof fetch,
  limits: CallLimits,
  label: string,
  hosts: readonly string[],
): typeof fetch {
  return async (input, init) => {
    const url = urlOf(input);
    const controller = new AbortController();
    const signal = init?.signal
      ? AbortSignal.any([controller.signal, init.signal])
      : controller.signal;
    let stall: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(stall);
      stall = setTimeout(
        () =>
          controller.abort(
            timedOut(`the connection stalled (nothing for ${Math.round(limits.stallMs / 1000)} s)`),
          ),
        limits.stallMs,
      );
      // Bounds only: a timer never keeps dmshare running once nothing else does.
      stall.unref();
    };
    const deadline = setTimeout(
      () =>
        controller.abort(timedOut(`no complete answer in ${Math.round(limits.totalMs / 1000)} s`)),
      limits.totalMs,
    );
    deadline.unref();
    const done = () => {
      clearTimeout(stall);
      clearTimeout(deadline);
    };
    const reason = () =>
      controller.signal.aborted ? (controller.signal.reason as Error) : undefined;
    arm();
    let response: Response;
    try {
      // Redirects are not followed blindly: a token request re-posted elsewhere carries secrets.
      response = await inner(input, { ...init, signal, redirect: "manual" });
    } catch (error) {
      done();
      throw reason() ?? error;
    }
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      const target = new URL(location, url);
      if (!hosts.includes(target.host) || target.protocol !== url.protocol) {
        done();
        await response.body?.cancel().catch(() => {});
        throw foreignHost(label, target, `a request redirected by HTTP ${response.status}`);
      }
    }
    return bounded(response, limits, label, { arm, done, reason });
  };
}

const NO_BODY = new Set([101, 204, 205, 304]);

/** The answer, whose body is read with the stall timer re-armed per chunk and a size bound. */
function bounded(
  response: Response,
  limits: CallLimits,
  label: string,
  timers: { arm: () => void; done: () => void; reason: () => Error | undefined },
): Response {
  if (!response.body || NO_BODY.has(response.status)) {
    timers.done();
    return response;
  }
  const cap = response.ok ? limits.maxBodyBytes : limits.maxErrorBodyBytes;
  const reader = response.body.getReader();
  let bytes = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      timers.arm();
      try {
        const { done, value } = await reader.read();
        if (done) {
          timers.done();
          controller.close();
          return;
        }
        bytes += value.byteLength;
        if (bytes > cap) {
          timers.done();
          await reader.cancel().catch(() => {});
          controller.error(
            providerError(
              `${label} answered with more than ${cap / MIB} MiB (HTTP ${response.status}); dmshare stopped reading it.`,
              `No answer dmshare expects is that big. Try again later; if it happens again, something between you and ${label} (a proxy, a captive portal) changes its answers.`,
            ),
          );
          return;
        }
        controller.enqueue(value);
      } catch (error) {
        timers.done();
        controller.error(timers.reason() ?? error);
      }
    },
    cancel(why) {
      timers.done();
      return reader.cancel(why);
    },
  });
  return answer(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
    url: response.url,
  });
}
