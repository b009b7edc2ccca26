// The git database endpoints (trees, blobs, matching refs, annotated tags), answered from the real bare repositories.
// Shapes and statuses follow github/rest-api-description as @octokit/openapi-types 29.0.1 carries it (operations
// git/get-tree, git/get-blob, git/list-matching-refs, git/get-tag; schemas git-tree, blob, git-ref, git-tag): each may
// answer 404 not_found and 409 conflict. The 409 of an empty repository reads "Git Repository is empty." (composer's log
// of GET /repos/…/git/refs/heads: `HTTP/2 409 {"message":"Git Repository is empty."}`; go-github users test
// `StatusConflict && Message == "Git Repository is empty."` on GetRef).
import type { Request, Response, Route } from "../http.ts";
import { githubError, onRepo } from "./access.ts";
import type { Need } from "./access.ts";
import { githubBase64, isEmptyRepo, listTree, matchingRefs, objectType, peel, readBlob, readTag } from "./git-objects.ts";
import type { RefTarget, TreeEntry } from "./git-objects.ts";
import type { GitHubState, Repo } from "./state.ts";

const REPO = String.raw`^/repos/(?<owner>[^/]+)/(?<repo>[^/]+)`;

export const GIT_DOCS = {
  tree: "https://docs.github.com/rest/git/trees#get-a-tree",
  blob: "https://docs.github.com/rest/git/blobs#get-a-blob",
  matchingRefs: "https://docs.github.com/rest/git/refs#list-matching-references",
  tag: "https://docs.github.com/rest/git/tags#get-a-tag",
} as const;

/** Fine-grained tokens need "Contents" repository permission (read) for these reads; public repositories need none. */
export const contentsRead = (docs: string): Need => ({ permission: "contents", level: "read", docs, publicRead: true });

/** 409 "Git Repository is empty." when the repository has no branch yet, else undefined. */
export async function emptyRepoConflict(repo: Repo, docs: string): Promise<Response | undefined> {
  return (await isEmptyRepo(repo.gitDir)) ? githubError(409, "Git Repository is empty.", docs) : undefined;
}

/** Asked for the raw media type (`application/vnd.github.raw`, or `vnd.github.v3.raw` as Octokit's mediaType.format sends it). */
export function wantsRaw(request: Request): boolean {
  return /application\/vnd\.github(?:\.v3)?\.raw/.test(request.headers.accept ?? "");
}

/** The bytes themselves. GitHub labels them with charset=utf-8 whatever they are (octokit/request.js#751: "Any media
 *  type that isn't JSON and that has UTF-8 charset get cast to text", reproduced with `mediaType: { format: "raw" }`). */
export function rawBody(bytes: Buffer): Response {
  return { status: 200, headers: { "content-type": "application/vnd.github.raw; charset=utf-8" }, body: bytes };
}

export function refJson(state: GitHubState, repo: Repo, target: RefTarget): Record<string, unknown> {
  const base = `${state.apiUrl}/repos/${repo.owner}/${repo.name}/git`;
  const kind = target.type === "tag" ? "tags" : "commits";
  return {
    ref: target.ref,
    node_id: Buffer.from(`03:Ref${repo.id}:${target.ref}`).toString("base64"),
    url: `${base}/${target.ref}`,
    object: { sha: target.sha, type: target.type, url: `${base}/${kind}/${target.sha}` },
  };
}

function entryJson(base: string, entry: TreeEntry): Record<string, unknown> {
  const json = { path: entry.path, mode: entry.mode, type: entry.type, sha: entry.sha };
  // Submodules ("commit") carry neither size nor url: the schema marks both optional, blobs alone have a size.
  if (entry.type === "blob") return { ...json, size: entry.size ?? 0, url: `${base}/blobs/${entry.sha}` };
  return entry.type === "tree" ? { ...json, url: `${base}/trees/${entry.sha}` } : json;
}

async function treeAnswer(state: GitHubState, repo: Repo, request: Request): Promise<Response> {
  const empty = await emptyRepoConflict(repo, GIT_DOCS.tree);
  if (empty) return empty;
  // tree_sha: "The SHA1 value or ref (branch or tag) name of the tree"; a commit's sha names its tree (git's ^{tree}).
  const sha = await peel(repo.gitDir, request.params["sha"] ?? "", "tree");
  if (!sha) return githubError(404, "Not Found", GIT_DOCS.tree);
  // recursive: "Setting this parameter to any value returns the objects or subtrees referenced by the tree ...
  // `0`, `1`, `"true"`, and `"false"`. Omit this parameter to prevent recursively returning". An empty value counts as omitted here.
  const recursive = Boolean(request.url.searchParams.get("recursive"));
  const base = `${state.apiUrl}/repos/${repo.owner}/${repo.name}/git`;
  const tree: Record<string, unknown>[] = [];
  let bytes = 2;
  let truncated = false;
  for (const entry of await listTree(repo.gitDir, sha, { recursive })) {
    const json = entryJson(base, entry);
    const size = JSON.stringify(json).length + 1;
    // The limit applies "when using the `recursive` parameter"; which entries a cut answer keeps is not documented:
    // here the first ones in git's order.
    if (recursive && (tree.length >= state.treeLimit.entries || bytes + size > state.treeLimit.bytes)) {
      truncated = true;
      break;
    }
    tree.push(json);
    bytes += size;
  }
  return { status: 200, body: { sha, url: `${base}/trees/${sha}`, tree, truncated } };
}

async function blobAnswer(state: GitHubState, repo: Repo, request: Request): Promise<Response> {
  const empty = await emptyRepoConflict(repo, GIT_DOCS.blob);
  if (empty) return empty;
  const sha = (request.params["sha"] ?? "").toLowerCase();
  // Full object names only (40 or 64 hex digits); anything else, or an object that is not a blob, is Not Found.
  if (!/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(sha) || (await objectType(repo.gitDir, sha)) !== "blob") {
    return githubError(404, "Not Found", GIT_DOCS.blob);
  }
  const bytes = await readBlob(repo.gitDir, sha);
  if (wantsRaw(request)) return rawBody(bytes);
  return {
    status: 200,
    body: {
      sha,
      node_id: Buffer.from(`04:Blob${repo.id}:${sha}`).toString("base64"),
      size: bytes.length,
      url: `${state.apiUrl}/repos/${repo.owner}/${repo.name}/git/blobs/${sha}`,
      // "The `content` in the response will always be Base64 encoded." (git/get-blob)
      content: githubBase64(bytes),
      encoding: "base64",
    },
  };
}

async function matchingRefsAnswer(state: GitHubState, repo: Repo, request: Request): Promise<Response> {
  const empty = await emptyRepoConflict(repo, GIT_DOCS.matchingRefs);
  if (empty) return empty;
  // "If the :ref doesn't exist in the repository, but existing refs start with :ref, they will be returned as an array."
  const refs = await matchingRefs(repo.gitDir, `refs/${request.params["ref"] ?? ""}`);
  return { status: 200, body: refs.map((r) => refJson(state, repo, r)) };
}

async function tagAnswer(state: GitHubState, repo: Repo, request: Request): Promise<Response> {
  const empty = await emptyRepoConflict(repo, GIT_DOCS.tag);
  if (empty) return empty;
  const tag = await readTag(repo.gitDir, (request.params["sha"] ?? "").toLowerCase());
  if (!tag) return githubError(404, "Not Found", GIT_DOCS.tag);
  const base = `${state.apiUrl}/repos/${repo.owner}/${repo.name}/git`;
  return {
    status: 200,
    body: {
      node_id: Buffer.from(`03:Tag${repo.id}:${tag.sha}`).toString("base64"),
      tag: tag.tag,
      sha: tag.sha,
      url: `${base}/tags/${tag.sha}`,
      message: tag.message,
      tagger: tag.tagger,
      object: { sha: tag.object.sha, type: tag.object.type, url: `${base}/${tag.object.type}s/${tag.object.sha}` },
      verification: { verified: false, reason: "unsigned", signature: null, payload: null },
    },
  };
}

export function gitDataRoutes(state: GitHubState): Route[] {
  const route = (path: string, docs: string, answer: typeof treeAnswer): Route => ({
    method: "GET",
    pattern: new RegExp(`${REPO}${path}$`),
    handler: onRepo(state, contentsRead(docs), ({ repo, request }) => answer(state, repo, request)),
  });
  return [
    route("/git/trees/(?<sha>.+)", GIT_DOCS.tree, treeAnswer),
    route("/git/blobs/(?<sha>[^/]+)", GIT_DOCS.blob, blobAnswer),
    route("/git/matching-refs/(?<ref>.*)", GIT_DOCS.matchingRefs, matchingRefsAnswer),
    route("/git/tags/(?<sha>[^/]+)", GIT_DOCS.tag, tagAnswer),
  ];
}
