// The configuration repository, checked before any write: one recursive git tree at the ref Flux will use, then
// only the YAML files Flux would apply under the kustomization paths (and the .sourceignore files), capped in
// number and size. Finds missing paths, `flux bootstrap` leftovers and sourceRefs that name another GitRepository.
import * as core from "@actions/core";
import { isFolder, readBlob, readTree, semverTag, type TreeEntry } from "../github/repository-tree.ts";
import { appliedFiles, YAML_FILE, type RepositoryFiles } from "../manifests/applied-files.ts";
import { bootstrapLeftovers, isBootstrapFile, nearestFolders, sourceRefMismatches, type Finding } from "../manifests/findings.ts";
import { parseManifests } from "../manifests/manifests.ts";
import { ActionError } from "../errors.ts";
import type { Run } from "./run.ts";
import type { CheckLevel } from "../inputs/settings.ts";

/** Blobs read at most per run, and the largest one read (GitHub's blob API serves up to 100 MB; manifests are small). */
export const MAX_FILES = 300;
export const MAX_FILE_BYTES = 1024 * 1024;
const PARALLEL_READS = 8;

export interface RepositoryCheck {
  /** What the tree was read at: a commit, or the tag a semver range picked. */
  readonly at: string;
  readonly findings: readonly Finding[];
  /** What was not read, said in the log and the summary (a truncated tree, files over the caps). */
  readonly skipped: readonly string[];
  /** Requests to GitHub the check made. */
  readonly requests: number;
}

async function treeish(run: Run, expectedSha: string | undefined): Promise<string> {
  const { ref } = run.settings.git;
  if (expectedSha !== undefined) return expectedSha;
  if (ref.kind !== "semver") throw new Error(`no commit resolved for ${ref.kind}`);
  const tag = await semverTag(run.octokit, run.settings.git, ref.semver);
  if (tag !== undefined) return tag;
  throw new ActionError("invalid-input", {
    title: "No tag matches the semver range",
    message: `No tag of ${run.settings.git.owner}/${run.settings.git.repo} matches semver '${ref.semver}': Flux would find nothing to fetch. Push a matching tag or fix \`semver\`.`,
  });
}

/** Reads `paths` (at most `budget` of them), PARALLEL_READS at a time. */
async function readAll(
  run: Run,
  entries: ReadonlyMap<string, TreeEntry>,
  paths: readonly string[],
  texts: Map<string, string>,
): Promise<number> {
  let requests = 0;
  for (let i = 0; i < paths.length; i += PARALLEL_READS) {
    const batch = paths.slice(i, i + PARALLEL_READS);
    const read = await Promise.all(batch.map((path) => readBlob(run.octokit, run.settings.git, entries.get(path)?.sha ?? "")));
    batch.forEach((path, j) => texts.set(path, read[j] ?? ""));
    requests += batch.length;
  }
  return requests;
}

function pathMissing(run: Run, name: string, path: string, at: string, files: ReadonlySet<string>, folders: ReadonlySet<string>): Finding {
  const { owner, repo } = run.settings.git;
  const what = files.has(path) ? "is a file, not a folder" : `is not in ${owner}/${repo} at ${at.slice(0, 12)}`;
  return {
    kind: "path-missing",
    kustomization: name,
    file: undefined,
    line: undefined,
    message: `kustomization '${name}': path '${path}' ${what}; ${nearestFolders(folders, path)}.`,
  };
}

export async function checkRepository(run: Run, expectedSha: string | undefined): Promise<RepositoryCheck | undefined> {
  const { settings } = run;
  if (!settings.repositoryCheck.enabled) return undefined;
  const at = await treeish(run, expectedSha);
  const tree = await readTree(run.octokit, settings.git, at);
  let requests = (settings.git.ref.kind === "semver" ? 1 : 0) + 1;
  const entries = new Map(tree.entries.map((e) => [e.path, e]));
  const files = new Set(tree.entries.filter((e) => e.type === "blob").map((e) => e.path));
  const folders = new Set(tree.entries.filter((e) => e.type === "tree").map((e) => e.path));
  const skipped: string[] = tree.truncated
    ? [`GitHub truncated the tree of ${at} (over 100,000 entries or 7 MB): files it left out were not checked.`]
    : [];
  const findings: Finding[] = [];
  const present: { name: string; path: string }[] = [];
  for (const k of settings.flux.kustomizations) {
    let there = k.path === "" || folders.has(k.path);
    if (!there && tree.truncated) {
      requests += 1;
      there = await isFolder(run.octokit, settings.git, k.path, at);
    }
    if (there) present.push({ name: k.name, path: k.path });
    else findings.push(pathMissing(run, k.name, k.path, at, files, folders));
  }

  // .sourceignore files first (they decide what Flux sees), then the applied YAML, following kustomization files.
  const texts = new Map<string, string>();
  const ignores = [...files].filter((f) => f === ".sourceignore" || f.endsWith("/.sourceignore")).slice(0, 20);
  requests += await readAll(run, entries, ignores, texts);
  const repo: RepositoryFiles = { files, folders, sourceIgnores: new Map(ignores.map((f) => [f, texts.get(f) ?? ""])), texts };
  const tooBig = new Set<string>();
  for (let round = 0; round < 4; round += 1) {
    const wanted = [...new Set(present.flatMap((p) => appliedFiles(repo, p.path)))].filter(
      (f) => YAML_FILE.test(f) && !texts.has(f) && !tooBig.has(f) && !isBootstrapFile(f),
    );
    for (const f of wanted) if ((entries.get(f)?.size ?? 0) > MAX_FILE_BYTES) tooBig.add(f);
    const budget = Math.max(0, MAX_FILES - texts.size);
    const next = wanted.filter((f) => !tooBig.has(f));
    if (next.length > budget)
      skipped.push(`${next.length - budget} YAML file(s) over the cap of ${MAX_FILES} files read were not checked.`);
    if (next.length === 0 || budget === 0) break;
    requests += await readAll(run, entries, next.slice(0, budget), texts);
  }
  for (const f of tooBig) skipped.push(`${f} (${entries.get(f)?.size ?? 0} bytes) is over ${MAX_FILE_BYTES} bytes: not read.`);

  for (const p of present) {
    const applied = appliedFiles(repo, p.path);
    const parsed = applied.filter((f) => texts.has(f)).map((f) => parseManifests(f, texts.get(f) ?? ""));
    for (const error of parsed.flatMap((r) => r.errors)) skipped.push(`${error} (not valid YAML: Flux will refuse it too)`);
    const manifests = parsed.flatMap((r) => r.manifests);
    if (settings.repositoryCheck.fluxBootstrap !== "off") findings.push(...bootstrapLeftovers(p.name, p.path, applied, manifests));
    if (settings.repositoryCheck.sourceRefs !== "off")
      findings.push(...sourceRefMismatches(p.name, manifests, settings.flux.name, settings.flux.namespace));
  }
  core.info(
    `Repository checked at ${at.slice(0, 12)}: ${texts.size} file(s) read in ${requests} request(s), ${findings.length} finding(s).`,
  );
  for (const line of skipped) core.info(`Not checked: ${line}`);
  return { at, findings, skipped, requests };
}

const TITLES: Readonly<
  Record<
    Finding["kind"],
    { code: "kustomization-path-not-found" | "flux-bootstrap-leftovers" | "source-ref-mismatch"; title: string; off: string }
  >
> = {
  "path-missing": { code: "kustomization-path-not-found", title: "Kustomization path not found", off: "" },
  "flux-bootstrap": { code: "flux-bootstrap-leftovers", title: "flux bootstrap leftovers under a path", off: "flux-bootstrap-check" },
  "source-ref": { code: "source-ref-mismatch", title: "sourceRef names another GitRepository", off: "source-ref-check" },
};

/** What apply does with a finding: a missing path always fails; the other kinds as their inputs say. */
export function findingLevel(run: Run, kind: Finding["kind"]): CheckLevel {
  if (kind === "path-missing") return "fail";
  return kind === "flux-bootstrap" ? run.settings.repositoryCheck.fluxBootstrap : run.settings.repositoryCheck.sourceRefs;
}

/** Before any write: a missing path always fails; the other findings fail, warn or were not looked for, as the inputs say. */
export function enforceFindings(run: Run, check: RepositoryCheck | undefined): void {
  if (!check) return;
  for (const finding of check.findings)
    if (findingLevel(run, finding.kind) === "warn") core.warning(finding.message, { title: TITLES[finding.kind].title });
  for (const kind of ["path-missing", "flux-bootstrap", "source-ref"] as const) {
    const failing = check.findings.filter((f) => f.kind === kind && findingLevel(run, kind) === "fail");
    if (failing.length === 0) continue;
    const { code, title, off } = TITLES[kind];
    throw new ActionError(code, {
      title,
      message:
        `Found before any write, in ${run.settings.git.owner}/${run.settings.git.repo} at ${check.at.slice(0, 12)}:\n` +
        failing.map((f) => `  - ${f.message}`).join("\n") +
        (off ? `\nNothing was changed. (To go on regardless: ${off}: warn.)` : "\nNothing was changed."),
    });
  }
}
