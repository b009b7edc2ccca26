// The configuration repository, checked before any write: one recursive git tree at the ref Flux will use, then
// only the YAML files Flux would apply under the kustomization paths (and the .sourceignore files), capped in
// number and size. Finds missing paths, `flux bootstrap` leftovers and sourceRefs that name another GitRepository.
import * as core from "@actions/core";
import { readTree, semverTag } from "../github/repository-tree.ts";
import { completeTree } from "./truncated-tree.ts";
import { readManifests } from "./repository-reads.ts";
import { appliedFiles } from "../manifests/applied-files.ts";
import { bootstrapLeftovers, nearestFolders, sourceRefMismatches, type Finding, type RepositoryCheck } from "../manifests/findings.ts";
import { parseManifests, type Manifest } from "../manifests/manifests.ts";
import { ActionError } from "../errors.ts";
import type { Run } from "./run.ts";
import type { CheckLevel } from "../inputs/settings.ts";

/** A ref name that goes into the URL path as it is (Octokit would encode a `/` as %2F, which GitHub does not promise to read). */
const PLAIN_NAME = /^[A-Za-z0-9._-]+$/;

/**
 * What to read the tree at: the ref Flux will use, by name when it is plain (GitHub's trees API takes a branch or
 * tag name), so the read need not wait for the commit to be resolved; else that commit; for semver the highest
 * matching tag.
 */
async function treeish(run: Run, branch: Promise<string>, commit: Promise<string | undefined>): Promise<string> {
  const { ref } = run.settings.git;
  if (ref.kind === "commit") return ref.commit;
  if (ref.kind === "branch" || ref.kind === "tag") {
    const name = ref.kind === "branch" ? await branch : ref.tag;
    return PLAIN_NAME.test(name) ? name : ((await commit) ?? name);
  }
  const tag = await semverTag(run.octokit, run.settings.git, ref.semver);
  if (tag !== undefined) return tag;
  throw new ActionError("invalid-input", {
    title: "No tag matches the semver range",
    message: `No tag of ${run.settings.git.fullName} matches semver '${ref.semver}': Flux would find nothing to fetch. Push a matching tag or fix \`semver\`.`,
  });
}

function pathMissing(run: Run, name: string, path: string, at: string, files: ReadonlySet<string>, folders: ReadonlySet<string>): Finding {
  const what = files.has(path) ? "is a file, not a folder" : `is not in ${run.settings.git.fullName} at ${at.slice(0, 12)}`;
  return {
    kind: "path-missing",
    kustomization: name,
    file: undefined,
    line: undefined,
    message: `kustomization '${name}': path '${path}' ${what}; ${nearestFolders(folders, path)}.`,
  };
}

/**
 * `branch`: the branch Flux follows (the given one or the default branch), awaited for a branch ref only; `commit`: the
 * ref's resolution, running beside this check (a ref that is not there is its error to tell, not a 404 of the tree read).
 */
export async function checkRepository(
  run: Run,
  branch: Promise<string>,
  commit: Promise<string | undefined>,
): Promise<RepositoryCheck | undefined> {
  const { settings } = run;
  if (!settings.repositoryCheck.enabled) return undefined;
  const at = await treeish(run, branch, commit);
  const listed = await readTree(run.octokit, settings.git, at).catch(async (error: unknown) => {
    await commit;
    throw error;
  });
  let requests = (settings.git.ref.kind === "semver" ? 1 : 0) + 1;
  const skipped: string[] = [];
  let tree = listed;
  if (listed.truncated) {
    const completed = await completeTree(
      run,
      listed,
      settings.flux.kustomizations.map((k) => k.path),
    );
    tree = completed.tree;
    requests += completed.requests;
    skipped.push(
      `GitHub truncated the tree of ${at} (over 100,000 entries or 7 MB): the paths were read folder by folder; files elsewhere it left out were not checked.`,
      ...completed.stillTruncated.map((p) => `the tree of ${p} is itself truncated: files it left out were not checked.`),
    );
  }
  const files = new Set(tree.entries.filter((e) => e.type === "blob").map((e) => e.path));
  const folders = new Set(tree.entries.filter((e) => e.type === "tree").map((e) => e.path));
  const findings: Finding[] = [];
  const manifestsByPath = new Map<string, readonly Manifest[]>();
  const present: { name: string; path: string }[] = [];
  for (const k of settings.flux.kustomizations) {
    if (k.path === "" || folders.has(k.path)) present.push({ name: k.name, path: k.path });
    else findings.push(pathMissing(run, k.name, k.path, at, files, folders));
  }

  const read = await readManifests(
    run,
    tree,
    present.map((p) => p.path),
  );
  requests += read.requests;
  skipped.push(...read.skipped);
  const { repo } = read;
  const texts = repo.texts;

  for (const p of present) {
    const applied = appliedFiles(repo, p.path);
    const parsed = applied.filter((f) => texts.has(f)).map((f) => parseManifests(f, texts.get(f) ?? ""));
    for (const error of parsed.flatMap((r) => r.errors)) skipped.push(`${error} (not valid YAML: Flux will refuse it too)`);
    const manifests = parsed.flatMap((r) => r.manifests);
    manifestsByPath.set(p.path, manifests);
    if (settings.repositoryCheck.fluxBootstrap !== "off") findings.push(...bootstrapLeftovers(p.name, p.path, applied, manifests));
    if (settings.repositoryCheck.sourceRefs !== "off")
      findings.push(...sourceRefMismatches(p.name, manifests, settings.flux.name, settings.flux.namespace));
  }
  core.info(
    `Repository checked at ${at.slice(0, 12)}: ${texts.size} file(s) read in ${requests} request(s), ${findings.length} finding(s).`,
  );
  for (const line of skipped) core.info(`Not checked: ${line}`);
  return { at, findings, skipped, requests, manifests: manifestsByPath };
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

/** Warn-level findings as warning annotations, on the file and line when a finding has them (a pull request shows them inline). */
export function warnFindings(run: Run, check: RepositoryCheck | undefined): void {
  for (const finding of check?.findings ?? [])
    if (findingLevel(run, finding.kind) === "warn")
      core.warning(finding.message, {
        title: TITLES[finding.kind].title,
        ...(finding.file ? { file: finding.file, startLine: finding.line ?? 1 } : {}),
      });
}

/** The error apply stops with before any write, when a finding fails (a missing path always does); undefined when none fails. */
export function findingsFailure(run: Run, check: RepositoryCheck | undefined): ActionError | undefined {
  if (!check) return undefined;
  for (const kind of ["path-missing", "flux-bootstrap", "source-ref"] as const) {
    const failing = check.findings.filter((f) => f.kind === kind && findingLevel(run, kind) === "fail");
    if (failing.length === 0) continue;
    const { code, title, off } = TITLES[kind];
    return new ActionError(code, {
      title,
      message:
        `Found before any write, in ${run.settings.git.fullName} at ${check.at.slice(0, 12)}:\n` +
        failing.map((f) => `  - ${f.message}`).join("\n") +
        (off ? `\nNothing was changed. (To go on regardless: ${off}: warn.)` : "\nNothing was changed."),
    });
  }
  return undefined;
}

/** Before any write: a missing path always fails; the other findings fail, warn or were not looked for, as the inputs say. */
export function enforceFindings(run: Run, check: RepositoryCheck | undefined): void {
  warnFindings(run, check);
  const failure = findingsFailure(run, check);
  if (failure) throw failure;
}
