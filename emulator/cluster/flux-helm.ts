// What helm-controller shows for the HelmReleases a kustomization applied, as Azure's agent reports them in statuses[]
// (kind "HelmRelease", appliedBy the kustomization, helmReleaseProperties;
// Azure/azure-sdk-for-js sdk/kubernetesconfiguration/arm-kubernetesconfiguration/src/models/index.ts). Pure.
// Texts are helm-controller's own (fluxcd/helm-controller internal/reconcile/install.go and upgrade.go):
//   fmtInstallFailure = "Helm install failed for release %s/%s with chart %s@%s: %s"   (reason InstallFailed)
//   fmtInstallSuccess = "Helm install succeeded for release %s with chart %s"          (reason InstallSucceeded)
//   fmtUpgradeFailure = "Helm upgrade failed for release %s/%s with chart %s@%s: %s"   (reason UpgradeFailed)
//   fmtUpgradeSuccess = "Helm upgrade succeeded for release %s with chart %s"          (reason UpgradeSucceeded)
// where the success release is `<namespace>/<name>.v<revision>`, as recorded: "Helm install succeeded for release
// default/podinfo.v1 with chart podinfo@6.5.4" (Ready True, InstallSucceeded). A failure counts Status.Failures and the
// action's InstallFailures / UpgradeFailures (IncrementFailureCount); with no retries configured the release stalls, and
// kustomize-controller's health check then reads (recorded) "health check failed after 31.896309ms: failed early due to
// stalled resources: [HelmRelease/commerce/lago status: 'Failed']" (reason HealthCheckFailed).
// Not modelled: values changes (only a new chart version upgrades), tests, rollbacks and uninstall remediation.
import type { HelmFailure } from "./agent-behaviour.ts";
import type { HelmReleaseManifest } from "./flux-manifests.ts";
import type { ComplianceState, HelmReleaseProperties, ObjectStatus, Ready, StatusCondition } from "./flux-objects.ts";

/** A HelmRelease's status before the Ready condition gets its lastTransitionTime. */
export interface HelmReleaseDraft {
  readonly name: string;
  readonly namespace: string;
  readonly complianceState: ComplianceState;
  readonly ready: Ready;
  readonly helmReleaseProperties: HelmReleaseProperties;
}

/** Where the kustomization is in applying its revision: "applying" (its HelmReleases are not created yet), "checking"
 *  (health checks: new HelmReleases install), "final". */
export type HelmPhase = "applying" | "checking" | "final";

const key = (s: { readonly namespace: string; readonly name: string }): string => `${s.namespace}/${s.name}`;

function previousReady(status: ObjectStatus | undefined): StatusCondition | undefined {
  return status?.statusConditions.find((c) => c.type === "Ready");
}

function outcome(m: HelmReleaseManifest, failure: HelmFailure | undefined, previous: ObjectStatus | undefined): HelmReleaseDraft {
  const chart = `${m.chart}@${m.version}`;
  const before = previous?.helmReleaseProperties?.lastRevisionApplied ?? 0;
  const counts = { failureCount: 0, installFailureCount: 0, upgradeFailureCount: 0 };
  const draft = (state: ComplianceState, ready: Ready, lastRevisionApplied: number, failures = counts): HelmReleaseDraft => ({
    name: m.name,
    namespace: m.namespace,
    complianceState: state,
    ready,
    helmReleaseProperties: { lastRevisionApplied, helmChartRef: m.helmChartRef, ...failures },
  });
  const release = `${m.releaseNamespace}/${m.releaseName}`;
  if (failure?.action === "install") {
    // lastRevisionApplied of a release that never installed: no recording says; 0 (no successful revision).
    const message = `Helm install failed for release ${release} with chart ${chart}: ${failure.message}`;
    return draft("Non-Compliant", { type: "Ready", status: "False", reason: "InstallFailed", message }, 0, {
      ...counts,
      failureCount: 1,
      installFailureCount: 1,
    });
  }
  if (failure?.action === "upgrade") {
    const message = `Helm upgrade failed for release ${release} with chart ${chart}: ${failure.message}`;
    return draft("Non-Compliant", { type: "Ready", status: "False", reason: "UpgradeFailed", message }, Math.max(before, 1), {
      ...counts,
      failureCount: 1,
      upgradeFailureCount: 1,
    });
  }
  const last = previousReady(previous);
  if (before > 0 && last?.status === "True" && last.message.endsWith(` with chart ${chart}`)) {
    return draft("Compliant", { type: "Ready", status: "True", reason: last.reason, message: last.message }, before);
  }
  const revision = before + 1;
  const action = before > 0 ? "upgrade" : "install";
  const message = `Helm ${action} succeeded for release ${release}.v${revision} with chart ${chart}`;
  const reason = before > 0 ? "UpgradeSucceeded" : "InstallSucceeded";
  return draft("Compliant", { type: "Ready", status: "True", reason, message }, revision);
}

/** The HelmReleases of one kustomization: its previous ones carry on while it is not applying a revision (`manifests`
 *  undefined: fetch failed, path missing, dependency not ready); new ones appear once its health checks run. */
export function helmReleases(
  manifests: readonly HelmReleaseManifest[] | undefined,
  previous: readonly ObjectStatus[],
  phase: HelmPhase,
  failures: Readonly<Record<string, HelmFailure>>,
): HelmReleaseDraft[] {
  const carried = (status: ObjectStatus): HelmReleaseDraft | undefined => {
    const ready = previousReady(status);
    const props = status.helmReleaseProperties;
    return ready && props
      ? { name: status.name, namespace: status.namespace, complianceState: status.complianceState, ready, helmReleaseProperties: props }
      : undefined;
  };
  const known = new Map(previous.map((s) => [key(s), s]));
  if (manifests === undefined || phase === "applying") return previous.flatMap((s) => carried(s) ?? []);
  return manifests.map((m) => {
    const before = known.get(key(m));
    if (phase === "final") return outcome(m, failures[key(m)], before);
    const kept = before && carried(before);
    if (kept) return kept;
    // A new release while its first install runs: atomic_release.go marks Ready Unknown, Progressing, with
    // reconcilingMsg "Running '%s' action with timeout of %s" (the default timeout, GetTimeout: 300s).
    const ready: Ready = {
      type: "Ready",
      status: "Unknown",
      reason: "Progressing",
      message: "Running 'install' action with timeout of 5m0s",
    };
    const zero = { lastRevisionApplied: 0, helmChartRef: m.helmChartRef, failureCount: 0, installFailureCount: 0, upgradeFailureCount: 0 };
    return { name: m.name, namespace: m.namespace, complianceState: "Pending", ready, helmReleaseProperties: zero };
  });
}

/** kustomize-controller's health-check failure for stalled HelmReleases; the duration is derived from the name so that
 *  an unchanged cluster reports an unchanged message (a real one varies: "31.896309ms", "10.633098ms"). */
export function healthCheckFailure(kustomization: string, failed: readonly HelmReleaseDraft[]): Ready {
  let hash = 0;
  for (const c of kustomization) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  const took = `${10 + (hash % 90)}.${String(hash % 1_000_000).padStart(6, "0")}ms`;
  const stalled = failed.map((d) => `HelmRelease/${d.namespace}/${d.name} status: 'Failed'`).join(", ");
  return {
    type: "Ready",
    status: "False",
    reason: "HealthCheckFailed",
    message: `health check failed after ${took}: failed early due to stalled resources: [${stalled}]`,
  };
}
