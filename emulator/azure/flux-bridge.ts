// Connects the Flux agent to the ARM store: what the agent sees of a configuration, and how its
// report lands in the configuration's read-only properties.
import type { ArmState } from "./arm-state.ts";
import type { AgentReport, AgentView, KustomizationSpec, ObjectStatus } from "./flux-agent.ts";
import type { RepositoryRef } from "./flux-source.ts";

type Json = Record<string, unknown>;

function object(value: unknown): Json {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};
}

function fluxInstalled(arm: ArmState, clusterId: string): boolean {
  return [...arm.resources.values()].some((r) => r.kind === "extension" && r.clusterId === clusterId
    && String(r.properties["extensionType"]).toLowerCase() === "microsoft.flux" && r.properties["provisioningState"] === "Succeeded");
}

/** The agent's view of a provisioned flux configuration; undefined while it is being changed or is gone. */
export function agentView(arm: ArmState, id: string): AgentView | undefined {
  const resource = arm.resources.get(id.toLowerCase());
  if (!resource || resource.kind !== "fluxConfiguration" || resource.properties["provisioningState"] !== "Succeeded") return undefined;
  const p = resource.properties;
  const git = object(p["gitRepository"]);
  const synced = String(p["sourceSyncedCommitId"] ?? "");
  const knownHosts = git["sshKnownHosts"];
  return {
    name: resource.name,
    namespace: String(p["namespace"] ?? "default"),
    suspend: p["suspend"] === true,
    url: String(git["url"] ?? ""),
    ref: object(git["repositoryRef"]) as RepositoryRef,
    ...(typeof knownHosts === "string" ? { sshKnownHosts: knownHosts } : {}),
    ...(resource.protectedSettings["sshPrivateKey"] ? { sshPrivateKey: resource.protectedSettings["sshPrivateKey"] } : {}),
    timeoutInSeconds: Number(git["timeoutInSeconds"] ?? 600),
    kustomizations: object(p["kustomizations"]) as Record<string, KustomizationSpec>,
    fluxInstalled: fluxInstalled(arm, resource.clusterId),
    generation: resource.generation,
    previous: {
      sha: synced.includes("/") ? synced.slice(synced.lastIndexOf("/") + 1) : "",
      sourceSyncedCommitId: synced,
      sourceUpdatedAt: typeof p["sourceUpdatedAt"] === "string" ? p["sourceUpdatedAt"] : null,
      statuses: Array.isArray(p["statuses"]) ? (p["statuses"] as ObjectStatus[]) : [],
    },
  };
}

export function applyReport(arm: ArmState, id: string, generation: number, report: AgentReport): void {
  const resource = arm.resources.get(id.toLowerCase());
  if (!resource || resource.generation !== generation || resource.properties["provisioningState"] !== "Succeeded") return;
  resource.properties = {
    ...resource.properties,
    complianceState: report.complianceState,
    statuses: report.statuses,
    sourceSyncedCommitId: report.sourceSyncedCommitId,
    sourceUpdatedAt: report.sourceUpdatedAt,
    statusUpdatedAt: report.statusUpdatedAt,
    errorMessage: report.errorMessage,
    ...(report.repositoryPublicKey ? { repositoryPublicKey: report.repositoryPublicKey } : {}),
  };
}
