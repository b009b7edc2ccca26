// Real bare git repositories for the stand-in: seeding a Flux-style tree, committing files straight into a
// bare repo through a throw-away index (no work tree), tags and ref lookups. All asynchronous.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** File path to content; `null` deletes the path. */
export type FileChanges = Readonly<Record<string, string | null>>;

const IDENTITY = {
  GIT_AUTHOR_NAME: "Local Cloud",
  GIT_AUTHOR_EMAIL: "local-cloud@example.invalid",
  GIT_COMMITTER_NAME: "Local Cloud",
  GIT_COMMITTER_EMAIL: "local-cloud@example.invalid",
};

/** Runs git; resolves with stdout, rejects with stderr on a non-zero exit. */
export function git(
  args: readonly string[],
  options: { gitDir?: string; input?: string; env?: Record<string, string> } = {},
): Promise<string> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    ...IDENTITY,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_TERMINAL_PROMPT: "0",
    ...options.env,
  };
  if (options.gitDir) env["GIT_DIR"] = options.gitDir;
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, { env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString("utf8"));
      else reject(new Error(`git ${args[0] ?? ""} failed: ${Buffer.concat(err).toString("utf8").trim()}`));
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input);
  });
}

/** A small Flux layout: two cluster kustomizations and one app. */
export function defaultFluxTree(): Record<string, string> {
  const kustomization = (cluster: string): string =>
    `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../apps\n` +
    `labels:\n  - pairs:\n      cluster: ${cluster}\n`;
  return {
    "clusters/staging/kustomization.yaml": kustomization("staging"),
    "clusters/production/kustomization.yaml": kustomization("production"),
    "apps/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - podinfo.yaml\n",
    "apps/podinfo.yaml":
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: podinfo\n  namespace: default\nspec:\n  replicas: 1\n" +
      "  selector:\n    matchLabels:\n      app: podinfo\n  template:\n    metadata:\n      labels:\n        app: podinfo\n" +
      "    spec:\n      containers:\n        - name: podinfo\n          image: ghcr.io/stefanprodan/podinfo:6.7.1\n",
    "README.md": "# fleet\n\nFlux manifests for the staging and production clusters.\n",
  };
}

export async function initBareRepo(gitDir: string, defaultBranch: string): Promise<void> {
  await git(["init", "--quiet", "--bare", `--initial-branch=${defaultBranch}`, gitDir]);
}

/** Safe to hand to git as a revision: no options, no revision syntax beyond plain names and hex. */
export function isPlainRef(ref: string): boolean {
  return /^[A-Za-z0-9._/-]+$/.test(ref) && !ref.startsWith("-") && !ref.includes("..");
}

/** The commit sha a ref (branch, tag, full or short sha) names, or undefined. */
export async function resolveCommit(gitDir: string, ref: string): Promise<string | undefined> {
  if (!isPlainRef(ref)) return undefined;
  try {
    return (await git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { gitDir })).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The object a full ref (`refs/heads/x`, `refs/tags/y`) points at, without peeling. */
export async function readRef(gitDir: string, ref: string): Promise<{ sha: string; type: string } | undefined> {
  if (!isPlainRef(ref)) return undefined;
  try {
    const sha = (await git(["rev-parse", "--verify", "--quiet", ref], { gitDir })).trim();
    const type = (await git(["cat-file", "-t", sha], { gitDir })).trim();
    return { sha, type };
  } catch {
    return undefined;
  }
}

/** Commits `files` on top of `branch` (or as its first commit) and moves the branch; returns the new sha. */
export async function commitFiles(gitDir: string, branch: string, files: FileChanges, message: string): Promise<string> {
  const scratch = await mkdtemp(join(tmpdir(), "local-github-index-"));
  const env = { GIT_INDEX_FILE: join(scratch, "index") };
  try {
    const parent = await resolveCommit(gitDir, `refs/heads/${branch}`);
    if (parent) await git(["read-tree", parent], { gitDir, env });
    for (const [path, content] of Object.entries(files)) {
      if (content === null) {
        await git(["update-index", "--force-remove", "--", path], { gitDir, env });
        continue;
      }
      const blob = (await git(["hash-object", "-w", "--stdin"], { gitDir, input: content })).trim();
      await git(["update-index", "--add", "--cacheinfo", `100644,${blob},${path}`], { gitDir, env });
    }
    const tree = (await git(["write-tree"], { gitDir, env })).trim();
    const sha = (await git(["commit-tree", tree, ...(parent ? ["-p", parent] : []), "-m", message], { gitDir })).trim();
    await git(["update-ref", `refs/heads/${branch}`, sha, ...(parent ? [parent] : [])], { gitDir });
    return sha;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Creates a tag at `ref`: lightweight, or annotated when a message is given. Returns the tagged commit. */
export async function tagCommit(gitDir: string, tag: string, ref: string, message?: string): Promise<string> {
  const sha = await resolveCommit(gitDir, ref);
  if (!sha || !isPlainRef(tag)) throw new Error(`Cannot tag ${tag}: no commit ${ref}`);
  await git(message === undefined ? ["tag", tag, sha] : ["tag", "-a", "-m", message, tag, sha], { gitDir });
  return sha;
}

export interface CommitDetails {
  readonly sha: string;
  readonly tree: string;
  readonly parents: readonly string[];
  readonly author: { readonly name: string; readonly email: string; readonly date: string };
  readonly committer: { readonly name: string; readonly email: string; readonly date: string };
  readonly message: string;
}

export async function readCommit(gitDir: string, sha: string): Promise<CommitDetails> {
  const text = await git(["show", "-s", "--format=%H%x00%T%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B", sha], { gitDir });
  const [full = "", tree = "", parents = "", an = "", ae = "", ad = "", cn = "", ce = "", cd = "", message = ""] = text.split("\0");
  const utc = (date: string): string => new Date(date).toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    sha: full,
    tree,
    parents: parents.split(" ").filter(Boolean),
    author: { name: an, email: ae, date: utc(ad) },
    committer: { name: cn, email: ce, date: utc(cd) },
    message: message.replace(/\n+$/, ""),
  };
}
