// The resource provider's side of the in-cluster Flux agent (emulator/cluster/): what the agent sees of a
// configuration in the ARM store, and how its report lands in the configuration's read-only properties.
import type { AgentReport, AgentView, KustomizationSpec, ObjectStatus } from "../cluster/flux-status.ts";
import type { RepositoryRef } from "../cluster/flux-source.ts";
import type { ArmState } from "./arm-state.ts";
import { refusedApiVersions } from "./extension-versions.ts";

type Json = Record<string, unknown>;

function object(value: unknown): Json {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};
}

function fluxExtension(arm: ArmState, clusterId: string): Json | undefined {
  return [...arm.resources.values()].find(
    (r) =>
      r.kind === "extension" &&
      r.clusterId === clusterId &&
      String(r.properties["extensionType"]).toLowerCase() === "microsoft.flux" &&
      r.properties["provisioningState"] === "Succeeded",
  )?.properties;
}

/** The agent's view of a flux configuration whose current generation the RP has handed over (the operation may
 *  still be running); undefined while a newer generation is being provisioned, after a failed one, or once gone. */
export function agentView(arm: ArmState, id: string): AgentView | undefined {
  const resource = arm.resources.get(id.toLowerCase());
  if (
    !resource ||
    resource.kind !== "fluxConfiguration" ||
    resource.handedGeneration !== resource.generation ||
    ["Failed", "Deleting"].includes(String(resource.properties["provisioningState"]))
  )
    return undefined;
  const p = resource.properties;
  const git = object(p["gitRepository"]);
  const synced = String(p["sourceSyncedCommitId"] ?? "");
  const knownHosts = git["sshKnownHosts"];
  const extension = fluxExtension(arm, resource.clusterId);
  const running = extension?.["currentVersion"];
  return {
    name: resource.name,
    namespace: String(p["namespace"] ?? "default"),
    suspend: p["suspend"] === true,
    url: String(git["url"] ?? ""),
    ref: object(git["repositoryRef"]) as RepositoryRef,
    ...(typeof knownHosts === "string" ? { sshKnownHosts: knownHosts } : {}),
    ...(resource.protectedSettings["sshPrivateKey"] ? { sshPrivateKey: resource.protectedSettings["sshPrivateKey"] } : {}),
    timeoutInSeconds: Number(git["timeoutInSeconds"] ?? 600),
    syncIntervalInSeconds: Number(git["syncIntervalInSeconds"] ?? 600),
    kustomizations: object(p["kustomizations"]) as Record<string, KustomizationSpec>,
    fluxInstalled: extension !== undefined,
    refusedApiVersions: refusedApiVersions(typeof running === "string" ? running : undefined, arm.agent.fluxApiRemovals),
    generation: resource.generation,
    previous: {
      sha: synced.includes("/") ? synced.slice(synced.lastIndexOf("/") + 1) : "",
      sourceSyncedCommitId: synced,
      sourceUpdatedAt: typeof p["sourceUpdatedAt"] === "string" ? p["sourceUpdatedAt"] : null,
      statuses: Array.isArray(p["statuses"]) ? (p["statuses"] as ObjectStatus[]) : [],
    },
  };
}

/** Lands an agent report on the configuration — while its operation still runs, too (recorded: statusUpdatedAt before
 *  the operation's end in Azure/azure-powershell src/KubernetesConfiguration/test/AzKubernetesConfigurationFlux.Recording.json). A report for an older generation is dropped: returns false. */
export function applyReport(arm: ArmState, id: string, generation: number, report: AgentReport): boolean {
  const resource = arm.resources.get(id.toLowerCase());
  if (
    !resource ||
    resource.generation !== generation ||
    resource.handedGeneration !== generation ||
    ["Failed", "Deleting"].includes(String(resource.properties["provisioningState"]))
  )
    return false;
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
  return true;
}
