// A tree GitHub cut short (over 100,000 entries or 7 MB) may leave out the kustomization paths. GitHub's advice for
// such trees is to fetch sub-trees without `recursive`: walk from the root, one folder level a request, to each
// path's own tree, then read that tree recursively. Costs the path's depth + 1 requests (levels shared by paths
// are read once); what lies outside the paths stays unlisted and is said in the log.
import type { Run } from "./run.ts";
import { readTree, type Tree, type TreeEntry } from "../github/repository-tree.ts";

export interface CompletedTree {
  readonly tree: Tree;
  readonly requests: number;
  /** Paths whose own tree GitHub also cut short. */
  readonly stillTruncated: readonly string[];
}

export async function completeTree(run: Run, tree: Tree, paths: readonly string[]): Promise<CompletedTree> {
  const levels = new Map<string, Promise<Tree>>();
  const level = (sha: string): Promise<Tree> => {
    let read = levels.get(sha);
    if (!read) levels.set(sha, (read = readTree(run.octokit, run.settings.git, sha, false)));
    return read;
  };
  let requests = 0;
  const found = new Map<string, TreeEntry>(tree.entries.map((e) => [e.path, e]));
  const stillTruncated: string[] = [];
  for (const path of paths.filter((p) => p !== "" && !found.has(p))) {
    let sha: string | undefined = tree.sha;
    const parts = path.split("/");
    for (let i = 0; i < parts.length && sha !== undefined; i += 1) {
      if (!levels.has(sha)) requests += 1;
      const children: Tree = await level(sha);
      // Every entry of the level walked is listed, so that a missing path can still name its nearest folders.
      const parent = parts.slice(0, i).join("/");
      for (const e of children.entries) {
        const full = parent === "" ? e.path : `${parent}/${e.path}`;
        found.set(full, { ...e, path: full });
      }
      sha = children.entries.find((e) => e.path === parts[i] && e.type === "tree")?.sha;
    }
    if (sha === undefined) continue; // not there: the check says so, naming the nearest folders it saw
    requests += 1;
    const below = await readTree(run.octokit, run.settings.git, sha);
    for (const e of below.entries) found.set(`${path}/${e.path}`, { ...e, path: `${path}/${e.path}` });
    if (below.truncated) stillTruncated.push(path);
  }
  return { tree: { ...tree, entries: [...found.values()] }, requests, stillTruncated };
}
