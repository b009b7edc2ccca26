// Repository, branch, commit and tag-ref endpoints, answered from the real bare repositories.
import type { Response, Route } from "../http.ts";
import { effectiveLevel, githubError, onRepo } from "./access.ts";
import { readCommit, readRef, resolveCommit } from "./git-repos.ts";
import { emptyRepoConflict, refJson } from "./rest-git-data.ts";
import type { GitHubState, Repo, TokenGrant } from "./state.ts";

const REPO = String.raw`^/repos/(?<owner>[^/]+)/(?<repo>[^/]+)`;

function ownerJson(state: GitHubState, login: string): Record<string, unknown> {
  return {
    login,
    id: 1000 + login.length,
    type: "Organization",
    url: `${state.apiUrl}/users/${login}`,
    html_url: `${state.serverUrl}/${login}`,
  };
}

export function repoJson(state: GitHubState, repo: Repo, grant?: TokenGrant): Record<string, unknown> {
  const fullName = `${repo.owner}/${repo.name}`;
  const admin = grant ? effectiveLevel(grant, "administration") === "write" : false;
  const push = grant ? effectiveLevel(grant, "contents") === "write" || admin : false;
  const sshHost = new URL(state.serverUrl).hostname;
  return {
    id: repo.id,
    node_id: Buffer.from(`010:Repository${repo.id}`).toString("base64"),
    name: repo.name,
    full_name: fullName,
    private: repo.private,
    visibility: repo.private ? "private" : "public",
    owner: ownerJson(state, repo.owner),
    html_url: `${state.serverUrl}/${fullName}`,
    url: `${state.apiUrl}/repos/${fullName}`,
    keys_url: `${state.apiUrl}/repos/${fullName}/keys{/key_id}`,
    git_url: `git://${sshHost}/${fullName}.git`,
    ssh_url: `ssh://git@${sshHost}:${state.sshPort}/${fullName}.git`,
    clone_url: `${state.serverUrl}/${fullName}.git`,
    default_branch: repo.defaultBranch,
    fork: false,
    archived: false,
    disabled: false,
    created_at: repo.createdAt,
    ...(grant ? { permissions: { admin, maintain: admin, push, triage: push, pull: true } } : {}),
  };
}

async function commitJson(state: GitHubState, repo: Repo, sha: string): Promise<Record<string, unknown>> {
  const details = await readCommit(repo.gitDir, sha);
  const base = `${state.apiUrl}/repos/${repo.owner}/${repo.name}`;
  return {
    sha: details.sha,
    node_id: Buffer.from(`04:Commit${details.sha}`).toString("base64"),
    url: `${base}/commits/${details.sha}`,
    html_url: `${state.serverUrl}/${repo.owner}/${repo.name}/commit/${details.sha}`,
    commit: {
      url: `${base}/git/commits/${details.sha}`,
      message: details.message,
      author: details.author,
      committer: details.committer,
      tree: { sha: details.tree, url: `${base}/git/trees/${details.tree}` },
      verification: { verified: false, reason: "unsigned", signature: null, payload: null },
    },
    parents: details.parents.map((p) => ({ sha: p, url: `${base}/commits/${p}` })),
  };
}

export function repoRoutes(state: GitHubState): Route[] {
  const docs = (page: string): string => `https://docs.github.com/rest/${page}`;
  return [
    {
      method: "GET",
      pattern: new RegExp(`${REPO}$`),
      handler: onRepo(state, undefined, ({ repo, grant }) => ({ status: 200, body: repoJson(state, repo, grant) })),
    },
    {
      method: "GET",
      pattern: new RegExp(`${REPO}/branches/(?<branch>.+)$`),
      handler: onRepo(state, undefined, async ({ repo, request }): Promise<Response> => {
        const branch = request.params["branch"] ?? "";
        const sha = await resolveCommit(repo.gitDir, `refs/heads/${branch}`);
        if (!sha) return githubError(404, "Branch not found", docs("branches/branches#get-a-branch"));
        const base = `${state.apiUrl}/repos/${repo.owner}/${repo.name}`;
        return {
          status: 200,
          body: {
            name: branch,
            commit: await commitJson(state, repo, sha),
            _links: { self: `${base}/branches/${branch}`, html: `${state.serverUrl}/${repo.owner}/${repo.name}/tree/${branch}` },
            protected: false,
            protection_url: `${base}/branches/${branch}/protection`,
          },
        };
      }),
    },
    {
      method: "GET",
      pattern: new RegExp(`${REPO}/commits/(?<ref>.+)$`),
      handler: onRepo(state, undefined, async ({ repo, request }): Promise<Response> => {
        const empty = await emptyRepoConflict(repo, docs("commits/commits#get-a-commit"));
        if (empty) return empty;
        const ref = request.params["ref"] ?? "";
        const sha = await resolveCommit(repo.gitDir, ref);
        if (!sha) return githubError(422, `No commit found for SHA: ${ref}`, docs("commits/commits#get-a-commit"));
        return { status: 200, body: { ...(await commitJson(state, repo, sha)), files: [] } };
      }),
    },
    {
      method: "GET",
      pattern: new RegExp(`${REPO}/git/ref/(?<ref>(?:tags|heads)/.+)$`),
      handler: onRepo(state, undefined, async ({ repo, request }): Promise<Response> => {
        const empty = await emptyRepoConflict(repo, docs("git/refs#get-a-reference"));
        if (empty) return empty;
        const ref = `refs/${request.params["ref"] ?? ""}`;
        const target = await readRef(repo.gitDir, ref);
        if (!target) return githubError(404, "Not Found", docs("git/refs#get-a-reference"));
        return { status: 200, body: refJson(state, repo, { ref, ...target }) };
      }),
    },
  ];
}
