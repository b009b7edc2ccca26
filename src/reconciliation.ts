// Waiting for Flux: polls the configuration until the agent reports it Compliant at the expected commit with every
// kustomization healthy, and turns a Non-Compliant source or kustomization into the error that names its fix.
import type { FluxConfiguration, ObjectStatusDefinition } from "@azure/arm-kubernetesconfiguration";
import type { Arm } from "./arm.ts";
import { nextPollDelay } from "./arm.ts";
import { ActionError } from "./errors.ts";
import { getConfiguration } from "./flux-configuration.ts";
import { formatElapsed, sleep, startProgress } from "./progress.ts";
import { statusesOf } from "./report.ts";

/** When the Flux agent last reported on the configuration (ms since epoch; -1 when it never did). */
export function reportTime(configuration: FluxConfiguration | undefined): number {
  return configuration?.statusUpdatedAt ? new Date(configuration.statusUpdatedAt).getTime() : -1;
}

/** The commit in `sourceSyncedCommitId`: "main/<sha>" (older agents) or "main@sha1:<sha>" (Flux 2). */
export function syncedSha(configuration: FluxConfiguration): string | undefined {
  return /([0-9a-f]{40}|[0-9a-f]{64})$/.exec(configuration.sourceSyncedCommitId ?? "")?.[1];
}

export function readyMessage(status: ObjectStatusDefinition): string {
  const ready = status.statusConditions?.find((c) => c.type === "Ready") ?? status.statusConditions?.[0];
  return ready?.message ?? status.complianceState ?? "";
}

function failingStatus(configuration: FluxConfiguration): ObjectStatusDefinition | undefined {
  return statusesOf(configuration).find((s) => s.complianceState === "Non-Compliant");
}

/** Turns a Non-Compliant source or kustomization into the error that names its fix. */
export function reconciliationError(configuration: FluxConfiguration, repository: string, timedOut: boolean): ActionError {
  const failing = failingStatus(configuration);
  const detail = failing ? `${failing.kind} ${failing.name}: ${readyMessage(failing)}` : configuration.errorMessage || `complianceState ${configuration.complianceState ?? "Unknown"}`;
  if (/Host key verification failed|knownhosts|host key mismatch|REMOTE HOST IDENTIFICATION/i.test(detail)) {
    return new ActionError("source-host-key", {
      title: "Git host key not trusted",
      message: `Flux could not verify the git host's SSH key: ${detail}\nThe known hosts sent were verified against the host's published fingerprints; check ssh-host / ssh-host-fingerprints, or whether a proxy intercepts SSH.`,
    });
  }
  if (/Permission denied \(publickey\)|unable to authenticate|Repository not found|could not read from remote/i.test(detail)) {
    return new ActionError("source-permission-denied", {
      title: "Git host refused the deploy key",
      message: `Flux could not fetch ${repository} with the deploy key: ${detail}\nCheck that the deploy key is still on the repository and enabled (organisation policy can disable deploy keys), then re-run.`,
    });
  }
  if (/path not found|no such file or directory/i.test(detail)) {
    return new ActionError("kustomization-path-not-found", {
      title: "Kustomization path not found",
      message: `A kustomization points at a path that is not in ${repository}: ${detail}\nFix \`path\` / \`kustomizations\` (paths are relative to the repository root) or push that folder.`,
    });
  }
  return new ActionError(timedOut ? "wait-timeout" : "configuration-failed", {
    title: timedOut ? "Timed out waiting for Flux" : "Flux reconciliation failed",
    message: `${timedOut ? "wait-timeout reached before Flux was healthy" : "Flux reports the configuration Non-Compliant"}: ${detail}`,
  });
}


export interface WaitOptions {
  readonly expectedSha: string | undefined;
  /**
   * Only agent reports newer than this count (ms since epoch): the `statusUpdatedAt` Azure returned right after
   * our write (see reportTime), so a report made before the switch never passes for one made after it,
   * whatever the clocks of the runner and Azure say.
   */
  readonly since: number;
  readonly deadline: number;
  readonly intervalMs: number;
  readonly repository: string;
  readonly label?: string;
}

function summariseState(configuration: FluxConfiguration): string {
  const source = configuration.sourceSyncedCommitId ? `source fetched ${configuration.sourceSyncedCommitId.replace(/([0-9a-f]{7})[0-9a-f]+$/, "$1")}` : "source not fetched yet";
  const kustomizations = statusesOf(configuration)
    .filter((s) => s.kind === "Kustomization")
    .map((s) => `kustomization ${s.name}: ${s.complianceState}`);
  return [configuration.complianceState ?? "Unknown", source, ...kustomizations].join(", ");
}

/** Polls until Compliant at the expected commit; fails fast on a Non-Compliant state reported twice after our write. */
export async function waitForReconciliation(arm: Arm, name: string, options: WaitOptions): Promise<FluxConfiguration> {
  const waitingFor = options.expectedSha ? `waiting for Compliant at ${options.expectedSha.slice(0, 7)}` : "waiting for Compliant";
  const progress = startProgress(options.label ?? "reconciliation", waitingFor, options.intervalMs);
  let nonCompliantReports = new Set<string>();
  const started = performance.now();
  try {
    for (;;) {
      const configuration = (await getConfiguration(arm, name)) ?? {};
      progress.update(summariseState(configuration));
      const reportedAt = configuration.statusUpdatedAt ? new Date(configuration.statusUpdatedAt).getTime() : 0;
      const fresh = reportedAt > options.since;
      const atCommit = !options.expectedSha || syncedSha(configuration) === options.expectedSha;
      const allCompliant = statusesOf(configuration).every((s) => s.complianceState === "Compliant");
      if (fresh && configuration.complianceState === "Compliant" && atCommit && allCompliant) {
        return configuration;
      }
      if (fresh && configuration.complianceState === "Non-Compliant") {
        nonCompliantReports.add(String(reportedAt));
        if (nonCompliantReports.size >= 2) throw reconciliationError(configuration, options.repository, false);
      } else {
        nonCompliantReports = new Set();
      }
      if (performance.now() > options.deadline) {
        const error = reconciliationError(configuration, options.repository, true);
        throw new ActionError(error.code === "configuration-failed" ? "wait-timeout" : error.code, {
          title: error.code === "configuration-failed" ? "Timed out waiting for Flux" : error.title,
          message: `Waited ${formatElapsed(performance.now() - started)} (wait-timeout). Last state: ${summariseState(configuration)}.\n${error.message}`,
        });
      }
      // Poll at about a tenth of the time waited so far: fast at first, gentle on long waits.
      await sleep(nextPollDelay(performance.now() - started, undefined));
    }
  } finally {
    progress.stop();
  }
}
