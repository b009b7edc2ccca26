// The configuration repository's files through GitHub's git data API, read before any write: one recursive tree
// (GET /repos/{owner}/{repo}/git/trees/{tree_sha}?recursive=1; tree_sha may be a commit or a ref name), blobs by
// SHA, the contents API for a path a truncated tree may have left out, and the tags a semver range picks from.
import semver from "semver";
import type { Octokit } from "./client.ts";
import type { Git } from "../inputs/settings.ts";
import { ActionError, messageOf, statusOf } from "../errors.ts";

export interface TreeEntry {
  readonly path: string;
  readonly type: "blob" | "tree" | "commit";
  readonly sha: string;
  /** Blobs only. */
  readonly size: number | undefined;
}

export interface Tree {
  /** The tree's own SHA. */
  readonly sha: string;
  readonly entries: readonly TreeEntry[];
  /** GitHub cut the listing short (over 100,000 entries or 7 MB): an absent path may still exist. */
  readonly truncated: boolean;
}

/** The token can see the repository (getRepository proved it) but not its files: say which permission is missing. */
function unreadable(git: Git, error: unknown): never {
  const status = statusOf(error);
  if (status === 401 || status === 403 || status === 404) {
    throw new ActionError("github-token-permission", {
      title: "Repository files not readable",
      message:
        `The github-token may not read the files of ${git.fullName} (HTTP ${status}: ${messageOf(error)}).\n` +
        "Before any write the action reads the files at the ref Flux uses, to check the paths and manifests: give the token " +
        "Contents: read (GitHub App or fine-grained PAT) besides Administration: write, or set `repository-check: false` " +
        "to leave the paths to Flux.",
      cause: error,
    });
  }
  throw error;
}

/** The tree at `treeish` (a commit, a tree SHA, a branch or tag name): every entry below it, or with `recursive` false its own. */
export async function readTree(octokit: Octokit, git: Git, treeish: string, recursive = true): Promise<Tree> {
  try {
    const { data } = await octokit.rest.git.getTree({
      owner: git.owner,
      repo: git.repo,
      tree_sha: treeish,
      ...(recursive ? { recursive: "1" } : {}),
    });
    const entries = data.tree.flatMap((e): TreeEntry[] =>
      e.path && e.sha && (e.type === "blob" || e.type === "tree" || e.type === "commit")
        ? [{ path: e.path, type: e.type, sha: e.sha, size: e.size }]
        : [],
    );
    return { sha: data.sha, entries, truncated: data.truncated };
  } catch (error) {
    return unreadable(git, error);
  }
}

export async function readBlob(octokit: Octokit, git: Git, sha: string): Promise<string> {
  try {
    const { data } = await octokit.rest.git.getBlob({ owner: git.owner, repo: git.repo, file_sha: sha });
    return Buffer.from(data.content, data.encoding === "base64" ? "base64" : "utf8").toString("utf8");
  } catch (error) {
    return unreadable(git, error);
  }
}

/**
 * The tag a semver range picks, as Flux does: the highest tag that is a semantic version (a leading `v` allowed)
 * inside the range. Flux reads constraints with Masterminds/semver, where `,` means "and"; node-semver spells that
 * with a space, otherwise the common forms (`>=1.0.0 <2.0.0`, `~1.2`, `^1`, `1.x`, `||`) read the same.
 */
export async function semverTag(octokit: Octokit, git: Git, range: string): Promise<string | undefined> {
  const constraint = range.replace(/,/g, " ");
  try {
    // Prefix "tags" (GitHub matches refs/<prefix> as a plain string prefix): "tags/" would go out as tags%2F.
    const refs = await octokit.paginate(octokit.rest.git.listMatchingRefs, {
      owner: git.owner,
      repo: git.repo,
      ref: "tags",
      per_page: 100,
    });
    const tags = refs
      .filter((r) => r.ref.startsWith("refs/tags/"))
      .map((r) => r.ref.slice("refs/tags/".length))
      .filter((tag) => semver.valid(tag.replace(/^v/, "")) !== null);
    const best = semver.maxSatisfying(
      tags.map((tag) => tag.replace(/^v/, "")),
      constraint,
    );
    return best === null ? undefined : tags.find((tag) => tag.replace(/^v/, "") === best);
  } catch (error) {
    return unreadable(git, error);
  }
}
