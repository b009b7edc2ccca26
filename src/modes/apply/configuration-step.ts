// The flux configuration step of apply: decide on what is there (create, patch what differs, or nothing) and
// write it, judged by state when another operation holds the resource (the decision is made again on what the
// busy resource became). With key-source: action the run's new key goes in the same write; with key-source:
// cluster no private key is ever sent.
import * as core from "@actions/core";
import type { FluxConfiguration } from "@azure/arm-kubernetesconfiguration";
import { writing, type Run } from "../../run/run.ts";
import type { Observed } from "../../run/current-state.ts";
import { immutableCheck } from "../../run/create-only.ts";
import { whenSettled } from "../../run/settled.ts";
import { diffConfiguration, keyChange } from "../../azure/flux-configuration-body.ts";
import { createConfiguration, patchConfiguration, reportTime } from "../../azure/flux-configuration.ts";
import { keySwitch, type KeySwitch } from "../../azure/key-switch.ts";
import { configurationReport } from "../../report/report.ts";
import { adoptOtherRunsKey, type NewKey } from "./new-key.ts";
import type { DeployKey } from "../../github/deploy-keys.ts";

/** What the configuration step did, and what the wait needs to know about it. */
export interface ConfigurationStep {
  readonly change: "created" | "updated" | "unchanged";
  /** The agent's last report before the write (-1: any report counts). */
  readonly reportedBefore: number;
  /** The configuration as read, when nothing was written. */
  readonly current: FluxConfiguration | undefined;
  /** The configuration as last read while the write's operation ran: its report may already prove the goal. */
  readonly reading?: FluxConfiguration | undefined;
  /** The key this run made and the configuration now holds (undefined: it holds a key from before, or the cluster's). */
  readonly key: NewKey | undefined;
  /** The spec nudge that went with a key change, to undo once the key is proven. */
  readonly nudged: KeySwitch | undefined;
  /** key-source: cluster: the deploy key registered from the cluster's own pair. */
  readonly clusterKey?: DeployKey | undefined;
}

/**
 * Creates or patches the configuration as `body` asks: with `key` (made before), or a key made now by `makeKey` when
 * it has to be created and the action makes keys. A configuration it creates is on the ledger, for the roll-back.
 */
export async function writeConfiguration(
  run: Run,
  observed: Observed,
  body: FluxConfiguration,
  key: NewKey | undefined,
  makeKey: () => Promise<NewKey>,
): Promise<ConfigurationStep> {
  const { settings, arm, report } = run;
  const cluster = settings.key.source === "cluster";
  return core.group("Flux configuration", () =>
    whenSettled(run, observed.configuration, async (current): Promise<ConfigurationStep> => {
      immutableCheck(run, current, body);
      if (!current) {
        const sent = key ?? (cluster ? undefined : await makeKey());
        run.ledger.createdConfiguration();
        run.ledger.sending(sent?.added, run.gate.armWritesSent);
        const written = await createConfiguration(arm, settings.flux.name, body, sent?.pair.privateKey, writing(run));
        report.configuration = configurationReport("created", { id: written.id });
        return { change: "created", reportedBefore: -1, current: undefined, reading: written.reading, key: sent, nudged: undefined };
      }
      const own = key && !observed.configuration ? await adoptOtherRunsKey(run, current, key) : key;
      const diff = diffConfiguration(current, body);
      if (!diff.patch && !own) {
        report.configuration = configurationReport("unchanged", current);
        core.info("Flux configuration is up to date.");
        return { change: "unchanged", reportedBefore: -1, current, key: undefined, nudged: undefined };
      }
      const change = own ? keySwitch(current, body, diff.patch) : undefined;
      const changes = own ? [...diff.changes, keyChange()] : diff.changes;
      if (own) run.ledger.sending(own.added, run.gate.armWritesSent);
      const written = await patchConfiguration(
        arm,
        settings.flux.name,
        change?.patch ?? diff.patch ?? {},
        own?.pair.privateKey,
        writing(run),
      );
      report.configuration = configurationReport(written.operation ? "updated" : "unchanged", { id: written.id ?? current.id }, changes);
      for (const c of changes) core.info(`  ${c.field} changed`);
      return {
        change: "updated",
        reportedBefore: written.operation ? Math.max(reportTime(current), written.reportedBefore) : -1,
        current: undefined,
        reading: written.operation ? written.reading : undefined,
        key: own,
        nudged: change,
      };
    }),
  );
}
