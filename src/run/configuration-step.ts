// The flux configuration step of apply: decide on what is there (create, patch what differs, or nothing) and
// write it, judged by state when another operation holds the resource (the decision is made again on what the
// busy resource became). With key-source: action the run's new key goes in the same write; with key-source:
// cluster no private key is ever sent.
import * as core from "@actions/core";
import type { FluxConfiguration } from "@azure/arm-kubernetesconfiguration";
import { writing, type Run } from "./run.ts";
import type { Observed } from "./current-state.ts";
import { adoptOtherRunsKey, type Keys } from "./deploy-keys.ts";
export type { Keys } from "./deploy-keys.ts";
import { diffConfiguration, keyChange } from "../azure/flux-configuration-body.ts";
import { createConfiguration, patchConfiguration, reportTime } from "../azure/flux-configuration.ts";
import { keySwitch } from "../azure/key-switch.ts";
import { configurationReport } from "../report/report.ts";
import { ActionError } from "../errors.ts";
import { whenSettled } from "./settled.ts";

export function immutableCheck(run: Run, current: FluxConfiguration | undefined, body: FluxConfiguration): void {
  if (!current) return;
  const { immutable } = diffConfiguration(current, body);
  if (immutable.length > 0) {
    const fields = immutable.map((c) => `${c.field} ${String(c.from)} → ${String(c.to)}`).join(", ");
    throw new ActionError("invalid-input", {
      title: "Create-only field differs",
      message:
        `The flux configuration '${run.settings.flux.name}' exists with different create-only fields (${fields}). ` +
        "Azure cannot change these in place: run once with `mode: destroy`, then apply again, or use the existing values.",
    });
  }
}

/** What the configuration step did, and what the wait needs to know about it. */
export interface ConfigurationStep {
  readonly change: "created" | "updated" | "unchanged";
  /** The agent's last report before the write (-1: any report counts). */
  readonly reportedBefore: number;
  /** The configuration as read, when nothing was written. */
  readonly current: FluxConfiguration | undefined;
  /** The configuration as last read while the write's operation ran: its report may already prove the goal. */
  readonly reading?: FluxConfiguration | undefined;
}

/** Creates or patches the configuration as `body` asks (with the run's key, when it made one). */
export async function writeConfiguration(
  run: Run,
  observed: Observed,
  body: FluxConfiguration,
  keys: Keys,
  addKey: () => Promise<void>,
): Promise<ConfigurationStep> {
  const { settings, arm, report } = run;
  const cluster = settings.key.source === "cluster";
  return core.group("Flux configuration", () =>
    whenSettled(run, observed.configuration, async (current): Promise<ConfigurationStep> => {
      immutableCheck(run, current, body);
      if (!current) {
        if (!keys.pair && !cluster) await addKey();
        keys.createdConfiguration = true;
        run.ledger.sending(keys.added, run.gate.armWritesSent);
        const written = await createConfiguration(arm, settings.flux.name, body, keys.pair?.privateKey, writing(run));
        report.configuration = configurationReport("created", { id: written.id });
        return { change: "created", reportedBefore: -1, current: undefined, reading: written.reading };
      }
      if (keys.added && !observed.configuration) await adoptOtherRunsKey(run, current, keys);
      const diff = diffConfiguration(current, body);
      if (!diff.patch && !keys.pair) {
        report.configuration = configurationReport("unchanged", current);
        core.info("Flux configuration is up to date.");
        return { change: "unchanged", reportedBefore: -1, current };
      }
      const change = keys.pair ? keySwitch(current, body, diff.patch) : undefined;
      const changes = keys.pair ? [...diff.changes, keyChange()] : diff.changes;
      if (keys.pair) run.ledger.sending(keys.added, run.gate.armWritesSent);
      const written = await patchConfiguration(
        arm,
        settings.flux.name,
        change?.patch ?? diff.patch ?? {},
        keys.pair?.privateKey,
        writing(run),
      );
      report.configuration = configurationReport(written.operation ? "updated" : "unchanged", { id: written.id ?? current.id }, changes);
      for (const c of changes) core.info(`  ${c.field} changed`);
      keys.nudged = change;
      return {
        change: "updated",
        reportedBefore: written.operation ? Math.max(reportTime(current), written.reportedBefore) : -1,
        current: undefined,
        reading: written.operation ? written.reading : undefined,
      };
    }),
  );
}
