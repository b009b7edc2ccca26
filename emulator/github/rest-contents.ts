// GET /repos/{owner}/{repo}/contents/{path}?ref=: a file or a directory at a commit, branch or tag, from the real bare
// repository. Shapes: schemas content-file, content-directory, content-symlink, content-tree of github/rest-api-description
// (as @octokit/openapi-types 29.0.1 carries operation repos/get-content). Texts the spec does not hold:
// - an empty repository: 404 "This repository is empty." (CenterForOpenScience/waterbutler's GitHub provider maps exactly
//   that message to an empty folder listing);
// - an unknown ref: 404 "No commit found for the ref <ref>" (clients match that message, e.g. in a `gh` stub replaying
//   `{"message":"No commit found for the ref v9.9.9","status":"404"}`);
// - a file over 1 MB with the default media type: 403 "This API returns blobs up to 1 MB in size. …" with errors
//   [{resource: "Blob", field: "data", code: "too_large"}] (an error recorded in a client's comments, quoted below).
import { posix } from "node:path";
import type { Request, Response, Route } from "../http.ts";
import { githubError, onRepo } from "./access.ts";
import { githubBase64, isEmptyRepo, listTree, peel, readBlob } from "./git-objects.ts";
import type { TreeEntry } from "./git-objects.ts";
import { resolveCommit } from "./git-repos.ts";
import { contentsRead, rawBody, wantsRaw } from "./rest-git-data.ts";
import type { GitHubState, Repo } from "./state.ts";

const DOCS = "https://docs.github.com/rest/repos/contents#get-repository-content";
/** "If the requested file's size is: 1 MB or smaller: All features of this endpoint are supported." */
const INLINE_MAX = 1024 * 1024;
/** "This API has an upper limit of 1,000 files for a directory." */
const DIRECTORY_MAX = 1000;
const TOO_LARGE =
  "This API returns blobs up to 1 MB in size. The requested blob is too large to fetch via the API, " +
  "but you can use the Git Data API to request blobs up to 100 MB in size.";

interface Place {
  readonly state: GitHubState;
  readonly repo: Repo;
  readonly ref: string;
}

/** The fields every content object carries (url, git_url, html_url, download_url, _links). */
function described(place: Place, entry: TreeEntry, path: string, type: string): Record<string, unknown> {
  const { state, repo, ref } = place;
  const full = `${repo.owner}/${repo.name}`;
  const url = `${state.apiUrl}/repos/${full}/contents/${path}?ref=${encodeURIComponent(ref)}`;
  const folder = entry.type === "tree";
  const gitUrl = entry.type === "commit" ? null : `${state.apiUrl}/repos/${full}/git/${folder ? "trees" : "blobs"}/${entry.sha}`;
  const htmlUrl = entry.type === "commit" ? null : `${state.serverUrl}/${full}/${folder ? "tree" : "blob"}/${ref}/${path}`;
  return {
    type,
    size: entry.size ?? 0,
    name: posix.basename(path),
    path,
    sha: entry.sha,
    url,
    git_url: gitUrl,
    html_url: htmlUrl,
    // raw.githubusercontent.com's counterpart; the local GitHub does not serve it.
    download_url: entry.type === "blob" ? `${state.serverUrl}/${full}/raw/${ref}/${path}` : null,
    _links: { self: url, git: gitUrl, html: htmlUrl },
  };
}

/** Directory listing type: "dir", "file", "symlink"; submodules are "file" ("for backwards compatibility purposes"). */
function listedType(entry: TreeEntry): string {
  if (entry.type === "tree") return "dir";
  return entry.mode === "120000" ? "symlink" : "file";
}

async function fileAnswer(place: Place, request: Request, entry: TreeEntry, path: string): Promise<Response> {
  const bytes = await readBlob(place.repo.gitDir, entry.sha);
  if (wantsRaw(request)) return rawBody(bytes);
  if (bytes.length > INLINE_MAX) {
    // Recorded: {'message': 'This API returns blobs up to 1 MB in size. The requested blob is too large to fetch via
    // the API, but you can use the Git Data API to request blobs up to 100 MB in size.', 'errors': [{'resource':
    // 'Blob', 'field': 'data', 'code': 'too_large'}], 'documentation_url': ...}
    return {
      status: 403,
      body: { message: TOO_LARGE, errors: [{ resource: "Blob", field: "data", code: "too_large" }], documentation_url: DOCS },
    };
  }
  return { status: 200, body: { ...described(place, entry, path, "file"), content: githubBase64(bytes), encoding: "base64" } };
}

async function contentsAnswer(state: GitHubState, repo: Repo, request: Request): Promise<Response> {
  if (await isEmptyRepo(repo.gitDir)) return githubError(404, "This repository is empty.", DOCS);
  // ref: "The name of the commit/branch/tag. Default: the repository's default branch."
  const ref = request.url.searchParams.get("ref") || repo.defaultBranch;
  const commit = await resolveCommit(repo.gitDir, ref);
  if (!commit) return githubError(404, `No commit found for the ref ${ref}`, DOCS);
  const place = { state, repo, ref };
  const path = (request.params["path"] ?? "").replace(/^\/+|\/+$/g, "");
  const folder = path ? (await listTree(repo.gitDir, commit, { under: path })).find((e) => e.path === path) : undefined;
  if (path && !folder) return githubError(404, "Not Found", DOCS);
  if (folder?.type === "blob" && folder.mode === "120000") {
    // "If the content is a symlink and the symlink's target is a normal file in the repository, then the API responds
    // with the content of the file. Otherwise, the API responds with an object describing the symlink itself."
    const target = (await readBlob(repo.gitDir, folder.sha)).toString("utf8");
    const resolved = posix.normalize(posix.join(posix.dirname(path), target));
    const file = (await listTree(repo.gitDir, commit, { under: resolved })).find((e) => e.path === resolved);
    if (file?.type === "blob" && file.mode !== "120000") return fileAnswer(place, request, file, resolved);
    return { status: 200, body: { ...described(place, folder, path, "symlink"), target } };
  }
  if (folder?.type === "blob") return fileAnswer(place, request, folder, path);
  if (folder?.type === "commit") return { status: 200, body: { ...described(place, folder, path, "submodule"), submodule_git_url: "" } };
  const tree = folder?.sha ?? (await peel(repo.gitDir, commit, "tree")) ?? commit;
  const entries = (await listTree(repo.gitDir, tree))
    .slice(0, DIRECTORY_MAX)
    .map((e) => described(place, e, path ? `${path}/${e.path}` : e.path, listedType(e)));
  // application/vnd.github.object: "instead of an array of objects for a directory, the response will be an object with
  // an entries attribute containing the array of objects".
  if (/application\/vnd\.github(?:\.v3)?\.object/.test(request.headers.accept ?? "")) {
    const self: TreeEntry = { path, mode: "040000", type: "tree", sha: tree };
    return { status: 200, body: { ...described(place, self, path, "dir"), entries } };
  }
  return { status: 200, body: entries };
}

export function contentsRoutes(state: GitHubState): Route[] {
  return [
    {
      method: "GET",
      pattern: /^\/repos\/(?<owner>[^/]+)\/(?<repo>[^/]+)\/contents(?:\/(?<path>.*))?$/,
      handler: onRepo(state, contentsRead(DOCS), ({ repo, request }) => contentsAnswer(state, repo, request)),
    },
  ];
}
