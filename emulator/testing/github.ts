// Test fixture: a local GitHub behind a throw-away CA, and Octokit clients (from @actions/github) that
// trust that CA explicitly. TLS verification stays on.
import { getOctokit } from "@actions/github";
import type { OctokitOptions, OctokitPlugin } from "@octokit/core/types";
import { Agent, fetch as undiciFetch } from "undici";
import { createTraffic } from "../http.ts";
import type { Traffic } from "../http.ts";
import { createSigningKey } from "../jwt.ts";
import { createLocalTls } from "../tls.ts";
import type { LocalTls } from "../tls.ts";
import { startGitHub } from "../github/index.ts";
import type { GitHubCloud } from "../github/index.ts";

export type Octokit = ReturnType<typeof getOctokit>;

export interface LocalGitHub {
  readonly github: GitHubCloud;
  readonly tls: LocalTls;
  readonly traffic: Traffic;
  /** An Octokit as the action builds it (getOctokit), optionally with extra options and plugins. */
  readonly octokit: (token: string, options?: OctokitOptions, ...plugins: OctokitPlugin[]) => Octokit;
  readonly stop: () => Promise<void>;
}

export async function startLocalGitHub(): Promise<LocalGitHub> {
  const tls = createLocalTls();
  const traffic = createTraffic();
  const github = await startGitHub({ traffic, tls, key: createSigningKey() });
  const agent = new Agent({ connect: { ca: tls.ca } });
  const trustingFetch = ((url: string, init: Record<string, unknown>) =>
    undiciFetch(url, { ...init, dispatcher: agent })) as unknown as typeof fetch;
  return {
    github,
    tls,
    traffic,
    octokit: (token, options, ...plugins) =>
      getOctokit(token, { ...options, baseUrl: github.apiUrl, request: { ...options?.request, fetch: trustingFetch } }, ...plugins),
    stop: async () => {
      await agent.close();
      await github.close();
      tls.dispose();
    },
  };
}

/** Status of an Octokit RequestError, or a failure when the call did not fail. */
export async function failureOf(call: Promise<unknown>): Promise<{ status: number; data: unknown }> {
  try {
    await call;
  } catch (error) {
    const e = error as { status?: number; response?: { data?: unknown } };
    if (typeof e.status === "number") return { status: e.status, data: e.response?.data };
    throw error;
  }
  throw new Error("expected the call to fail");
}
