// GitHub REST calls: repository, commits, /meta and deploy keys, through Octokit with retry and throttling.
import * as core from "@actions/core";
import { getOctokit } from "@actions/github";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import type { Git, GitRef } from "./settings.ts";
import { ActionError, messageOf, statusOf } from "./errors.ts";

export type Octokit = ReturnType<typeof getOctokit>;

export function createOctokit(git: Git): Octokit {
  const octokit = getOctokit(
    git.githubToken,
    {
      baseUrl: git.githubApiUrl,
      // Retries go in `retry`, not `request.retries`: the latter makes plugin-retry retry every error, 4xx included.
      retry: { retries: 4 },
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
  octokit.hook.wrap("request", async (request, options) => {
    const started = performance.now();
    // The expanded path (`/repos/o/r/keys`), without the query string.
    const path = octokit.request.endpoint.parse(options).url.replace(git.githubApiUrl, "").replace(/\?.*$/, "");
    try {
      const response = await request(options);
      core.debug(`github: ${options.method} ${path} -> ${response.status} (${Math.round(performance.now() - started)} ms)`);
      return response;
    } catch (error) {
      core.debug(`github: ${options.method} ${path} -> ${statusOf(error) ?? "error"} (${Math.round(performance.now() - started)} ms)`);
      // Name the call, so an error no phase explains still says where it happened.
      if (error instanceof Error && !error.message.startsWith("GitHub API ")) {
        error.message = `GitHub API ${options.method} ${path} failed (HTTP ${statusOf(error) ?? "?"}): ${error.message}`;
      }
      throw error;
    }
  });
  return octokit;
}

export interface Repository {
  readonly defaultBranch: string;
  readonly htmlUrl: string;
  readonly private: boolean;
}

function tokenProblem(git: Git, action: string, error: unknown): ActionError {
  return new ActionError("github-token-permission", {
    title: "GitHub token lacks Administration: write",
    message:
      `The github-token may not ${action} on ${git.owner}/${git.repo} (HTTP ${statusOf(error) ?? "?"}: ${messageOf(error)}).\n` +
      "Deploy keys need a token with the repository permission Administration: read and write: a GitHub App installation token " +
      "(actions/create-github-app-token) or a fine-grained PAT. The workflow's GITHUB_TOKEN can never manage deploy keys.",
    cause: error,
  });
}

export async function getRepository(octokit: Octokit, git: Git): Promise<Repository> {
  try {
    const { data } = await octokit.rest.repos.get({ owner: git.owner, repo: git.repo });
    return { defaultBranch: data.default_branch, htmlUrl: data.html_url, private: data.private };
  } catch (error) {
    const status = statusOf(error);
    if (status === 404) {
      throw new ActionError("github-repository-not-found", {
        title: "Repository not found",
        message:
          `GitHub answered 404 for ${git.owner}/${git.repo}: either it does not exist or the github-token cannot see it. ` +
          "Check `repository`, and that the GitHub App is installed on that repository.",
        cause: error,
      });
    }
    if (status === 401 || status === 403) throw tokenProblem(git, "read the repository", error);
    throw error;
  }
}

/** The commit Flux must end up at: a branch head, a tag's commit, or the given commit. */
export async function resolveCommit(octokit: Octokit, git: Git, ref: GitRef, branch: string): Promise<string | undefined> {
  const target = ref.kind === "commit" ? ref.commit : ref.kind === "tag" ? `refs/tags/${ref.tag}` : ref.kind === "branch" ? branch : undefined;
  if (target === undefined) return undefined; // semver: the cluster picks the tag
  try {
    const { data } = await octokit.rest.repos.getCommit({ owner: git.owner, repo: git.repo, ref: target });
    return data.sha;
  } catch (error) {
    if (statusOf(error) === 404 || statusOf(error) === 422) {
      throw new ActionError("invalid-input", {
        title: "Git reference not found",
        message: `${ref.kind} '${target}' was not found in ${git.owner}/${git.repo}. Check the ${ref.kind} input.`,
        cause: error,
      });
    }
    throw error;
  }
}

export interface Meta {
  readonly ssh_keys?: string[];
  readonly ssh_key_fingerprints?: Record<string, string>;
}

export async function getMeta(octokit: Octokit): Promise<Meta> {
  const { data } = await octokit.rest.meta.get();
  return data as Meta;
}

export interface DeployKey {
  readonly id: number;
  readonly key: string;
  readonly title: string;
  readonly readOnly: boolean;
  readonly createdAt: string;
  readonly lastUsed: string | undefined;
}

interface DeployKeyData {
  id: number;
  key: string;
  title: string;
  read_only: boolean;
  created_at: string;
  last_used?: string | null;
}

function toDeployKey(k: DeployKeyData): DeployKey {
  return { id: k.id, key: k.key, title: k.title, readOnly: k.read_only, createdAt: k.created_at, lastUsed: k.last_used ?? undefined };
}

export async function listDeployKeys(octokit: Octokit, git: Git): Promise<DeployKey[]> {
  try {
    const keys = await octokit.paginate(octokit.rest.repos.listDeployKeys, { owner: git.owner, repo: git.repo, per_page: 100 });
    return keys.map((k) => toDeployKey(k));
  } catch (error) {
    if (statusOf(error) === 403 || statusOf(error) === 404) throw tokenProblem(git, "list deploy keys", error);
    throw error;
  }
}

export async function addDeployKey(octokit: Octokit, git: Git, title: string, publicKey: string, readOnly: boolean): Promise<DeployKey> {
  try {
    const { data } = await octokit.rest.repos.createDeployKey({
      owner: git.owner,
      repo: git.repo,
      title,
      key: publicKey,
      read_only: readOnly,
    });
    return toDeployKey(data);
  } catch (error) {
    const text = JSON.stringify((error as { response?: { data?: unknown } }).response?.data ?? "");
    if (statusOf(error) === 422 && text.includes("Deploy keys are disabled")) {
      throw new ActionError("deploy-keys-disabled", {
        title: "Deploy keys are disabled",
        message:
          `GitHub refused the deploy key: deploy keys are disabled for ${git.owner}/${git.repo} by an organization or enterprise policy. ` +
          `An organization owner can allow them: Organization settings → Member privileges → "Deploy keys" (API: PATCH /orgs/${git.owner} deploy_keys_enabled_for_repositories=true).`,
        cause: error,
      });
    }
    if (statusOf(error) === 422 && text.includes("already in use")) {
      throw new ActionError("deploy-key-in-use", {
        title: "Key already in use",
        message:
          "GitHub says this public key is already in use (a deploy key is unique across all of GitHub). " +
          "This action generates a fresh key each time, so this means the same key was registered elsewhere; re-run to generate a new one.",
        cause: error,
      });
    }
    if (statusOf(error) === 403 || statusOf(error) === 404) throw tokenProblem(git, "add a deploy key", error);
    throw error;
  }
}

/** Deletes a deploy key; an already-deleted key is fine. */
export async function deleteDeployKey(octokit: Octokit, git: Git, id: number): Promise<void> {
  try {
    await octokit.rest.repos.deleteDeployKey({ owner: git.owner, repo: git.repo, key_id: id });
  } catch (error) {
    if (statusOf(error) === 404) return;
    if (statusOf(error) === 403) throw tokenProblem(git, `delete deploy key ${id} (remove it by hand if it stays)`, error);
    throw error;
  }
}

export async function getDeployKey(octokit: Octokit, git: Git, id: number): Promise<DeployKey | undefined> {
  try {
    const { data } = await octokit.rest.repos.getDeployKey({ owner: git.owner, repo: git.repo, key_id: id });
    return toDeployKey(data);
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}
