// What a Flux agent report proves (pure): the goal reached, a terminal failure (with the error that names its
// fix), or a state Flux is still working through. Flux's own reasons decide first, its messages second:
// a dependency not ready, a reconciliation in progress or retrying, a source not fetched yet are transient;
// refused authentication, an untrusted host key, a missing path, a failed build or Helm install are not.
import type { FluxConfiguration, ObjectStatusDefinition } from "@azure/arm-kubernetesconfiguration";
import { ActionError } from "../errors.ts";
import { statusesOf } from "../flux-statuses.ts";
import { HELM_FAILED, TERMINAL_REASONS, TRANSIENT_REASONS, reconciliationFailedWaits, refusedFluxApi } from "./flux-reasons.ts";

/** The commit in `sourceSyncedCommitId`: "main/<sha>" (older agents) or "main@sha1:<sha>" (Flux 2). */
export function syncedSha(configuration: FluxConfiguration): string | undefined {
  return /([0-9a-f]{40}|[0-9a-f]{64})$/.exec(configuration.sourceSyncedCommitId ?? "")?.[1];
}

function readyCondition(status: ObjectStatusDefinition): { reason: string; message: string } {
  const ready = status.statusConditions?.find((c) => c.type === "Ready") ?? status.statusConditions?.[0];
  return { reason: ready?.reason ?? "", message: ready?.message ?? status.complianceState ?? "" };
}

export function readyMessage(status: ObjectStatusDefinition): string {
  return readyCondition(status).message;
}

/** Azure's default sync interval of a GitRepository. */
const DEFAULT_SYNC_SECONDS = 600;

const HOST_KEY = /Host key verification failed|knownhosts|host key mismatch|REMOTE HOST IDENTIFICATION/i;
const PERMISSION =
  /Permission denied \(publickey\)|unable to authenticate|Repository not found|could not read from remote|authentication required/i;
const PATH_NOT_FOUND = /kustomization path not found|path not found|no such file or directory/i;
const REF_NOT_FOUND = /couldn't find remote ref|no match found for semver|object not found|reference not found/i;

const count = (n: number | undefined, what: string): string => `${n ?? 0} ${what}${n === 1 ? "" : "s"}`;

/** A HelmRelease that failed: named with its namespace, Helm's own message and Azure's failure counts. */
function helmReleaseError(status: ObjectStatusDefinition, reason: string, message: string): ActionError {
  const p = status.helmReleaseProperties;
  const what = reason === "UpgradeFailed" ? "upgrade failed" : reason === "InstallFailed" ? "install failed" : reason;
  const counts = `${count(p?.failureCount, "failure")}, ${count(p?.installFailureCount, "install failure")}, ${count(p?.upgradeFailureCount, "upgrade failure")}`;
  return new ActionError("helm-release-failed", {
    title: "Helm release failed",
    message:
      `HelmRelease ${status.namespace ?? ""}/${status.name ?? ""}: ${what} (${counts}): ${message}\n` +
      "Fix the chart values or the HelmRelease in the repository (Helm's message above says what failed), push, and re-run.",
  });
}

/** The error for a failing status, or undefined when Flux is still working on it. */
export function terminalError(status: ObjectStatusDefinition, repository: string): ActionError | undefined {
  const { reason, message } = readyCondition(status);
  const detail = `${status.kind ?? "Object"} ${status.name ?? ""}: ${message}`;
  if (HOST_KEY.test(message)) {
    return new ActionError("source-host-key", {
      title: "Git host key not trusted",
      message: `Flux could not verify the git host's SSH key: ${detail}\nThe known hosts sent were verified against the host's published fingerprints; check ssh-host / ssh-host-fingerprints, or whether a proxy intercepts SSH.`,
    });
  }
  if (PERMISSION.test(message)) {
    return new ActionError("source-permission-denied", {
      title: "Git host refused the deploy key",
      message: `Flux could not fetch ${repository} with the deploy key: ${detail}\nCheck that the deploy key is still on the repository and enabled (organisation policy can disable deploy keys), then re-run.`,
    });
  }
  if (PATH_NOT_FOUND.test(message)) {
    return new ActionError("kustomization-path-not-found", {
      title: "Kustomization path not found",
      message: `A kustomization points at a path that is not in ${repository}: ${detail}\nFix \`path\` / \`kustomizations\` (paths are relative to the repository root) or push that folder.`,
    });
  }
  if (REF_NOT_FOUND.test(message)) {
    return new ActionError("configuration-failed", {
      title: "Git reference not found",
      message: `Flux could not find the configured ref in ${repository}: ${detail}\nCheck branch / tag / semver / commit.`,
    });
  }
  const refused = refusedFluxApi(message);
  if (refused) {
    return new ActionError("flux-api-refused", {
      title: "Flux refuses an apiVersion in the repository",
      message:
        `The cluster's Flux does not serve ${refused.kind} in ${refused.apiVersion}: ${detail}\n` +
        "Rewrite the manifests to the apiVersions that Flux serves (`flux migrate -f <path> --version <the cluster's Flux minor>`, " +
        "Flux CLI 2.7.1 or later), push, and re-run; flux-api-check (on by default) finds these before any write.",
    });
  }
  const stalled = status.statusConditions?.find((c) => c.type === "Stalled" && c.status === "True");
  const why = stalled?.reason ?? reason;
  if (status.kind === "HelmRelease" && HELM_FAILED.has(why)) return helmReleaseError(status, why, message);
  if (reason === "ReconciliationFailed" && !stalled && reconciliationFailedWaits(message)) return undefined;
  if (stalled || TERMINAL_REASONS.has(reason)) {
    return new ActionError("configuration-failed", {
      title: "Flux reconciliation failed",
      message: `Flux reports ${why}: ${detail}\nFix the manifests at the configured path (Flux's message above says what failed), push, and re-run.`,
    });
  }
  return undefined;
}

export type Verdict =
  | { readonly kind: "proven" }
  | { readonly kind: "failed"; readonly error: ActionError }
  | { readonly kind: "waiting"; readonly why: string };

/**
 * Judges one reading of the configuration. `fresh`: the agent reported after our write (see reportTime); a stale
 * report proves nothing and fails nothing (it may show the state before the change).
 */
/** `fresh`: the agent reported after our write (an older report proves nothing about it). */
export function judge(
  configuration: FluxConfiguration,
  { expectedSha, fresh, repository }: { readonly expectedSha: string | undefined; readonly fresh: boolean; readonly repository: string },
): Verdict {
  if (!fresh) return { kind: "waiting", why: "no report from the Flux agent since the change yet" };
  const statuses = statusesOf(configuration);
  // A HelmRelease's own failure says more than the health check of the kustomization that applied it.
  const helmFirst = [...statuses].sort((a, b) => Number(b.kind === "HelmRelease") - Number(a.kind === "HelmRelease"));
  for (const status of helmFirst) {
    if (status.complianceState === "Compliant") continue;
    const error = terminalError(status, repository);
    if (error) return { kind: "failed", error };
  }
  const atCommit = !expectedSha || syncedSha(configuration) === expectedSha;
  const allReady = statuses.length > 0 && statuses.every((s) => s.complianceState === "Compliant");
  if (configuration.complianceState === "Compliant" && atCommit && allReady) return { kind: "proven" };
  if (!atCommit) {
    const every = `${configuration.gitRepository?.syncIntervalInSeconds ?? DEFAULT_SYNC_SECONDS}s`;
    const next = configuration.sourceSyncedCommitId
      ? `; Flux fetches every ${every} (sync-interval), the commit shows at its next fetch`
      : "";
    return { kind: "waiting", why: `${expectedSha ? `source not at ${expectedSha.slice(0, 7)} yet` : "source not fetched yet"}${next}` };
  }
  const pending = statuses.find((s) => s.complianceState !== "Compliant");
  if (pending) {
    const { reason, message } = readyCondition(pending);
    const known = TRANSIENT_REASONS.has(reason) ? reason : reason || pending.complianceState || "Pending";
    return { kind: "waiting", why: `${pending.kind ?? "object"} ${pending.name ?? ""} ${known}: ${message}` };
  }
  return { kind: "waiting", why: `complianceState ${configuration.complianceState ?? "Unknown"}` };
}

/** The most telling failure text of a configuration, for a timeout message. */
export function failureDetail(configuration: FluxConfiguration): string {
  const failing = statusesOf(configuration).find((s) => s.complianceState !== "Compliant");
  return failing
    ? `${failing.kind} ${failing.name}: ${readyMessage(failing)}`
    : configuration.errorMessage || `complianceState ${configuration.complianceState ?? "Unknown"}`;
}
