// The Flux objects the agent reports into a flux configuration's statuses[] and the report itself: the shapes of
// @azure/arm-kubernetesconfiguration 6.1.0's ObjectStatusDefinition and FluxConfiguration read-only properties
// (Azure/azure-sdk-for-js sdk/kubernetesconfiguration/arm-kubernetesconfiguration/src/models/index.ts), and the one rule for a Ready condition's lastTransitionTime.
import type { RepositoryRef } from "./flux-source.ts";

export interface KustomizationSpec {
  readonly path?: string;
  readonly dependsOn?: readonly string[] | null;
  readonly timeoutInSeconds?: number | null;
  /** Health-check what it applied (Azure's default true): a failed HelmRelease then fails the kustomization. */
  readonly wait?: boolean | null;
}

/** The parts of a stored flux configuration the agent reads. */
export interface AgentView {
  readonly name: string;
  readonly namespace: string;
  readonly suspend: boolean;
  readonly url: string;
  readonly ref: RepositoryRef;
  readonly sshKnownHosts?: string;
  readonly sshPrivateKey?: string;
  readonly timeoutInSeconds: number;
  readonly syncIntervalInSeconds: number;
  readonly kustomizations: Readonly<Record<string, KustomizationSpec>>;
  /** A Succeeded microsoft.flux extension exists on the cluster. */
  readonly fluxInstalled: boolean;
  /** apiVersions of Flux's kinds that the installed extension's Flux does not serve (azure/extension-versions.ts). */
  readonly refusedApiVersions?: readonly string[];
  /** Bumped on every spec change; a report for an older generation is dropped. */
  readonly generation: number;
  readonly previous: {
    readonly sha: string;
    readonly sourceSyncedCommitId: string;
    readonly sourceUpdatedAt: string | null;
    readonly statuses: readonly ObjectStatus[];
  };
}

export interface StatusCondition {
  readonly type: string;
  readonly status: "True" | "False" | "Unknown";
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
}

export type ComplianceState = "Compliant" | "Non-Compliant" | "Pending" | "Suspended";

/** ObjectStatusDefinition.helmReleaseProperties of @azure/arm-kubernetesconfiguration (its src/models/index.ts). */
export interface HelmReleaseProperties {
  readonly lastRevisionApplied: number;
  readonly helmChartRef: { readonly name: string; readonly namespace: string };
  readonly failureCount: number;
  readonly installFailureCount: number;
  readonly upgradeFailureCount: number;
}

export interface ObjectStatus {
  readonly name: string;
  readonly namespace: string;
  readonly kind: "GitRepository" | "Kustomization" | "HelmRelease";
  readonly complianceState: ComplianceState;
  readonly appliedBy: { readonly name: string; readonly namespace: string } | null;
  readonly statusConditions: readonly StatusCondition[];
  /** HelmRelease objects only. */
  readonly helmReleaseProperties: HelmReleaseProperties | null;
}

export interface AgentReport {
  readonly complianceState: ComplianceState;
  readonly statuses: readonly ObjectStatus[];
  readonly sourceSyncedCommitId: string;
  readonly sourceUpdatedAt: string | null;
  readonly statusUpdatedAt: string;
  readonly errorMessage: string;
  readonly repositoryPublicKey: string;
  readonly sha: string;
}

export type Ready = Omit<StatusCondition, "lastTransitionTime">;

export type Identity = Pick<ObjectStatus, "kind" | "name" | "namespace">;

/** A Ready condition whose lastTransitionTime moves only when its status changes (Kubernetes condition semantics). */
export function condition(previous: readonly ObjectStatus[], of: Identity, next: Ready, now: string): StatusCondition {
  const old = previous
    .find((s) => s.kind === of.kind && s.name === of.name && s.namespace === of.namespace)
    ?.statusConditions.find((c) => c.type === "Ready");
  const lastTransitionTime = old && old.status === next.status ? old.lastTransitionTime : now;
  return { ...next, lastTransitionTime };
}
