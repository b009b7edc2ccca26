// Real bare git repositories for the stand-in: seeding a Flux-style tree, committing files straight into a
// bare repo with git fast-import (no work tree), tags and ref lookups. All asynchronous.
import { spawn } from "node:child_process";

/** File path to content; `null` deletes the path. */
export type FileChanges = Readonly<Record<string, string | null>>;

const IDENTITY = {
  GIT_AUTHOR_NAME: "Local Cloud",
  GIT_AUTHOR_EMAIL: "local-cloud@example.invalid",
  GIT_COMMITTER_NAME: "Local Cloud",
  GIT_COMMITTER_EMAIL: "local-cloud@example.invalid",
};

/** Runs git; resolves with stdout as bytes, rejects with stderr on a non-zero exit. */
export function gitBytes(
  args: readonly string[],
  options: { gitDir?: string; input?: string | Buffer; env?: Record<string, string> } = {},
): Promise<Buffer> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    ...IDENTITY,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_TERMINAL_PROMPT: "0",
    // Paths given after `--` are paths, never pathspec magic (`:(glob)`, `*`).
    GIT_LITERAL_PATHSPECS: "1",
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
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`git ${args[0] ?? ""} failed: ${Buffer.concat(err).toString("utf8").trim()}`));
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input);
  });
}

/** Runs git; resolves with stdout as text. */
export async function git(
  args: readonly string[],
  options: { gitDir?: string; input?: string | Buffer; env?: Record<string, string> } = {},
): Promise<string> {
  return (await gitBytes(args, options)).toString("utf8");
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

/** A path for a fast-import command, C-quoted as git reads it. */
function quoted(path: string): string {
  return `"${path.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/** Commits `files` on top of `branch` (or as its first commit) and moves the branch; returns the new sha. One
 *  `git fast-import` writes every blob and the commit into one pack, so a 2,000-file repository seeds in well under a
 *  second even on a slow file system (loose objects would be one file each). */
export async function commitFiles(gitDir: string, branch: string, files: FileChanges, message: string): Promise<string> {
  if (!isPlainRef(branch)) throw new Error(`Cannot commit to branch ${branch}`);
  const parent = await resolveCommit(gitDir, `refs/heads/${branch}`);
  const chunks: Buffer[] = [];
  const data = (bytes: Buffer): void => void chunks.push(Buffer.from(`data ${bytes.length}\n`), bytes, Buffer.from("\n"));
  const entries = Object.entries(files);
  entries.forEach(([, content], i) => {
    if (content === null) return;
    chunks.push(Buffer.from(`blob\nmark :${i + 1}\n`));
    data(Buffer.from(content));
  });
  const when = `${Math.floor(Date.now() / 1000)} +0000`;
  chunks.push(
    Buffer.from(
      `commit refs/heads/${branch}\nauthor ${IDENTITY.GIT_AUTHOR_NAME} <${IDENTITY.GIT_AUTHOR_EMAIL}> ${when}\n` +
        `committer ${IDENTITY.GIT_COMMITTER_NAME} <${IDENTITY.GIT_COMMITTER_EMAIL}> ${when}\n`,
    ),
  );
  data(Buffer.from(message));
  if (parent) chunks.push(Buffer.from(`from ${parent}\n`));
  entries.forEach(([path, content], i) => {
    chunks.push(Buffer.from(content === null ? `D ${quoted(path)}\n` : `M 100644 :${i + 1} ${quoted(path)}\n`));
  });
  chunks.push(Buffer.from("\ndone\n"));
  await git(["fast-import", "--quiet", "--done"], { gitDir, input: Buffer.concat(chunks) });
  const sha = await resolveCommit(gitDir, `refs/heads/${branch}`);
  if (!sha) throw new Error(`git fast-import left no branch ${branch}`);
  return sha;
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
