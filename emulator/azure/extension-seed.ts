// What a cluster's microsoft.flux extension was before a test starts (installed earlier by someone else, at a given
// version, pinned or auto-upgrading), and Azure's own auto-upgrade: "When autoUpgradeMinorVersion is true, the
// extension is upgraded to the newest minor version of its release train" (Microsoft Learn, "Deploy and manage Azure
// Arc-enabled Kubernetes cluster extensions": auto-upgrade of extension minor versions). When Azure runs it is not
// documented: tests call autoUpgradeExtensions() to make it happen.
import { randomUUID } from "node:crypto";
import type { ArmState, StoredResource } from "./arm-state.ts";
import { newestOnTrain } from "./extension-versions.ts";

export interface ExtensionSeed {
  readonly name?: string;
  readonly version: string;
  /** Default false: pinned at `version`. */
  readonly autoUpgrade?: boolean;
  readonly releaseTrain?: string;
}

export function seedExtension(state: ArmState, clusterId: string, seed: ExtensionSeed): StoredResource {
  const name = seed.name ?? "flux";
  const id = `${clusterId}/providers/Microsoft.KubernetesConfiguration/extensions/${name}`;
  const auto = seed.autoUpgrade === true;
  const now = new Date().toISOString();
  const resource: StoredResource = {
    kind: "extension",
    id,
    name,
    clusterId,
    identity: undefined,
    properties: {
      extensionType: "microsoft.flux",
      autoUpgradeMinorVersion: auto,
      releaseTrain: auto ? (seed.releaseTrain ?? "Stable") : null,
      version: auto ? null : seed.version,
      scope: { cluster: { releaseNamespace: "flux-system" } },
      configurationSettings: {},
      configurationProtectedSettings: {},
      provisioningState: "Succeeded",
      statuses: [],
      errorInfo: null,
      currentVersion: seed.version,
      isSystemExtension: false,
    },
    protectedSettings: {},
    systemData: { createdBy: randomUUID(), createdByType: "User", createdAt: now },
    generation: 1,
    operationId: undefined,
  };
  state.resources.set(id.toLowerCase(), resource);
  return resource;
}

/** Moves every auto-upgrading extension to the newest version of its train; returns the clusters whose Flux changed. */
export function autoUpgradeExtensions(state: ArmState): string[] {
  const changed: string[] = [];
  for (const resource of state.resources.values()) {
    if (resource.kind !== "extension" || resource.properties["autoUpgradeMinorVersion"] !== true) continue;
    const train = resource.properties["releaseTrain"];
    const newest = newestOnTrain(state, typeof train === "string" ? train : undefined);
    if (!newest || newest === resource.properties["currentVersion"]) continue;
    resource.properties = { ...resource.properties, currentVersion: newest };
    changed.push(resource.clusterId);
  }
  return changed;
}

/** The AzureCloud methods of this file, each telling the agent when a cluster's Flux changed. */
export function extensionControls(state: ArmState, changed: (clusterId: string) => void) {
  return {
    addExtension: (cluster: string, seed: ExtensionSeed): void => {
      changed(seedExtension(state, state.clusters.get(cluster.toLowerCase())?.id ?? cluster, seed).clusterId);
    },
    setExtensionVersions: (train: string, versions: readonly string[]): void =>
      void state.extensionVersions.set(train.toLowerCase(), [...versions]),
    autoUpgradeExtensions: (): void => {
      for (const cluster of autoUpgradeExtensions(state)) changed(cluster);
    },
  };
}
