// What kustomize-controller does with an object in an apiVersion the cluster's Flux does not serve (pure).
import type { AgentView, Ready } from "./flux-objects.ts";
import type { SourceResult } from "./flux-source.ts";

/**
 * A kustomization whose objects include one in an apiVersion the cluster's Flux does not serve: kustomize-controller's
 * server-side apply fails its dry-run and nothing of the kustomization is applied (Ready=False ReconciliationFailed,
 * fluxcd/kustomize-controller internal/controller/kustomization_controller.go). The message as users report it, e.g.
 * `HelmRepository/monitoring/grafana-charts dry-run failed, error: no matches for kind "HelmRepository" in version
 * "source.toolkit.fluxcd.io/v1"` (kubernetes/k8s.io#6364) and Azure's release notes ("no matches for kind
 * "HelmRepository" in version "source.toolkit.fluxcd.io/v1beta1"").
 */
export function refused(view: AgentView, result: SourceResult, path: string): Ready | undefined {
  if (!result.ok) return undefined;
  const object = (result.fluxObjects?.[path] ?? []).find((o) => view.refusedApiVersions?.includes(o.apiVersion));
  if (!object) return undefined;
  return {
    type: "Ready",
    status: "False",
    reason: "ReconciliationFailed",
    message: `${object.kind}/${object.namespace}/${object.name} dry-run failed, error: no matches for kind "${object.kind}" in version "${object.apiVersion}"`,
  };
}
