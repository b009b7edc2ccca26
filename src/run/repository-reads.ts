// The blobs the repository check reads, in as few rounds as it can: the .sourceignore files, the YAML files under
// the paths and (when there are few) the kustomization files elsewhere go in the first round, so that a path's
// kustomization.yaml pointing at ../../apps rarely costs another round; a small repository has all its YAML read in
// that first round, so it never costs another (every write waits for this check); then whatever Flux would apply
// that is not read yet. Capped in number and size; what is left out is said.
import type { Run } from "./run.ts";
import { readBlob, type Tree, type TreeEntry } from "../github/repository-tree.ts";
import { appliedFiles, isKustomizationFile, YAML_FILE, type RepositoryFiles } from "../manifests/applied-files.ts";
import { isBootstrapFile } from "../manifests/findings.ts";

/** Blobs read at most per run, and the largest one read (GitHub's blob API serves up to 100 MB; manifests are small). */
export const MAX_FILES = 300;
export const MAX_FILE_BYTES = 1024 * 1024;
const PARALLEL_READS = 8;
/** Kustomization files outside the paths read up front, when there are at most this many. */
const PREFETCH_KUSTOMIZATIONS = 16;
const MAX_SOURCE_IGNORES = 20;
/** A repository with at most this many YAML files has them all read in the first round. */
const SMALL_REPOSITORY_YAML = 16;
const MAX_ROUNDS = 4;

export interface ReadManifests {
  readonly repo: RepositoryFiles;
  readonly requests: number;
  readonly skipped: readonly string[];
}

/** Reads `paths` into `texts`, PARALLEL_READS requests in flight at a time; returns how many requests it made. */
async function readAll(
  run: Run,
  entries: ReadonlyMap<string, TreeEntry>,
  paths: readonly string[],
  texts: Map<string, string>,
): Promise<number> {
  const queue = [...paths];
  const worker = async (): Promise<void> => {
    for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
      texts.set(path, await readBlob(run.octokit, run.settings.git, entries.get(path)?.sha ?? ""));
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, paths.length) }, worker));
  return paths.length;
}

export async function readManifests(run: Run, tree: Tree, paths: readonly string[]): Promise<ReadManifests> {
  const entries = new Map(tree.entries.map((e) => [e.path, e]));
  const files = new Set(tree.entries.filter((e) => e.type === "blob").map((e) => e.path));
  const folders = new Set(tree.entries.filter((e) => e.type === "tree").map((e) => e.path));
  const texts = new Map<string, string>();
  const skipped: string[] = [];
  const tooBig = new Set([...files].filter((f) => YAML_FILE.test(f) && (entries.get(f)?.size ?? 0) > MAX_FILE_BYTES));
  const readable = (f: string): boolean => !texts.has(f) && !tooBig.has(f) && !isBootstrapFile(f);
  let requests = 0;
  if (paths.length === 0) return { repo: { files, folders, sourceIgnores: new Map(), texts }, requests, skipped };
  const read = async (wanted: readonly string[]): Promise<boolean> => {
    const budget = Math.max(0, MAX_FILES - texts.size);
    if (wanted.length > budget) skipped.push(`${wanted.length - budget} file(s) over the cap of ${MAX_FILES} files read were not checked.`);
    requests += await readAll(run, entries, wanted.slice(0, budget), texts);
    return wanted.length > 0 && budget > 0;
  };

  const under = (f: string): boolean => paths.some((p) => p === "" || f.startsWith(`${p}/`));
  const ignores = [...files].filter((f) => f === ".sourceignore" || f.endsWith("/.sourceignore")).slice(0, MAX_SOURCE_IGNORES);
  const elsewhere = [...files].filter((f) => isKustomizationFile(f) && !under(f));
  const yaml = [...files].filter((f) => YAML_FILE.test(f));
  const first = yaml.length <= SMALL_REPOSITORY_YAML ? yaml : yaml.filter(under);
  await read([...ignores, ...[...new Set([...first, ...(elsewhere.length <= PREFETCH_KUSTOMIZATIONS ? elsewhere : [])])].filter(readable)]);
  const repo: RepositoryFiles = { files, folders, sourceIgnores: new Map(ignores.map((f) => [f, texts.get(f) ?? ""])), texts };
  for (let round = 1; round < MAX_ROUNDS; round += 1) {
    const wanted = [...new Set(paths.flatMap((p) => appliedFiles(repo, p)))].filter((f) => YAML_FILE.test(f) && readable(f));
    if (!(await read(wanted))) break;
  }
  const applied = new Set(paths.flatMap((p) => appliedFiles(repo, p)));
  for (const f of tooBig)
    if (applied.has(f)) skipped.push(`${f} (${entries.get(f)?.size ?? 0} bytes) is over ${MAX_FILE_BYTES} bytes: not read.`);
  return { repo, requests, skipped };
}
