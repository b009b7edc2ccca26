// The GitHub REST client: Octokit with retry and throttling, debug lines for every call, and the error for a token
// that lacks the permission a call needs.
import * as core from "@actions/core";
import { getOctokit } from "@actions/github";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import type { Git } from "../inputs/settings.ts";
import { ActionError, messageOf, statusOf } from "../errors.ts";
import type { WriteGate } from "../write-gate.ts";
import { TOKEN_EXPIRATION, tokenRejected, type TokenExpiry } from "./token.ts";
import { fitsBefore, rateLimitError, secondaryBackoffMs, waitLine, waitOut, type LimitHit } from "../rate-limits.ts";

export type Octokit = ReturnType<typeof getOctokit>;

export interface ClientOptions {
  /** Closed when the run is cancelled: no new write starts. */
  readonly gate?: WriteGate;
  /** Told when GitHub's answers say when the token expires (GitHub-Authentication-Token-Expiration). */
  readonly tokenExpiry?: TokenExpiry;
  /** Retries of a failed call (default 4). */
  readonly retries?: number;
  /** Ends every call when it aborts (a cancelled run's clean-up budget). */
  readonly signal?: AbortSignal;
  /** performance.now() of wait-timeout's end: rate limits are waited out until then (none without it). */
  readonly deadline?: number;
}

type ThrottledRequest = { method: string; url: string };
const PRIMARY = "GitHub's primary rate limit";
const SECONDARY = "GitHub's secondary rate limit";

/**
 * plugin-throttling's callback: wait out the limit when the wait ends before the deadline (see ../rate-limits.ts).
 * `retryAfter` is retry-after, or the time to x-ratelimit-reset (primary); 0 when a secondary limit named no time
 * (fallbackSecondaryRateRetryAfter: 0): then this callback backs off itself, as GitHub's docs say, and the plugin
 * retries at once. Otherwise the plugin sleeps retryAfter after `true`.
 */
function throttled(limit: string, deadline: number | undefined) {
  return async (retryAfter: number, request: ThrottledRequest, _octokit: unknown, retryCount: number): Promise<boolean> => {
    const named = retryAfter > 0;
    const hit: LimitHit = {
      limit,
      request: `${request.method} ${request.url}`,
      waitMs: named ? retryAfter * 1000 : secondaryBackoffMs(retryCount),
      reason: named ? (limit === PRIMARY ? "until x-ratelimit-reset" : `retry-after: ${retryAfter}`) : "no retry-after: GitHub's back-off",
      attempt: retryCount + 1,
    };
    if (deadline === undefined || !fitsBefore(hit, deadline)) return false;
    if (!named) await waitOut(hit, deadline);
    else core.info(waitLine(hit, deadline));
    return true;
  };
}

export function createOctokit(git: Git, options: ClientOptions = {}): Octokit {
  const octokit = getOctokit(
    git.githubToken,
    {
      baseUrl: git.githubApiUrl,
      // Retries go in `retry`, not `request.retries`: the latter makes plugin-retry retry every error, 4xx included.
      retry: { retries: options.retries ?? 4 },
      ...(options.signal ? { request: { signal: options.signal } } : {}),
      throttle: {
        fallbackSecondaryRateRetryAfter: 0,
        onRateLimit: throttled(PRIMARY, options.deadline),
        onSecondaryRateLimit: throttled(SECONDARY, options.deadline),
      },
    },
    retry,
    throttling,
  );
  const { gate, tokenExpiry } = options;
  octokit.hook.wrap("request", async (send, request) => {
    const started = performance.now();
    // The expanded path (`/repos/o/r/keys`), without the query string.
    const path = octokit.request.endpoint.parse(request).url.replace(git.githubApiUrl, "").replace(/\?.*$/, "");
    gate?.check(request.method, path, "github");
    try {
      const response = await send(request);
      core.debug(`github: ${request.method} ${path} -> ${response.status} (${Math.round(performance.now() - started)} ms)`);
      tokenExpiry?.seen(response.headers[TOKEN_EXPIRATION]);
      return response;
    } catch (error) {
      core.debug(`github: ${request.method} ${path} -> ${statusOf(error) ?? "error"} (${Math.round(performance.now() - started)} ms)`);
      if (statusOf(error) === 401) throw tokenRejected(git, `${request.method} ${path}`, error, tokenExpiry?.expiresAt);
      const limit = limitOf(error, `${request.method} ${path}`);
      if (limit) throw rateLimitError(limit, options.deadline ?? performance.now(), error);
      // Name the call, so an error no phase explains still says where it happened.
      if (error instanceof Error && !error.message.startsWith("GitHub API ")) {
        error.message = `GitHub API ${request.method} ${path} failed (HTTP ${statusOf(error) ?? "?"}): ${error.message}`;
      }
      throw error;
    }
  });
  return octokit;
}

/** The limit a 403 or 429 answer names (a rate limit the throttle callbacks did not wait out), if it is one. */
function limitOf(error: unknown, request: string): LimitHit | undefined {
  const status = statusOf(error);
  if (status !== 403 && status !== 429) return undefined;
  const headers = (error as { response?: { headers?: Record<string, string | undefined> } }).response?.headers ?? {};
  const retryAfter = Number(headers["retry-after"]);
  if (/\bsecondary rate\b/i.test(messageOf(error))) {
    const named = Number.isFinite(retryAfter) && retryAfter > 0;
    const waitMs = named ? retryAfter * 1000 : secondaryBackoffMs(0);
    return {
      limit: SECONDARY,
      request,
      waitMs,
      reason: named ? `retry-after: ${retryAfter}` : "no retry-after: GitHub's back-off",
      attempt: 1,
    };
  }
  if (headers["x-ratelimit-remaining"] !== "0") return undefined;
  const waitMs = Math.max(0, Number(headers["x-ratelimit-reset"]) * 1000 - Date.now());
  return { limit: PRIMARY, request, waitMs, reason: "until x-ratelimit-reset", attempt: 1 };
}

/** The error for a token that may not do `action` on the repository (deploy keys need Administration: write). */
export function tokenProblem(git: Git, action: string, error: unknown): ActionError {
  return new ActionError("github-token-permission", {
    title: "GitHub token lacks Administration: write",
    message:
      `The github-token may not ${action} on ${git.fullName} (HTTP ${statusOf(error) ?? "?"}: ${messageOf(error)}).\n` +
      "Deploy keys need a token with the repository permission Administration: read and write: a GitHub App installation token " +
      "(actions/create-github-app-token) or a fine-grained PAT. The workflow's GITHUB_TOKEN can never manage deploy keys.",
    cause: error,
  });
}
