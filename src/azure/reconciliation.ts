// Waiting for Flux: reads the configuration until a report the agent made after our write proves the goal
// (Compliant at the expected commit, every object Ready), fails at once on a terminal state, and waits through
// transient ones. On Azure the proving report often lands before the write's operation ends, so the first
// reading after it usually ends the wait; the agent reports on change only, so no later report is assumed.
import type { FluxConfiguration } from "@azure/arm-kubernetesconfiguration";
import type { Arm } from "./arm.ts";
import { ActionError } from "../errors.ts";
import { getConfiguration, reportTime } from "./flux-configuration.ts";
import { failureDetail, judge } from "./flux-status.ts";
import { doneWith, formatElapsed, notYet, pollUntil, watched, type Show } from "../poll.ts";
import { statusesOf } from "../flux-statuses.ts";

export interface WaitOptions {
  readonly expectedSha: string | undefined;
  /**
   * The agent's last report before our write (ms since epoch; -1: count any report): taken from what we read before
   * the write and from the write's own answer, on Azure's clock, so a report made before the change never passes
   * for one made after it.
   */
  readonly reportedBefore: number;
  readonly deadline: number;
  /** The run's progress lines. */
  readonly show: Show;
  readonly repository: string;
  readonly label?: string;
  /** Each reading, so that a failure still shows the last state (statuses, HelmReleases) in the summary. */
  readonly onReading?: (configuration: FluxConfiguration) => void;
  /** A reading already made (the one that saw the write's operation end): judged first, without reading again. */
  readonly first?: FluxConfiguration | undefined;
}

function summariseState(configuration: FluxConfiguration): string {
  const source = configuration.sourceSyncedCommitId
    ? `source fetched ${configuration.sourceSyncedCommitId.replace(/([0-9a-f]{7})[0-9a-f]+$/, "$1")}`
    : "source not fetched yet";
  const kustomizations = statusesOf(configuration)
    .filter((s) => s.kind === "Kustomization" || s.kind === "HelmRelease")
    .map((s) => `${s.kind === "HelmRelease" ? "helmrelease" : "kustomization"} ${s.name}: ${s.complianceState}`);
  return [configuration.complianceState ?? "Unknown", source, ...kustomizations].join(", ");
}

export async function waitForReconciliation(arm: Arm, name: string, options: WaitOptions): Promise<FluxConfiguration> {
  const waitingFor = options.expectedSha ? `waiting for Compliant at ${options.expectedSha.slice(0, 7)}` : "waiting for Compliant";
  const started = performance.now();
  let last: FluxConfiguration = {};
  let why = "";
  let given = options.first;
  return watched(
    options.show,
    { label: options.label ?? "reconciliation", waitingFor },
    (update) =>
      pollUntil(
        async () => {
          last = given ?? (await getConfiguration(arm, name)) ?? {};
          given = undefined;
          options.onReading?.(last);
          const verdict = judge(last, {
            expectedSha: options.expectedSha,
            fresh: reportTime(last) > options.reportedBefore,
            repository: options.repository,
          });
          if (verdict.kind === "failed") throw verdict.error;
          if (verdict.kind === "proven") return doneWith(last);
          why = verdict.why;
          update(`${summariseState(last)} (${why})`);
          return notYet();
        },
        {
          deadline: options.deadline,
          pace: arm.budget.pace,
          timedOut: () =>
            new ActionError("wait-timeout", {
              title: "Timed out waiting for Flux",
              message:
                `Waited ${formatElapsed(performance.now() - started)} (wait-timeout). Last state: ${summariseState(last)}.\n` +
                `wait-timeout reached before Flux was healthy: ${why || failureDetail(last)}\n` +
                "On Azure the Flux agent reports when something changes; a kustomization still progressing may need a longer wait-timeout.",
            }),
        },
      ),
    (proven) => `Compliant (${summariseState(proven)})`,
  );
}
