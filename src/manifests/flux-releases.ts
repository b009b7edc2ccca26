// Which Flux each microsoft.flux extension version ships (pure), from Azure's own release notes: MicrosoftDocs/
// azure-management-docs, articles/azure-arc/kubernetes/flux-gitops-release-notes.md (1.19.5 to 1.24.1, as of commit
// 21b699be, August 2026) and, for older versions, the same notes as they stood in articles/azure-arc/kubernetes/
// extensions-release.md before they moved (that file's history, January 2023 to April 2026; 1.14.1 was first listed
// with Flux v2.3.0 and corrected to v2.4.0 in commit 87d7fc85). A version the notes never listed is unknown: it is
// said to be unknown, never guessed from its neighbours.
import { compareVersions } from "./flux-apis.ts";

export { compareVersions };

/** Extension version → the Flux release its notes name ("Flux version: Release vX.Y.Z"). */
const FLUX_OF_EXTENSION: Readonly<Record<string, string>> = {
  "1.6.0": "0.33.0",
  "1.6.1": "0.35.0",
  "1.6.3": "0.37.0",
  "1.7.0": "0.39.0",
  "1.7.3": "0.41.2",
  "1.7.4": "0.41.2",
  "1.7.5": "2.0.1",
  "1.7.6": "2.0.1",
  "1.7.7": "2.0.1",
  "1.7.8": "2.1.1",
  "1.8.0": "2.1.1",
  "1.8.1": "2.1.2",
  "1.8.2": "2.1.2",
  "1.8.3": "2.1.2",
  "1.8.4": "2.1.2",
  "1.9.1": "2.1.2",
  "1.10.0": "2.1.2",
  "1.11.1": "2.3.0",
  "1.12.0": "2.3.0",
  "1.13.0": "2.4.0",
  "1.13.1": "2.4.0",
  "1.14.1": "2.4.0",
  "1.15.1": "2.4.0",
  "1.15.2": "2.4.0",
  "1.16.1": "2.5.1",
  "1.16.2": "2.5.1",
  "1.16.3": "2.5.1",
  "1.16.8": "2.5.1",
  "1.16.12": "2.5.1",
  "1.17.2": "2.6.4",
  "1.17.3": "2.6.4",
  "1.18.2": "2.6.4",
  "1.18.4": "2.6.4",
  "1.18.5": "2.6.4",
  "1.19.5": "2.6.4",
  "1.20.4": "2.6.4",
  "1.21.0": "2.6.4",
  "1.21.1": "2.6.4",
  "1.22.1": "2.6.4",
  "1.22.2": "2.6.4",
  "1.23.0": "2.7.5",
  "1.23.1": "2.7.5",
  "1.23.3": "2.7.5",
  "1.24.0": "2.7.5",
  "1.24.1": "2.7.5",
};

/** The newest version the notes name: the lower bound for a version they do not (yet) list. */
export const NEWEST_IN_NOTES = Object.keys(FLUX_OF_EXTENSION).sort(compareVersions).at(-1) ?? "1.24.1";

/**
 * The notes' "Deprecation and removal notice": version 1.23.0 removes source.toolkit.fluxcd.io v1beta1 and v1beta2,
 * kustomize.toolkit.fluxcd.io v1beta1 and v1beta2, helm.toolkit.fluxcd.io v2beta1 and v2beta2,
 * notification.toolkit.fluxcd.io v1beta1 and image.toolkit.fluxcd.io v1beta1 — more than upstream Flux 2.7 does
 * (its CRDs still serve the v1beta2 / v2beta2 versions, deprecated; fluxcd/flux2#5474 and #5711). The notice still
 * stands in the notes of 1.24.1, whose 1.24.0 entry ("Restore 2.7 CRDs for rolling forward clusters…") does not say
 * which versions came back, so the notice is what this action follows from 1.23.0 on.
 */
export const AZURE_REMOVALS_FROM = "1.23.0";
export const AZURE_REMOVED_API_VERSIONS: readonly string[] = [
  "source.toolkit.fluxcd.io/v1beta1",
  "source.toolkit.fluxcd.io/v1beta2",
  "kustomize.toolkit.fluxcd.io/v1beta1",
  "kustomize.toolkit.fluxcd.io/v1beta2",
  "helm.toolkit.fluxcd.io/v2beta1",
  "helm.toolkit.fluxcd.io/v2beta2",
  "notification.toolkit.fluxcd.io/v1beta1",
  "image.toolkit.fluxcd.io/v1beta1",
];

/**
 * The notes: "If your clusters are running 1.20.4 or lower, upgrade them to an interim version (1.21.0 - 1.22.2)
 * first, and then upgrade to version 1.23.0" (1.21.0 "Migrated CRs in etcd storage for Flux CRDs that have
 * deprecated API versions").
 */
export const INTERIM = { from: "1.21.0", to: "1.22.2", before: "1.23.0" } as const;

/** The Flux release an extension version ships, or undefined when Azure's notes do not say. */
export function fluxOfExtension(version: string | undefined): string | undefined {
  return version === undefined ? undefined : FLUX_OF_EXTENSION[version.replace(/^v/, "")];
}

/** The newest of `versions` (undefined for none). */
export function newest(versions: readonly string[]): string | undefined {
  return [...versions].sort(compareVersions).pop();
}

/** A move from `from` to `to` that Azure says must stop at an interim version first. */
export function needsInterimStep(from: string, to: string): boolean {
  return compareVersions(from, INTERIM.from) < 0 && compareVersions(to, INTERIM.before) >= 0;
}

/** Interim versions among those offered (newest first), for the steps of a refused upgrade. */
export function interimVersions(offered: readonly string[]): string[] {
  return offered
    .filter((v) => compareVersions(v, INTERIM.from) >= 0 && compareVersions(v, INTERIM.to) <= 0)
    .sort(compareVersions)
    .reverse();
}
