// The microsoft.flux versions the stand-in offers per release train, what each ships and refuses, and the
// extension types API that lists them. Evidence:
// - versions and their Flux releases: Azure's release notes, MicrosoftDocs/azure-management-docs
//   articles/azure-arc/kubernetes/flux-gitops-release-notes.md (1.19.5 … 1.24.1, August 2026); 1.23.2 was never listed;
// - what 1.23.0 and later refuse: the same notes' "Deprecation and removal notice" (source and kustomize v1beta1 and
//   v1beta2, helm v2beta1 and v2beta2, notification v1beta1, image v1beta1);
// - the interim step: "If your clusters are running 1.20.4 or lower, upgrade them to an interim version (1.21.0 -
//   1.22.2) first". What Azure answers to a direct move is not documented; the stand-in fails the extension operation
//   with the Kubernetes API server's refusal of a CRD that drops a version still in status.storedVersions
//   (kubernetes/apiextensions-apiserver pkg/apis/apiextensions/validation: "must appear in spec.versions"), which is
//   what a Helm upgrade of the CRDs would meet without 1.21.0's storage migration;
// - the list: ExtensionTypes_ClusterListVersions (Azure/azure-rest-api-specs, kubernetesconfiguration extensionTypes
//   stable/2026-04-01, example ListExtensionTypeVersions.json): `value[].properties.version`, `nextLink`.
// Which versions the Preview train offers is not documented: by default it offers the Stable list (a switch:
// setExtensionVersions).
import type { Request, Response, Route } from "../http.ts";
import { armError, guard, isPrincipal, type ArmState } from "./arm-state.ts";
import { clusterNotFound } from "./arm.ts";

export const FLUX_OF: Readonly<Record<string, string>> = {
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

export const DEFAULT_EXTENSION_VERSIONS: readonly string[] = Object.keys(FLUX_OF);

const REMOVED_FROM_1_23 = [
  "source.toolkit.fluxcd.io/v1beta1",
  "source.toolkit.fluxcd.io/v1beta2",
  "kustomize.toolkit.fluxcd.io/v1beta1",
  "kustomize.toolkit.fluxcd.io/v1beta2",
  "helm.toolkit.fluxcd.io/v2beta1",
  "helm.toolkit.fluxcd.io/v2beta2",
  "notification.toolkit.fluxcd.io/v1beta1",
  "image.toolkit.fluxcd.io/v1beta1",
];

function order(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split(".").map(Number));
  for (let i = 0; i < 3; i += 1) {
    const d = (x?.[i] ?? 0) - (y?.[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The versions offered on a train, oldest first. */
export function trainVersions(state: ArmState, train: string | undefined): string[] {
  const key = (train ?? "Stable").toLowerCase();
  return [...(state.extensionVersions.get(key) ?? state.extensionVersions.get("stable") ?? [])].sort(order);
}

export function newestOnTrain(state: ArmState, train: string | undefined): string | undefined {
  return trainVersions(state, train).at(-1);
}

/** apiVersions the Flux of an installed extension version does not serve (see AgentBehaviour.fluxApiRemovals). */
export function refusedApiVersions(version: string | undefined, removals: "notice" | "restored-in-1.24" = "notice"): readonly string[] {
  if (!version || order(version, "1.23.0") < 0) return [];
  return removals === "restored-in-1.24" && order(version, "1.24.0") >= 0
    ? REMOVED_FROM_1_23.filter((v) => !/\/v[12]beta2$/.test(v))
    : REMOVED_FROM_1_23;
}

/** The failure of a move that skips the interim step, or undefined. */
export function upgradeRefusal(from: string | undefined, to: string): string | undefined {
  if (!from || order(from, "1.21.0") >= 0 || order(to, "1.23.0") < 0) return undefined;
  return (
    `helm upgrade of microsoft.flux ${from} to ${to} failed: CustomResourceDefinition.apiextensions.k8s.io ` +
    `"kustomizations.kustomize.toolkit.fluxcd.io" is invalid: status.storedVersions[0]: Invalid value: "v1beta2": must appear in spec.versions`
  );
}

/** GET {cluster}/providers/Microsoft.KubernetesConfiguration/extensionTypes/{type}/versions?releaseTrain=… */
function listExtensionTypeVersions(state: ArmState, request: Request, clusterId: string, type: string, subscriptionId: string): Response {
  const checked = guard(state, request, {
    action: "Microsoft.KubernetesConfiguration/extensionTypes/read",
    scope: clusterId,
    subscriptionId,
    apiVersion: "any",
    resourceType: "extensionTypes",
  });
  if (!isPrincipal(checked)) return checked;
  if (type.toLowerCase() !== "microsoft.flux") return armError(404, "ExtensionTypeNotFound", `Extension type '${type}' was not found.`);
  const train = request.url.searchParams.get("releaseTrain") ?? "stable";
  const value = trainVersions(state, train).map((version) => ({
    id: `${clusterId}/providers/Microsoft.KubernetesConfiguration/extensionTypes/${type}/versions/${version}`,
    name: version,
    type: "Microsoft.KubernetesConfiguration/extensionTypes/versions",
    properties: { version, supportedClusterTypes: ["managedCluster", "connectedCluster"] },
  }));
  return { status: 200, body: { value, nextLink: null } };
}

export function extensionTypeRoutes(state: ArmState): Route[] {
  return [
    {
      method: "GET",
      pattern:
        /^\/subscriptions\/(?<sub>[^/]+)\/resourceGroups\/(?<rg>[^/]+)\/providers\/(?<rp>[^/]+)\/(?<type>[^/]+)\/(?<cluster>[^/]+)\/providers\/Microsoft\.KubernetesConfiguration\/extensionTypes\/(?<extensionType>[^/]+)\/versions$/i,
      handler: (r) => {
        const { sub = "", rg = "", rp = "", type = "", cluster = "", extensionType = "" } = r.params;
        const known = state.clusters.get(`/subscriptions/${sub}/resourceGroups/${rg}/providers/${rp}/${type}/${cluster}`.toLowerCase());
        if (!known) return clusterNotFound(type, cluster, rg);
        return listExtensionTypeVersions(state, r, known.id, extensionType, sub);
      },
    },
  ];
}
