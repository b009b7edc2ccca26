// What the repository check finds (pure): a kustomization path that is not there (with the nearest folders),
// `flux bootstrap` leftovers that would install a second Flux, and sourceRefs naming another GitRepository than
// the one Azure creates (named after the configuration, in its namespace).
import type { Manifest } from "./manifests.ts";

export type FindingKind = "path-missing" | "flux-bootstrap" | "source-ref";

export interface Finding {
  readonly kind: FindingKind;
  /** The kustomization whose path it concerns. */
  readonly kustomization: string;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly message: string;
}

/** The check's result: where the tree was read, what it found and what it could not read. */
export interface RepositoryCheck {
  /** What the tree was read at: a branch or tag name, a commit, or the tag a semver range picked. */
  readonly at: string;
  readonly findings: readonly Finding[];
  /** What was not read, said in the log and the summary (a truncated tree, files over the caps). */
  readonly skipped: readonly string[];
  /** Requests to GitHub the check made. */
  readonly requests: number;
  /** The objects in the files Flux would apply, per kustomization path (the Flux version check reads them). */
  readonly manifests?: ReadonlyMap<string, readonly Manifest[]>;
}

/** Files `flux bootstrap` writes into flux-system/. */
const BOOTSTRAP_FILES = new Set(["gotk-components.yaml", "gotk-sync.yaml"]);
const FLUX_CONTROLLERS = new Set([
  "source-controller",
  "kustomize-controller",
  "helm-controller",
  "notification-controller",
  "image-reflector-controller",
  "image-automation-controller",
  "source-watcher",
]);

export const baseName = (path: string): string => path.slice(path.lastIndexOf("/") + 1);

export function isBootstrapFile(path: string): boolean {
  return BOOTSTRAP_FILES.has(baseName(path));
}

/** Edit distance, to put the folder the user most likely meant first. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const row = [i];
    for (let j = 1; j <= b.length; j += 1) {
      row.push(Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}

/** "clusters/ has staging, production" for a missing `clusters/stagin`: the deepest folder that exists, and its sub-folders. */
export function nearestFolders(folders: ReadonlySet<string>, missing: string): string {
  const parts = missing.split("/");
  let depth = parts.length - 1;
  while (depth > 0 && !folders.has(parts.slice(0, depth).join("/"))) depth -= 1;
  const parent = parts.slice(0, depth).join("/");
  const wanted = parts[depth] ?? "";
  const children = [...folders]
    .filter((f) => (parent === "" ? !f.includes("/") : f.startsWith(`${parent}/`) && !f.slice(parent.length + 1).includes("/")))
    .map((f) => (parent === "" ? f : f.slice(parent.length + 1)))
    .sort((a, b) => distance(a, wanted) - distance(b, wanted) || a.localeCompare(b));
  const where = parent === "" ? "the repository root" : `${parent}/`;
  if (children.length === 0) return `${where} has no folders`;
  const shown = children.slice(0, 8).join(", ");
  return `${where} has ${shown}${children.length > 8 ? `, … (${children.length} folders)` : ""}`;
}

/** Leftovers of `flux bootstrap` among the files and objects Flux would apply for one kustomization. */
export function bootstrapLeftovers(
  kustomization: string,
  path: string,
  files: readonly string[],
  manifests: readonly Manifest[],
): Finding[] {
  const fix =
    `Flux's controllers come from the microsoft.flux extension: exclude these files with a .sourceignore, or point the ` +
    `kustomization's path below them${path === "" ? "" : ` (not '${path}')`}. To keep them anyway, set flux-bootstrap-check: warn.`;
  const byFile = files.filter(isBootstrapFile).map((file) => ({
    kind: "flux-bootstrap" as const,
    kustomization,
    file,
    line: 1,
    message: `${file} is what \`flux bootstrap\` writes: it would install a second Flux beside the extension's. ${fix}`,
  }));
  const named = new Set(byFile.map((f) => f.file));
  const byObject = manifests
    .filter((m) => !named.has(m.file))
    .filter(
      (m) =>
        (m.kind === "CustomResourceDefinition" && (m.group ?? "").endsWith(".toolkit.fluxcd.io")) ||
        (m.kind === "Deployment" && FLUX_CONTROLLERS.has(m.name)),
    )
    .map((m) => ({
      kind: "flux-bootstrap" as const,
      kustomization,
      file: m.file,
      line: m.line,
      message: `${m.file}:${m.line} installs Flux itself (${m.kind} ${m.name}): it would run beside the extension's controllers. ${fix}`,
    }));
  // One finding per file is enough to act on.
  const perFile = new Map<string, Finding>();
  for (const finding of [...byFile, ...byObject]) if (finding.file && !perFile.has(finding.file)) perFile.set(finding.file, finding);
  return [...perFile.values()];
}

/**
 * sourceRefs of kind GitRepository that name neither the configuration's GitRepository (name and namespace) nor
 * a GitRepository the applied files define themselves.
 */
export function sourceRefMismatches(
  kustomization: string,
  manifests: readonly Manifest[],
  configuration: string,
  namespace: string,
): Finding[] {
  const defined = new Set(
    manifests
      .filter((m) => m.kind === "GitRepository" && m.apiVersion.startsWith("source.toolkit.fluxcd.io/"))
      .map((m) => `${m.namespace ?? ""}/${m.name}`),
  );
  const findings: Finding[] = [];
  for (const m of manifests) {
    if (!m.apiVersion.includes(".toolkit.fluxcd.io/")) continue;
    for (const ref of m.sourceRefs) {
      if (ref.kind !== "GitRepository") continue;
      const refNamespace = ref.namespace ?? m.namespace;
      const ours = ref.name === configuration && (refNamespace === undefined || refNamespace === namespace);
      if (
        ours ||
        defined.has(`${refNamespace ?? ""}/${ref.name}`) ||
        (refNamespace === undefined && [...defined].some((d) => d.endsWith(`/${ref.name}`)))
      )
        continue;
      const where = refNamespace && refNamespace !== namespace ? ` in namespace '${refNamespace}'` : "";
      findings.push({
        kind: "source-ref",
        kustomization,
        file: m.file,
        line: ref.line,
        message:
          `${m.file}:${ref.line}: ${m.kind} ${m.name} refers to GitRepository '${ref.name}'${where}, but the GitRepository Azure creates is ` +
          `'${configuration}' in namespace '${namespace}'. Name the configuration \`${ref.name}\` (configuration-name), or change ` +
          `sourceRef.name to \`${configuration}\`${where ? ` and sourceRef.namespace to \`${namespace}\`` : ""}.`,
      });
    }
  }
  return findings;
}
