// HelmRelease manifests for tests, as a `path -> text` map (see repo-fixtures.ts for how to seed them). Shapes follow
// fluxcd/helm-controller docs/spec/v2/helmreleases.md (its podinfo example: a HelmRepository in source.toolkit.fluxcd.io/v1
// and a HelmRelease in helm.toolkit.fluxcd.io/v2 whose spec.chart.spec names the chart, its version and the repository).
// The local Flux agent reports a status for each (emulator/cluster/flux-helm.ts); make one fail with
// cloud.azure.setAgent({ helmFailures: { "<namespace>/<name>": { action: "install", message } } }).
import { posix } from "node:path";

export interface HelmReleaseFixture {
  readonly name: string;
  /** metadata.namespace; default "default". */
  readonly namespace?: string;
  /** Default "v2"; "v2beta1" and "v2beta2" are the older API versions Flux still serves. */
  readonly apiVersion?: "v2" | "v2beta1" | "v2beta2";
  /** spec.chart.spec.chart; default "podinfo". */
  readonly chart?: string;
  /** spec.chart.spec.version; default "6.7.1". */
  readonly version?: string;
  /** spec.targetNamespace, when set. */
  readonly targetNamespace?: string;
  /** spec.releaseName, when set. */
  readonly releaseName?: string;
}

export interface HelmRepositoryFixture {
  /** Default "podinfo". */
  readonly name?: string;
  /** Default "flux-system". */
  readonly namespace?: string;
  /** Default https://stefanprodan.github.io/podinfo */
  readonly url?: string;
}

/** The manifest of one HelmRelease charting from `repository`. */
export function helmReleaseManifest(release: HelmReleaseFixture, repository: HelmRepositoryFixture = {}): string {
  const optional = (key: string, value: string | undefined): string => (value === undefined ? "" : `  ${key}: ${value}\n`);
  return (
    `apiVersion: helm.toolkit.fluxcd.io/${release.apiVersion ?? "v2"}\nkind: HelmRelease\nmetadata:\n  name: ${release.name}\n` +
    `  namespace: ${release.namespace ?? "default"}\nspec:\n  interval: 10m\n` +
    optional("releaseName", release.releaseName) +
    optional("targetNamespace", release.targetNamespace) +
    `  chart:\n    spec:\n      chart: ${release.chart ?? "podinfo"}\n      version: "${release.version ?? "6.7.1"}"\n` +
    `      sourceRef:\n        kind: HelmRepository\n        name: ${repository.name ?? "podinfo"}\n` +
    `        namespace: ${repository.namespace ?? "flux-system"}\n      interval: 12h\n` +
    `  install:\n    remediation:\n      retries: 0\n  values:\n    replicaCount: 1\n`
  );
}

/** Under `path`: helm/repository.yaml (the HelmRepository) and helm/<namespace>-<name>.yaml per release; with
 *  `multiDocument`, all releases in one file helm/releases.yaml instead (documents separated by `---`). */
export function helmReleaseFiles(options: {
  readonly path: string;
  readonly releases: readonly HelmReleaseFixture[];
  readonly repository?: HelmRepositoryFixture;
  readonly multiDocument?: boolean;
}): Record<string, string> {
  const at = (file: string): string => posix.join(options.path, file);
  const repository = options.repository ?? {};
  const files: Record<string, string> = {
    [at("helm/repository.yaml")]:
      `apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: ${repository.name ?? "podinfo"}\n` +
      `  namespace: ${repository.namespace ?? "flux-system"}\nspec:\n  interval: 1h\n` +
      `  url: ${repository.url ?? "https://stefanprodan.github.io/podinfo"}\n`,
  };
  const manifests = options.releases.map((r) => helmReleaseManifest(r, repository));
  if (options.multiDocument) files[at("helm/releases.yaml")] = manifests.map((m) => `---\n${m}`).join("");
  else options.releases.forEach((r, i) => (files[at(`helm/${r.namespace ?? "default"}-${r.name}.yaml`)] = manifests[i] ?? ""));
  return files;
}
