// What a run did, as one value: every phase adds its result here; outputs and the job summary are made from it.
import type { FluxConfiguration, ObjectStatusDefinition } from "@azure/arm-kubernetesconfiguration";
import type { Cluster, Mode } from "../inputs/settings.ts";
import { statusesOf } from "../flux-statuses.ts";
import type { HostKey } from "../ssh/known-hosts.ts";
import type { RepositoryCheck } from "../manifests/findings.ts";
import type { FluxVersions } from "./flux-versions.ts";

/** One field's change, as the summary and plan show it: `kustomizations.cluster.path: ./a → ./b`. */
export interface FieldChange {
  readonly field: string;
  readonly from: unknown;
  readonly to: unknown;
}

export type Change = "created" | "updated" | "unchanged" | "deleted" | "would create" | "would update" | "would delete" | "absent";

export interface DeployKeyReport {
  readonly change: Change;
  readonly id: number | undefined;
  readonly title: string;
  readonly fingerprint: string | undefined;
  readonly publicKey: string | undefined;
  readonly readOnly: boolean;
}

export interface Report {
  readonly mode: Mode;
  readonly cluster: Cluster;
  readonly clusterId: string;
  readonly repository: string;
  repositoryHtmlUrl: string | undefined;
  readonly portalUrl: string;
  /** The flux configuration's name, as the settings give it (known before Azure is read). */
  configurationName?: string;
  outcome: "succeeded" | "failed" | "planned" | "skipped" | "cancelled";
  headline: string;
  extension?: { change: Change; name: string; version: string | undefined; changes: readonly FieldChange[] };
  configuration?: {
    change: Change;
    id: string | undefined;
    changes: readonly FieldChange[];
    complianceState: string | undefined;
    syncedCommit: string | undefined;
    statuses: readonly ObjectStatusDefinition[];
  };
  deployKey?: DeployKeyReport;
  /** Older keys this run removed (rotation, destroy, clean-up of unused keys). */
  readonly removedKeys: DeployKeyReport[];
  /** The repository read before any write: where, what it found, what it skipped. */
  repositoryCheck?: RepositoryCheck;
  /** Which Flux the cluster runs, will run, and what of the repository those refuse (apply, plan of apply). */
  fluxVersions?: FluxVersions;
  hostKeys?: readonly HostKey[];
  knownHostsText?: string;
  readonly notes: string[];
  error?: { code: string; title: string; message: string; helpUrl: string | undefined };
}

export function newReport(mode: Mode, cluster: Cluster, clusterId: string, repository: string, portalHost: string): Report {
  return {
    mode,
    cluster,
    clusterId,
    repository,
    repositoryHtmlUrl: undefined,
    portalUrl: `${portalHost}/#@/resource${clusterId}/overview`,
    outcome: "failed",
    headline: "",
    removedKeys: [],
    notes: [],
  };
}

/** True when the run changed (or, planning, would change) anything. */
export function changed(report: Report): boolean {
  const changes = [
    report.extension?.change,
    report.configuration?.change,
    report.deployKey?.change,
    ...report.removedKeys.map((k) => k.change),
  ];
  return changes.some((c) => c !== undefined && c !== "unchanged" && c !== "absent");
}

/** The report entry of a flux configuration, with its last known state. */
export function configurationReport(
  change: Change,
  configuration: FluxConfiguration | undefined,
  changes: readonly FieldChange[] = [],
): NonNullable<Report["configuration"]> {
  return {
    change,
    id: configuration?.id,
    changes,
    complianceState: configuration?.complianceState,
    syncedCommit: configuration?.sourceSyncedCommitId,
    statuses: statusesOf(configuration),
  };
}

/** The report entry of the flux extension: what happened to it (or would), its name, version and changed fields. */
export function extensionReport(
  change: Change,
  extension:
    | { readonly name?: string | undefined; readonly currentVersion?: string | undefined; readonly version?: string | null | undefined }
    | undefined,
  fallbackName: string,
  changes: readonly FieldChange[] = [],
): NonNullable<Report["extension"]> {
  return { change, name: extension?.name ?? fallbackName, version: extension?.currentVersion ?? extension?.version ?? undefined, changes };
}

/** How a mode ended: the summary's icon and headline. A failure is not returned but thrown. */
export interface Ended {
  readonly outcome: Exclude<Report["outcome"], "failed" | "cancelled">;
  readonly headline: string;
}

/** The configuration's last known state in the report: the summary shows it, after a failure too. */
export function noteState(report: Report, configuration: FluxConfiguration): void {
  const c = report.configuration;
  if (!c) return;
  c.complianceState = configuration.complianceState;
  c.syncedCommit = configuration.sourceSyncedCommitId;
  c.statuses = statusesOf(configuration);
  c.id ??= configuration.id;
}
