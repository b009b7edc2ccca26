// What source-controller and kustomize-controller show for a fetch result, as the agent reports it into a
// flux configuration's statuses[] (pure: no I/O, no clock).
import { randomBytes } from "node:crypto";
import type { HelmFailure } from "./agent-behaviour.ts";
import { healthCheckFailure, helmReleases } from "./flux-helm.ts";
import { normalizePath } from "./flux-source.ts";
import { condition } from "./flux-objects.ts";
import { refused } from "./flux-api-refusal.ts";
import type { AgentReport, AgentView, ComplianceState, ObjectStatus, Ready } from "./flux-objects.ts";
import type { SourceResult } from "./flux-source.ts";

export type {
  AgentReport,
  AgentView,
  ComplianceState,
  HelmReleaseProperties,
  KustomizationSpec,
  ObjectStatus,
  StatusCondition,
} from "./flux-objects.ts";

/** Go's time.Duration String() for whole seconds, as Flux prints timeouts: 600 -> "10m0s". */
function goDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
}

/** Non-Compliant when any object is, else Pending when any is, else Compliant. */
function aggregate(statuses: readonly ObjectStatus[]): ComplianceState {
  if (statuses.some((s) => s.complianceState === "Non-Compliant")) return "Non-Compliant";
  return statuses.some((s) => s.complianceState === "Pending") ? "Pending" : "Compliant";
}

/**
 * Turns a fetch result into the statuses Flux reports. `progressStep` undefined: the final state; 0, 1, …: the
 * kustomizations are still being applied (the n-th report of that phase). Texts are kustomize-controller's own
 * (fluxcd/kustomize-controller internal/controller/kustomization_controller.go): Ready=Unknown `Progressing`
 * "Reconciliation in progress" while it works; `DependencyNotReady` "dependency '<ns>/<name>' is not ready" from
 * checkDependencies; on a retry finalizeStatus relabels the Reconciling condition `ProgressingWithRetry`, keeping its
 * message — during health checks (Azure's kustomizations default to wait: true) "Running health checks for revision
 * <rev> with a timeout of <timeout>". The recording showed `ProgressingWithRetry` as the reported reason, so the stand-in
 * reports it on Ready with that message.
 */
export function describe(
  view: AgentView,
  result: SourceResult,
  now: string,
  progressStep?: number,
  helmFailures: Readonly<Record<string, HelmFailure>> = {},
): AgentReport {
  const prev = view.previous.statuses;
  const revision = result.ok ? `${result.refName ? `${result.refName}@` : ""}sha1:${result.sha}` : "";
  const source: ObjectStatus = {
    name: view.name,
    namespace: view.namespace,
    kind: "GitRepository",
    complianceState: result.ok ? "Compliant" : "Non-Compliant",
    appliedBy: null,
    statusConditions: [
      condition(
        prev,
        { kind: "GitRepository", name: view.name, namespace: view.namespace },
        result.ok
          ? { type: "Ready", status: "True", reason: "Succeeded", message: `stored artifact for revision '${revision}'` }
          : { type: "Ready", status: "False", reason: "GitOperationFailed", message: result.message },
        now,
      ),
    ],
    helmReleaseProperties: null,
  };
  const ready = new Map<string, boolean>();
  const workdir = `/tmp/kustomization-${randomBytes(5).toString("hex")}`;
  // HelmReleases each kustomization applied (flux-helm.ts), listed after the kustomizations.
  const helm: ObjectStatus[] = [];
  const kustomizations = Object.entries(view.kustomizations).map(([key, spec]): ObjectStatus => {
    const name = `${view.name}-${key}`;
    const blocked = (spec.dependsOn ?? []).find((d) => ready.get(d) !== true);
    const refusal = refused(view, result, spec.path ?? "");
    let next: Ready;
    let state: ComplianceState = "Non-Compliant";
    if (!result.ok) {
      next = { type: "Ready", status: "False", reason: "ArtifactFailed", message: "Source artifact not found, retrying in 30s" };
    } else if (result.missingPaths.includes(spec.path ?? "")) {
      next = {
        type: "Ready",
        status: "False",
        reason: "ArtifactFailed",
        message: `kustomization path not found: stat ${workdir}/${normalizePath(spec.path ?? "")}: no such file or directory`,
      };
    } else if (refusal) {
      next = refusal;
    } else if (blocked !== undefined) {
      next = {
        type: "Ready",
        status: "False",
        reason: "DependencyNotReady",
        message: `dependency '${view.namespace}/${view.name}-${blocked}' is not ready`,
      };
    } else if (progressStep === 0) {
      next = { type: "Ready", status: "Unknown", reason: "Progressing", message: "Reconciliation in progress" };
      state = "Pending";
    } else if (progressStep !== undefined) {
      next = {
        type: "Ready",
        status: "False",
        reason: "ProgressingWithRetry",
        message: `Running health checks for revision ${revision} with a timeout of ${goDuration(spec.timeoutInSeconds ?? 600)}`,
      };
    } else {
      next = { type: "Ready", status: "True", reason: "ReconciliationSucceeded", message: `Applied revision: ${revision}` };
      state = "Compliant";
    }
    const applied = result.ok && !result.missingPaths.includes(spec.path ?? "") && blocked === undefined && !refusal;
    const appliedBy = { name, namespace: view.namespace };
    const drafts = helmReleases(
      applied ? (result.helmReleases?.[spec.path ?? ""] ?? []) : undefined,
      prev.filter((s) => s.kind === "HelmRelease" && s.appliedBy?.name === name && s.appliedBy.namespace === view.namespace),
      progressStep === 0 ? "applying" : progressStep === undefined ? "final" : "checking",
      helmFailures,
    );
    const failed = drafts.filter((d) => d.complianceState === "Non-Compliant");
    if (applied && progressStep === undefined && spec.wait !== false && failed.length > 0) {
      next = healthCheckFailure(name, failed);
      state = "Non-Compliant";
    }
    for (const d of drafts) {
      const of = { kind: "HelmRelease" as const, name: d.name, namespace: d.namespace };
      const statusConditions = [condition(prev, of, d.ready, now)];
      helm.push({ ...of, complianceState: d.complianceState, appliedBy, statusConditions, helmReleaseProperties: d.helmReleaseProperties });
    }
    ready.set(key, next.status === "True");
    return {
      name,
      namespace: view.namespace,
      kind: "Kustomization",
      complianceState: state,
      appliedBy: null,
      statusConditions: [condition(prev, { kind: "Kustomization", name, namespace: view.namespace }, next, now)],
      helmReleaseProperties: null,
    };
  });
  const statuses = [source, ...kustomizations, ...helm];
  const failure = statuses.find((s) => s.complianceState === "Non-Compliant")?.statusConditions[0]?.message ?? "";
  const refName = result.ok ? result.refName || "HEAD" : "";
  return {
    complianceState: aggregate(statuses),
    statuses,
    sourceSyncedCommitId: result.ok ? `${refName}/${result.sha}` : view.previous.sourceSyncedCommitId,
    sourceUpdatedAt: result.ok && result.sha !== view.previous.sha ? now : view.previous.sourceUpdatedAt,
    statusUpdatedAt: now,
    errorMessage: failure,
    repositoryPublicKey: result.publicKey,
    sha: result.ok ? result.sha : view.previous.sha,
  };
}

/** The report while Flux is not acting: Suspended, or Pending without a Succeeded microsoft.flux extension. */
export function waiting(view: AgentView, state: "Pending" | "Suspended", now: string): AgentReport {
  return {
    complianceState: state,
    statuses: view.previous.statuses,
    sourceSyncedCommitId: view.previous.sourceSyncedCommitId,
    sourceUpdatedAt: view.previous.sourceUpdatedAt,
    statusUpdatedAt: now,
    errorMessage: "",
    repositoryPublicKey: "",
    sha: view.previous.sha,
  };
}

/** What Flux's objects show, ignoring timestamps and the kustomization temp dir name: equal signatures mean "nothing
 *  changed". repositoryPublicKey is not a Flux status, so a fetch that only used a new key is not a change. */
export function signature(report: AgentReport): string {
  return JSON.stringify([
    report.complianceState,
    report.sourceSyncedCommitId,
    report.errorMessage.replace(/kustomization-[0-9a-f]+/g, "kustomization-*"),
    report.statuses.map((s) => [
      s.kind,
      s.name,
      s.complianceState,
      s.statusConditions.map((c) => [c.type, c.status, c.reason, c.message.replace(/kustomization-[0-9a-f]+/g, "kustomization-*")]),
    ]),
  ]);
}
