// Waiting out a rate limit, GitHub's or Azure Resource Manager's, inside wait-timeout: a progress line says which
// limit and for how long; a wait that would end past the deadline fails at once with an error naming the limit.
//
// GitHub (github/docs, content/rest/using-the-rest-api/rate-limits-for-the-rest-api.md, "Exceeding the rate limit"):
// a primary limit answers 403 or 429 with `x-ratelimit-remaining: 0`: retry after `x-ratelimit-reset`; a secondary
// limit answers 403 or 429 saying so: retry after `retry-after` when present, else after `x-ratelimit-reset` when
// remaining is 0, "otherwise, wait for at least one minute before retrying", waiting "an exponentially increasing
// amount of time between retries" while it goes on.
// ARM (https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling): a
// throttled request gets 429 Too Many Requests with Retry-After, the seconds to wait before the next request.
import * as core from "@actions/core";
import { ActionError } from "./errors.ts";
import { sleep } from "./poll.ts";

/** A request a limit stopped: which limit, the request, how long to wait before trying it again. */
export interface LimitHit {
  /** In the user's words: "GitHub's secondary rate limit", "Azure Resource Manager throttling (SubscriptionRequestsThrottled)". */
  readonly limit: string;
  readonly request: string;
  readonly waitMs: number;
  /** Where the wait comes from: "retry-after: 5", "x-ratelimit-reset", "no retry-after: back off 60 s". */
  readonly reason: string;
  /** 1 for the first time this request was stopped. */
  readonly attempt: number;
}

const MINUTE_MS = 60_000;

/** GitHub's back-off for a secondary limit that names no time: a minute, doubling with each retry. */
export function secondaryBackoffMs(retryCount: number): number {
  return MINUTE_MS * 2 ** Math.min(Math.max(0, retryCount), 6);
}

function seconds(ms: number): string {
  const s = Math.ceil(ms / 1000);
  return s >= 90 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/** True when waiting `hit` out still leaves the request time to run before `deadline` (performance.now()). */
export function fitsBefore(hit: LimitHit, deadline: number, now: number = performance.now()): boolean {
  return now + hit.waitMs < deadline;
}

/** The progress line of a wait: which limit, which request, how long, and what wait-timeout leaves. */
export function waitLine(hit: LimitHit, deadline: number, now: number = performance.now()): string {
  return (
    `Rate limit: ${hit.limit} stopped ${hit.request}${hit.attempt > 1 ? ` (time ${hit.attempt})` : ""}; waiting ${seconds(hit.waitMs)} ` +
    `(${hit.reason}), then trying again; wait-timeout leaves ${seconds(deadline - now)}.`
  );
}

/** The error for a limit whose wait would end past the deadline. */
export function rateLimitError(hit: LimitHit, deadline: number, cause?: unknown, now: number = performance.now()): ActionError {
  return new ActionError("rate-limited", {
    title: "Rate limit outlasts wait-timeout",
    message:
      `${hit.limit} stopped ${hit.request}, and waiting it out (${seconds(hit.waitMs)}: ${hit.reason}) would end after ` +
      `wait-timeout (${seconds(Math.max(0, deadline - now))} left). Nothing else failed: run again later (every mode ` +
      "converges from where this run stopped), raise wait-timeout, or lower the reusable workflow's max-parallel so " +
      "fewer clusters share the limit at once.",
    cause,
  });
}

/** Waits `hit` out with a progress line, or throws rateLimitError when the wait would pass `deadline`. */
export async function waitOut(hit: LimitHit, deadline: number, log: (line: string) => void = core.info): Promise<void> {
  if (!fitsBefore(hit, deadline)) throw rateLimitError(hit, deadline);
  log(waitLine(hit, deadline));
  await sleep(hit.waitMs);
}
