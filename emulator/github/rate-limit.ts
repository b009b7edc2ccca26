// GitHub's rate limiting: x-ratelimit-* headers on every answer, a primary limit that really runs out, and
// on-demand throttling (secondary limit 403 or 429 with retry-after, or a forced primary 403) for the next N calls.
import { randomBytes } from "node:crypto";
import type { Handler, Response } from "../http.ts";
import { countRequest, createLimitState, secondaryLimitFor, type GitHubLimits, type LimitState } from "./documented-limits.ts";

export type ThrottleKind = "secondary" | "secondary-429" | "primary";

export interface Throttle {
  readonly kind: ThrottleKind;
  /** How many calls answer throttled. */
  times: number;
  /** Seconds: Retry-After for secondary limits, time to x-ratelimit-reset for primary. */
  readonly retryAfter: number;
}

export interface RateState {
  limit: number;
  remaining: number;
  /** Epoch seconds. */
  resetAt: number;
  used: number;
  readonly throttles: Throttle[];
  /** How many answers were throttled (secondary or primary). */
  throttled: number;
  /** Seconds of the primary limit's window (an hour; less with scaled limits). */
  windowSeconds: number;
  /** GitHub's documented secondary limits, when enforced (documented-limits.ts). */
  readonly documented: LimitState;
}

export interface RateLimitSettings {
  readonly limit?: number;
  readonly remaining?: number;
  readonly resetInSeconds?: number;
}

const now = (): number => Math.floor(Date.now() / 1000);

export function createRateState(): RateState {
  return {
    limit: 5000,
    remaining: 5000,
    resetAt: now() + 3600,
    used: 0,
    throttles: [],
    throttled: 0,
    windowSeconds: 3600,
    documented: createLimitState(),
  };
}

export function setRateLimit(rate: RateState, settings: RateLimitSettings): void {
  if (settings.limit !== undefined) rate.limit = settings.limit;
  rate.remaining = settings.remaining ?? rate.limit;
  rate.used = rate.limit - rate.remaining;
  rate.resetAt = now() + (settings.resetInSeconds ?? rate.windowSeconds);
}

export function rateHeaders(rate: RateState): Record<string, string> {
  return {
    "x-ratelimit-limit": String(rate.limit),
    "x-ratelimit-remaining": String(rate.remaining),
    "x-ratelimit-reset": String(rate.resetAt),
    "x-ratelimit-used": String(rate.used),
    "x-ratelimit-resource": "core",
    "x-github-request-id": randomBytes(8)
      .toString("hex")
      .toUpperCase()
      .replace(/(.{4})(.{4})/, "$1:$2:"),
  };
}

const SECONDARY_DOCS =
  "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits";
const PRIMARY_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits";

function throttledAnswer(rate: RateState, throttle: Throttle, withRetryAfter = true): Response {
  rate.throttled += 1;
  if (throttle.kind === "primary") {
    const headers = { ...rateHeaders(rate), "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(now() + throttle.retryAfter) };
    return {
      status: 403,
      headers,
      body: { message: "API rate limit exceeded for installation.", documentation_url: PRIMARY_DOCS, status: "403" },
    };
  }
  const headers: Record<string, string> = {
    ...rateHeaders(rate),
    ...(withRetryAfter ? { "retry-after": String(throttle.retryAfter) } : {}),
  };
  const status = throttle.kind === "secondary" ? 403 : 429;
  const message =
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. " +
    `If you reach out to GitHub Support for help, please include the request ID ${headers["x-github-request-id"] ?? ""}.`;
  return { status, headers, body: { message, documentation_url: SECONDARY_DOCS, status: String(status) } };
}

/** Counts the call against the limit, answers throttled when due, and puts rate headers on the answer. */
export function withRateLimit(rate: RateState, handler: Handler): Handler {
  return async (request) => {
    if (now() >= rate.resetAt) setRateLimit(rate, {});
    const throttle = rate.throttles.find((t) => t.times > 0);
    if (throttle) {
      throttle.times -= 1;
      return throttledAnswer(rate, throttle);
    }
    const secondary = secondaryLimitFor(rate.documented, request.method);
    if (secondary && rate.documented.limits) {
      rate.documented.refused[secondary.which] += 1;
      const answer = rate.documented.limits.secondaryAnswer;
      const kind = answer === "429-retry-after" ? "secondary-429" : "secondary";
      return throttledAnswer(rate, { kind, times: 0, retryAfter: Math.ceil(secondary.waitMs / 1000) }, answer !== "403-no-retry-after");
    }
    if (rate.remaining <= 0) return throttledAnswer(rate, { kind: "primary", times: 0, retryAfter: rate.resetAt - now() });
    rate.remaining -= 1;
    rate.used += 1;
    countRequest(rate.documented, request.method);
    rate.documented.inFlight += 1;
    try {
      const response = await handler(request);
      return { ...response, headers: { ...rateHeaders(rate), ...response.headers } };
    } finally {
      rate.documented.inFlight -= 1;
    }
  };
}

/** Enforces GitHub's documented limits (documented-limits.ts), the primary one's size and window included; undefined: off. */
export function enforceLimits(rate: RateState, limits: GitHubLimits | undefined): void {
  rate.documented.limits = limits;
  rate.documented.log.length = 0;
  rate.windowSeconds = limits ? Math.max(1, Math.round((limits.minuteMs * 60) / 1000)) : 3600;
  setRateLimit(rate, { limit: limits?.primaryPerHour ?? 5000 });
}
