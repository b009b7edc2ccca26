// The reasons Flux's controllers put on an object's Ready condition, sorted into those Flux keeps working through
// (transient) and those that stay until someone changes something (terminal), from their source:
// - kustomize-controller v1.7.3 (the one microsoft.flux 1.23+ ships), internal/controller/kustomization_controller.go,
//   with the reasons of fluxcd/pkg apis/meta and apis/acl: Progressing / ProgressingWithRetry / DependencyNotReady /
//   ArtifactFailed (source not ready yet) / DirCreationFailed keep retrying; BuildFailed (kustomize build),
//   ReconciliationFailed (the server-side apply, e.g. `no matches for kind "HelmRepository" in version
//   "source.toolkit.fluxcd.io/v1beta2"`), PruneFailed and HealthCheckFailed need a change; AccessDenied,
//   InvalidCELExpression and FeatureGateDisabled are also marked Stalled.
// - helm-controller v1.4.5, api/v2/condition_types.go and internal/controller/helmrelease_controller.go,
//   internal/reconcile/atomic_release.go: InstallFailed / UpgradeFailed / TestFailed / RollbackFailed /
//   UninstallFailed need a change (the remediation retries are counted in helmReleaseProperties); RetriesExceeded and
//   MissingRollbackTarget are Stalled; ChartMutateError (the chart's version cannot take the source revision) needs a
//   change; ArtifactFailed, SourceNotReady, DependencyNotReady, ValuesError (a values ConfigMap / Secret not there
//   yet), RESTClientError, FactoryError, ConfigFactoryErr, StateError, ReconcileError and DriftCorrectionFailed come
//   from the cluster's state and are retried.
// - fluxcd/pkg apis/meta: a Stalled=True condition means the object cannot progress without a change: terminal
//   whatever its reason.

/** Reasons Flux keeps working through. */
export const TRANSIENT_REASONS: ReadonlySet<string> = new Set([
  "DependencyNotReady",
  "Progressing",
  "ProgressingWithRetry",
  "Reconciling",
  "ArtifactFailed",
  "SourceNotReady",
  "DirCreationFailed",
  "ValuesError",
  "RESTClientError",
  "FactoryError",
  "ConfigFactoryErr",
  "StateError",
  "ReconcileError",
  "DriftCorrectionFailed",
]);

/** helm-controller's reasons for a release that failed and stays failed until something changes. */
export const HELM_FAILED: ReadonlySet<string> = new Set([
  "InstallFailed",
  "UpgradeFailed",
  "TestFailed",
  "RollbackFailed",
  "UninstallFailed",
  "RetriesExceeded",
  "MissingRollbackTarget",
]);

/** Reasons that stay until someone changes something (ReconciliationFailed: see reconciliationFailedWaits). */
export const TERMINAL_REASONS: ReadonlySet<string> = new Set([
  "AuthenticationFailed",
  "URLInvalid",
  "BuildFailed",
  "ReconciliationFailed",
  "ValidationFailed",
  "HealthCheckFailed",
  "PruneFailed",
  "AccessDenied",
  "InvalidCELExpression",
  "FeatureGateDisabled",
  ...HELM_FAILED,
  "ChartMutateError",
  "ChartPullFailed",
]);

/**
 * ReconciliationFailed also covers a server that was briefly unreachable, a webhook not serving yet, or a custom
 * resource whose definition another kustomization has not applied yet (`no matches for kind` of a group that is not
 * Flux's own): those Flux retries at the kustomization's retryInterval, so the wait goes on.
 */
const PASSING =
  /timeout|timed out|deadline exceeded|connection refused|connection reset|TLS handshake|the server is currently unable|etcdserver|Too Many Requests|the object has been modified|failed to build kube client|failed calling webhook|Internal error occurred/i;

/** `no matches for kind "K" in version "group/version"`, as the API server's REST mapper says it. */
const NO_MATCH = /no matches for kind "([^"]+)" in version "([^"]+)"/;

/** A kind in an apiVersion of Flux's own groups that the cluster's Flux does not serve (removed). */
export function refusedFluxApi(message: string): { readonly kind: string; readonly apiVersion: string } | undefined {
  const match = NO_MATCH.exec(message);
  if (!match || !/\.toolkit\.fluxcd\.io\//.test(match[2] ?? "")) return undefined;
  return { kind: match[1] ?? "", apiVersion: match[2] ?? "" };
}

/** A ReconciliationFailed that Flux may get past on its own retry. */
export function reconciliationFailedWaits(message: string): boolean {
  return PASSING.test(message) || (NO_MATCH.test(message) && refusedFluxApi(message) === undefined);
}
