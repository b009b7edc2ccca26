// The configuration repository as GitHub's REST API shows it: default branch, the commit Flux must reach, /meta.
import type { Octokit } from "./client.ts";
import { tokenProblem } from "./client.ts";
import type { Git, GitRef } from "../inputs/settings.ts";
import { ActionError, statusOf } from "../errors.ts";

export interface Repository {
  readonly defaultBranch: string;
  readonly htmlUrl: string;
  readonly private: boolean;
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
          `GitHub answered 404 for ${git.fullName}: either it does not exist or the github-token cannot see it. ` +
          "Check `repository`, and that the GitHub App is installed on that repository.",
        cause: error,
      });
    }
    if (status === 401 || status === 403) throw tokenProblem(git, "read the repository", error);
    throw error;
  }
}

/**
 * The commit Flux must end up at: a branch head, a tag's commit, or the given commit. `branch`, the branch Flux
 * follows (the given one or the default branch), is awaited for a branch ref only.
 */
export async function resolveCommit(octokit: Octokit, git: Git, ref: GitRef, branch: Promise<string>): Promise<string | undefined> {
  const target =
    ref.kind === "commit" ? ref.commit : ref.kind === "tag" ? `refs/tags/${ref.tag}` : ref.kind === "branch" ? await branch : undefined;
  if (target === undefined) return undefined; // semver: the cluster picks the tag
  try {
    const { data } = await octokit.rest.repos.getCommit({ owner: git.owner, repo: git.repo, ref: target });
    return data.sha;
  } catch (error) {
    if (statusOf(error) === 404 || statusOf(error) === 422) {
      throw new ActionError("invalid-input", {
        title: "Git reference not found",
        message: `${ref.kind} '${target}' was not found in ${git.fullName}. Check the ${ref.kind} input.`,
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
