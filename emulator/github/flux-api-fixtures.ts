// Repository contents with Flux objects in apiVersions that microsoft.flux 1.23.0 and later (Flux 2.7) no longer serve
// (Azure's release notes, "Deprecation and removal notice"): a helm.toolkit.fluxcd.io/v2beta1 HelmRelease and a
// source.toolkit.fluxcd.io/v1beta2 HelmRepository, and optionally an ImageUpdateAutomation whose commit template uses
// the `.Updated` field image-automation-controller v1.0 removed. Lines are fixed so tests can name them.
import { posix } from "node:path";

export interface OldApiFixture {
  readonly files: Record<string, string>;
  /** file → line of each object's apiVersion (or of the messageTemplate). */
  readonly lines: {
    readonly helmRelease: [string, number];
    readonly helmRepository: [string, number];
    readonly template?: [string, number];
  };
}

export function oldApiFiles(options: { readonly path: string; readonly imageAutomation?: boolean }): OldApiFixture {
  const at = (file: string): string => posix.join(options.path, file);
  const release = at("apps/podinfo.yaml");
  const repository = at("apps/sources.yaml");
  const files: Record<string, string> = {
    [repository]:
      "# Chart sources\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: podinfo\n---\n" +
      "apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: HelmRepository\nmetadata:\n  name: podinfo\n  namespace: flux-system\n" +
      "spec:\n  interval: 1h\n  url: https://stefanprodan.github.io/podinfo\n",
    [release]:
      "---\napiVersion: helm.toolkit.fluxcd.io/v2beta1\nkind: HelmRelease\nmetadata:\n  name: podinfo\n  namespace: podinfo\n" +
      'spec:\n  interval: 10m\n  chart:\n    spec:\n      chart: podinfo\n      version: "6.7.1"\n      sourceRef:\n' +
      "        kind: HelmRepository\n        name: podinfo\n        namespace: flux-system\n",
  };
  const template = at("apps/automation.yaml");
  if (options.imageAutomation) {
    files[template] =
      "apiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImageUpdateAutomation\nmetadata:\n  name: podinfo\n  namespace: flux-system\n" +
      "spec:\n  interval: 30m\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  git:\n    commit:\n" +
      "      author:\n        name: fluxbot\n        email: fluxbot@example.com\n" +
      "      messageTemplate: 'Update {{range .Updated.Images}}{{println .}}{{end}}'\n  update:\n    path: ./apps\n";
  }
  return {
    files,
    lines: {
      helmRelease: [release, 2],
      helmRepository: [repository, 7],
      ...(options.imageAutomation ? { template: [template, 16] as [string, number] } : {}),
    },
  };
}
