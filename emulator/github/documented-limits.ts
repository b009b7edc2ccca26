// GitHub's documented REST API limits, enforced when switched on (off by default), and scaled down by the same
// switch so a test of a fleet sees them within seconds. Evidence, github/docs:
// - content/rest/using-the-rest-api/rate-limits-for-the-rest-api.md: an installation's primary limit is 5,000
//   requests per hour; over it, "a 403 or 429 response, and the x-ratelimit-remaining header will be 0" (the primary
//   limit itself is rate-limit.ts's; this file sets its size and window).
// - data/reusables/rest-api/secondary-rate-limit-rest-graphql.md: "No more than 100 concurrent requests", "No more
//   than 900 points per minute ... for REST API endpoints" (GET, HEAD, OPTIONS 1 point; POST, PATCH, PUT, DELETE 5),
//   "no more than 80 content-generating requests per minute and no more than 500 content-generating requests per
//   hour". Over one: "a 403 or 429 response and an error message that indicates that you exceeded a secondary rate
//   limit", with `retry-after` when present, "otherwise, wait for at least one minute". Whether GitHub sends
//   retry-after for each of these is not documented: `secondaryAnswer` offers each variant.
// Which requests GitHub counts as content-generating is not listed; here every POST, PATCH, PUT and DELETE is one
// (a deploy key's create and delete both are, as the issue tracker's fleet arithmetic assumes).

export interface GitHubLimits {
  /** GitHub's minute in ms; an hour is 60 of them. */
  readonly minuteMs: number;
  readonly primaryPerHour: number;
  readonly concurrent: number;
  readonly pointsPerMinute: number;
  readonly contentPerMinute: number;
  readonly contentPerHour: number;
  /** How a secondary limit answers: 403 or 429, with retry-after (seconds until the window frees) or without. */
  readonly secondaryAnswer: "403-retry-after" | "429-retry-after" | "403-no-retry-after";
}

/** The numbers as the docs give them. */
export const GITHUB_LIMITS: GitHubLimits = {
  minuteMs: 60_000,
  primaryPerHour: 5_000,
  concurrent: 100,
  pointsPerMinute: 900,
  contentPerMinute: 80,
  contentPerHour: 500,
  secondaryAnswer: "403-retry-after",
};

/** GitHub's limits with a minute of `minuteMs` and every count divided by `divideBy` (at least 1 each). */
export function scaledGitHubLimits(minuteMs: number, divideBy: number, overrides: Partial<GitHubLimits> = {}): GitHubLimits {
  const count = (n: number): number => Math.max(1, Math.floor(n / divideBy));
  return {
    minuteMs,
    primaryPerHour: count(GITHUB_LIMITS.primaryPerHour),
    concurrent: count(GITHUB_LIMITS.concurrent),
    pointsPerMinute: count(GITHUB_LIMITS.pointsPerMinute),
    contentPerMinute: count(GITHUB_LIMITS.contentPerMinute),
    contentPerHour: count(GITHUB_LIMITS.contentPerHour),
    secondaryAnswer: GITHUB_LIMITS.secondaryAnswer,
    ...overrides,
  };
}

interface Counted {
  readonly at: number;
  readonly points: number;
  readonly content: boolean;
}

export interface LimitState {
  limits: GitHubLimits | undefined;
  readonly log: Counted[];
  inFlight: number;
  /** Secondary-limit answers, by which limit. */
  readonly refused: Record<"concurrent" | "points" | "content-minute" | "content-hour", number>;
}

export function createLimitState(): LimitState {
  return { limits: undefined, log: [], inFlight: 0, refused: { concurrent: 0, points: 0, "content-minute": 0, "content-hour": 0 } };
}

const WRITES = new Set(["POST", "PATCH", "PUT", "DELETE"]);

/** When the oldest entries that keep `over` true have left the window: ms from now. */
function freesIn(entries: readonly Counted[], windowMs: number, now: number, over: (kept: readonly Counted[]) => boolean): number {
  for (let i = 0; i < entries.length; i += 1) {
    if (!over(entries.slice(i + 1))) return Math.max(1, (entries[i]?.at ?? now) + windowMs - now);
  }
  return windowMs;
}

/** The secondary limit this request would pass, with ms until it would not: undefined when none. */
export function secondaryLimitFor(
  state: LimitState,
  method: string,
  now: number = Date.now(),
): { which: keyof LimitState["refused"]; waitMs: number } | undefined {
  const limits = state.limits;
  if (!limits) return undefined;
  const hour = limits.minuteMs * 60;
  while (state.log.length > 0 && (state.log[0]?.at ?? now) <= now - hour) state.log.shift();
  const content = WRITES.has(method.toUpperCase());
  const points = content ? 5 : 1;
  if (state.inFlight >= limits.concurrent) return { which: "concurrent", waitMs: 1000 };
  const minute = state.log.filter((c) => c.at > now - limits.minuteMs);
  const sum = (entries: readonly Counted[]): number => entries.reduce((total, c) => total + c.points, 0);
  if (sum(minute) + points > limits.pointsPerMinute) {
    return { which: "points", waitMs: freesIn(minute, limits.minuteMs, now, (kept) => sum(kept) + points > limits.pointsPerMinute) };
  }
  if (!content) return undefined;
  const written = (entries: readonly Counted[]): Counted[] => entries.filter((c) => c.content);
  if (written(minute).length >= limits.contentPerMinute) {
    const w = written(minute);
    return { which: "content-minute", waitMs: freesIn(w, limits.minuteMs, now, (kept) => kept.length >= limits.contentPerMinute) };
  }
  const inHour = written(state.log);
  if (inHour.length >= limits.contentPerHour) {
    return { which: "content-hour", waitMs: freesIn(inHour, hour, now, (kept) => kept.length >= limits.contentPerHour) };
  }
  return undefined;
}

/** Counts an admitted request (its points, and whether it generates content). */
export function countRequest(state: LimitState, method: string, now: number = Date.now()): void {
  if (!state.limits) return;
  const content = WRITES.has(method.toUpperCase());
  state.log.push({ at: now, points: content ? 5 : 1, content });
}
