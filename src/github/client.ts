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
        onRateLimit: (retryAfter: number, options: { method: string; url: string }, _o: unknown, retryCount: number) => {
          core.warning(`GitHub rate limit hit for ${options.method} ${options.url}; retrying in ${retryAfter}s.`);
          return retryCount < 3;
        },
        onSecondaryRateLimit: (retryAfter: number, options: { method: string; url: string }, _o: unknown, retryCount: number) => {
          core.warning(`GitHub secondary rate limit for ${options.method} ${options.url}; retrying in ${retryAfter}s.`);
          return retryCount < 3;
        },
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
      // Name the call, so an error no phase explains still says where it happened.
      if (error instanceof Error && !error.message.startsWith("GitHub API ")) {
        error.message = `GitHub API ${request.method} ${path} failed (HTTP ${statusOf(error) ?? "?"}): ${error.message}`;
      }
      throw error;
    }
  });
  return octokit;
}

/** The error for a token that may not do `action` on the repository (deploy keys need Administration: write). */
export function tokenProblem(git: Git, action: string, error: unknown): ActionError {
  return new ActionError("github-token-permission", {
    title: "GitHub token lacks Administration: write",
    message:
      `The github-token may not ${action} on ${git.owner}/${git.repo} (HTTP ${statusOf(error) ?? "?"}: ${messageOf(error)}).\n` +
      "Deploy keys need a token with the repository permission Administration: read and write: a GitHub App installation token " +
      "(actions/create-github-app-token) or a fine-grained PAT. The workflow's GITHUB_TOKEN can never manage deploy keys.",
    cause: error,
  });
}
