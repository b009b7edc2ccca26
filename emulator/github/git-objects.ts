// Reading a bare repository's objects the way GitHub's git data API shows them, straight from git: trees with
// `git ls-tree -l [-r -t] -z`, blobs with `git cat-file`, refs with `git for-each-ref`, tags with `git cat-file -p`.
import { git, gitBytes, isPlainRef } from "./git-repos.ts";

export interface TreeEntry {
  /** Relative to the listed tree. */
  readonly path: string;
  /** "100644", "100755", "040000", "120000", "160000" (GitHub pads tree modes to six digits, git prints "040000" too). */
  readonly mode: string;
  readonly type: "blob" | "tree" | "commit";
  readonly sha: string;
  /** Blobs only. */
  readonly size?: number;
}

/** True when the repository has no commit on any branch: GitHub's "Git Repository is empty." */
export async function isEmptyRepo(gitDir: string): Promise<boolean> {
  return (await git(["for-each-ref", "--count=1", "--format=%(refname)", "refs/heads/"], { gitDir })).trim() === "";
}

/** The object a name resolves to, peeled to `type` (commit, tree, blob), or undefined. */
export async function peel(gitDir: string, name: string, type: "commit" | "tree" | "blob"): Promise<string | undefined> {
  if (!isPlainRef(name)) return undefined;
  try {
    return (await git(["rev-parse", "--verify", "--quiet", `${name}^{${type}}`], { gitDir })).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The type of an object given by its full or abbreviated hex name, or undefined when there is none. */
export async function objectType(gitDir: string, sha: string): Promise<string | undefined> {
  if (!/^[0-9a-f]{4,64}$/i.test(sha)) return undefined;
  try {
    return (await git(["cat-file", "-t", sha], { gitDir })).trim();
  } catch {
    return undefined;
  }
}

/** Entries of a tree (all of them, depth first with each folder before its contents, when recursive); `under`
 *  limits the listing to one path (the entry itself, as `git ls-tree <tree> -- <path>` does). */
export async function listTree(gitDir: string, tree: string, options: { recursive?: boolean; under?: string } = {}): Promise<TreeEntry[]> {
  const args = ["ls-tree", "-l", "-z", ...(options.recursive ? ["-r", "-t"] : []), tree, ...(options.under ? ["--", options.under] : [])];
  const out = await git(args, { gitDir });
  return out
    .split("\0")
    .filter(Boolean)
    .map((record) => {
      const tab = record.indexOf("\t");
      const [mode = "", type = "", sha = "", size = "-"] = record.slice(0, tab).split(/ +/);
      const entry = { path: record.slice(tab + 1), mode, type: type as TreeEntry["type"], sha };
      return size === "-" ? entry : { ...entry, size: Number(size) };
    });
}

export async function readBlob(gitDir: string, sha: string): Promise<Buffer> {
  return gitBytes(["cat-file", "blob", sha], { gitDir });
}

/** Base64 as GitHub's git data and contents APIs send it: lines of 60 characters, each ending with "\n". Evidence:
 *  the blob example of the GitHub Enterprise 2.1 docs (developer/v3/git/blobs) is `"content": "Q29udGVudCBvZiB0aGUgYmxvYg==\n"`;
 *  nubank/clj-github-mock#8 "Include line breaks every 60 characters ... to mirror what the actual GitHub API does";
 *  ovity/octotree#149 "Some blob returns base64 content including `\n`" (Ruby's Base64.encode64 does exactly this). */
export function githubBase64(bytes: Buffer): string {
  const flat = bytes.toString("base64");
  let out = "";
  for (let i = 0; i < flat.length; i += 60) out += `${flat.slice(i, i + 60)}\n`;
  return out;
}

export interface RefTarget {
  /** Full name, `refs/tags/v1.0.0`. */
  readonly ref: string;
  readonly sha: string;
  /** What the ref points at without peeling: "commit" or "tag" (annotated). */
  readonly type: string;
}

/** Every ref under refs/ whose full name starts with `prefix` (a plain string prefix, as GitHub matches), by name. */
export async function matchingRefs(gitDir: string, prefix: string): Promise<RefTarget[]> {
  const out = await git(["for-each-ref", "--format=%(refname)%00%(objectname)%00%(objecttype)", "refs/"], { gitDir });
  return out
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [ref = "", sha = "", type = ""] = line.split("\0");
      return { ref, sha, type };
    })
    .filter((r) => r.ref.startsWith(prefix));
}

export interface TagObject {
  readonly sha: string;
  readonly tag: string;
  readonly message: string;
  readonly tagger: { readonly name: string; readonly email: string; readonly date: string };
  readonly object: { readonly sha: string; readonly type: string };
}

/** An annotated tag object, or undefined when `sha` names none. */
export async function readTag(gitDir: string, sha: string): Promise<TagObject | undefined> {
  if ((await objectType(gitDir, sha)) !== "tag") return undefined;
  const full = (await git(["rev-parse", "--verify", sha], { gitDir })).trim();
  const text = await git(["cat-file", "tag", full], { gitDir });
  const split = text.indexOf("\n\n");
  const headers = new Map(
    text
      .slice(0, split < 0 ? text.length : split)
      .split("\n")
      .map((line) => [line.slice(0, line.indexOf(" ")), line.slice(line.indexOf(" ") + 1)] as const),
  );
  // "tagger Name <email> 1700000000 +0000"
  const tagger = /^(.*) <(.*)> (\d+) [+-]\d{4}$/.exec(headers.get("tagger") ?? "");
  return {
    sha: full,
    tag: headers.get("tag") ?? "",
    message: split < 0 ? "" : text.slice(split + 2),
    tagger: {
      name: tagger?.[1] ?? "",
      email: tagger?.[2] ?? "",
      date: new Date(Number(tagger?.[3] ?? 0) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
    },
    object: { sha: headers.get("object") ?? "", type: headers.get("type") ?? "" },
  };
}
