// Which files of the repository Flux applies for one kustomization path (pure), as the controllers decide it:
// - source-controller leaves out what `.sourceignore` files exclude (gitignore syntax, each file for its own folder
//   and below, loaded recursively: fluxcd/source-controller#1007) and its default patterns (fluxcd/pkg sourceignore:
//   VCS files, CI configuration, images and archives; fluxcd/source-controller#329);
// - kustomize-controller builds the path's kustomization.yaml when there is one (its `resources` and `components`,
//   local ones only, followed into folders), else generates one from every YAML manifest below the path, taking a
//   sub-folder that has its own kustomization.yaml as one resource (fluxcd/pkg kustomize generator).
import ignore, { type Ignore } from "ignore";
import { parseAllDocuments } from "yaml";
import { baseName } from "./findings.ts";

/** Flux's default exclusions for a GitRepository artifact. */
const DEFAULT_IGNORES = [
  ".git/",
  ".gitignore",
  ".gitmodules",
  ".gitattributes",
  "*.jpg",
  "*.jpeg",
  "*.gif",
  "*.png",
  "*.wmv",
  "*.flv",
  "*.tar.gz",
  "*.zip",
  ".github/",
  ".circleci/",
  ".travis.yml",
  ".gitlab-ci.yml",
  "appveyor.yml",
  ".drone.yml",
  "cloudbuild.yaml",
  "codeship-services.yml",
  "codeship-steps.yml",
  "**/.goreleaser.yml",
  "**/.sops.yaml",
  "**/.flux.yaml",
];

const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/** A kustomize kustomization file (by its name). */
export function isKustomizationFile(path: string): boolean {
  return KUSTOMIZATION_FILES.includes(baseName(path));
}
export const YAML_FILE = /\.ya?ml$/i;

export interface RepositoryFiles {
  /** Every file path (blobs) and folder path (trees) at the ref. */
  readonly files: ReadonlySet<string>;
  readonly folders: ReadonlySet<string>;
  /** Text of each `.sourceignore` file, by path. */
  readonly sourceIgnores: ReadonlyMap<string, string>;
  /** Text of the YAML files that were read, by path (kustomization files among them). */
  readonly texts: ReadonlyMap<string, string>;
}

const dirOf = (path: string): string => (path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "");
const join = (dir: string, name: string): string => (dir === "" ? name : `${dir}/${name}`);

/** Resolves `a/./b/../c` inside the repository; undefined when it leaves the root. */
function normalize(path: string): string | undefined {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(part);
  }
  return parts.join("/");
}

/** A predicate: is this file left out of the artifact? */
export function sourceIgnored(repo: Pick<RepositoryFiles, "sourceIgnores">): (path: string) => boolean {
  const rules: { dir: string; matcher: Ignore }[] = [{ dir: "", matcher: ignore().add(DEFAULT_IGNORES) }];
  for (const [path, text] of repo.sourceIgnores) rules.push({ dir: dirOf(path), matcher: ignore().add(text) });
  return (path) =>
    rules.some(
      ({ dir, matcher }) => (dir === "" || path.startsWith(`${dir}/`)) && matcher.ignores(dir === "" ? path : path.slice(dir.length + 1)),
    );
}

function kustomizationIn(repo: RepositoryFiles, dir: string, ignored: (path: string) => boolean): string | undefined {
  return KUSTOMIZATION_FILES.map((name) => join(dir, name)).find((path) => repo.files.has(path) && !ignored(path));
}

/** Local `resources` / `components` / `bases` of a kustomization file (remote URLs are not the repository's). */
function kustomizationEntries(text: string | undefined): string[] {
  if (text === undefined) return [];
  const [doc] = parseAllDocuments(text);
  const value: unknown = doc?.toJS();
  if (!value || typeof value !== "object") return [];
  const record = value as Record<string, unknown>;
  return ["resources", "components", "bases"]
    .flatMap((key) => (Array.isArray(record[key]) ? (record[key] as unknown[]) : []))
    .filter((entry): entry is string => typeof entry === "string" && !/^[a-z]+:\/\/|^git@|^github\.com\//i.test(entry));
}

/** The files Flux applies for `path` (kustomization files included), sorted. */
export function appliedFiles(repo: RepositoryFiles, path: string): string[] {
  const ignored = sourceIgnored(repo);
  const found = new Set<string>();
  const seen = new Set<string>();
  const visitFolder = (dir: string, top: boolean): void => {
    if (seen.has(dir)) return;
    seen.add(dir);
    const kustomization = kustomizationIn(repo, dir, ignored);
    if (kustomization !== undefined) {
      found.add(kustomization);
      for (const entry of kustomizationEntries(repo.texts.get(kustomization))) {
        const target = normalize(join(dir, entry));
        if (target === undefined || ignored(target)) continue;
        if (repo.folders.has(target)) visitFolder(target, false);
        else if (repo.files.has(target)) found.add(target);
      }
      return;
    }
    if (!top) return; // a folder named as a resource needs its own kustomization file
    for (const file of repo.files) {
      if (!file.startsWith(dir === "" ? "" : `${dir}/`) || !YAML_FILE.test(file) || ignored(file)) continue;
      const below = dirOf(file);
      // A sub-folder with its own kustomization file is one resource: its kustomization decides.
      const owner = ancestorsBetween(dir, below).find((folder) => kustomizationIn(repo, folder, ignored) !== undefined);
      if (owner !== undefined) visitFolder(owner, false);
      else found.add(file);
    }
  };
  visitFolder(path, true);
  return [...found].sort();
}

/** Folders from just below `top` down to `dir` (both inside the repository), outermost first. */
function ancestorsBetween(top: string, dir: string): string[] {
  if (dir === top) return [];
  const rest = (top === "" ? dir : dir.slice(top.length + 1)).split("/");
  return rest.map((_, i) => join(top, rest.slice(0, i + 1).join("/")));
}
