// apply with key-source: cluster: the configuration is created without a key, the cluster's Flux agent makes the
// pair and publishes its public half, and the action registers that half as the read-only deploy key.
import * as core from "@actions/core";
import type { FluxConfiguration } from "@azure/arm-kubernetesconfiguration";
import { writing, type Run } from "../../run/run.ts";
import type { Observed } from "../../run/current-state.ts";
import { awaitClusterKey } from "../../run/cluster-key.ts";
import { keyReport, registerKey } from "../../run/deploy-keys.ts";
import { patchConfiguration, reportTime } from "../../azure/flux-configuration.ts";
import { keySwitch } from "../../azure/key-switch.ts";
import { listDeployKeys } from "../../github/deploy-keys.ts";
import { ownsTitle, sameKey } from "../../github/key-titles.ts";
import type { ConfigurationStep } from "./configuration-step.ts";

/**
 * key-source: cluster, when no deploy key of ours is the configuration's: register the public half the cluster
 * published, then nudge the GitRepository spec so that Flux, which retries its failed fetches with a growing delay,
 * fetches with the registered key now. The wait then counts only reports made after that nudge.
 */
export async function registerClusterKey(
  run: Run,
  observed: Observed,
  body: FluxConfiguration,
  step: ConfigurationStep,
): Promise<ConfigurationStep> {
  if (observed.keyInUse && step.change !== "created") return step;
  return core.group("Register the cluster's key", async () => {
    const published = await awaitClusterKey(run);
    // A run alongside may have registered it already (GitHub refuses the same key twice).
    const listed = await listDeployKeys(run.octokit, run.settings.git);
    const theirs = listed.find(
      (k) => ownsTitle(k.title, run.settings.cluster, run.settings.flux.name) && sameKey(k.key, published.publicBlob),
    );
    if (theirs) {
      run.report.deployKey = keyReport("unchanged", theirs, published.fingerprint);
      return { ...step, reportedBefore: -1, current: undefined, reading: undefined };
    }
    const added = await registerKey(run, published, { clusterMade: true });
    run.report.deployKey = keyReport("created", added, published.fingerprint);
    const change = keySwitch(published.configuration, body, undefined);
    const nudged = await patchConfiguration(run.arm, run.settings.flux.name, change.patch, undefined, writing(run));
    core.info(
      "Flux retries a refused fetch with a growing delay; the GitRepository spec was nudged so that it fetches with the new key now.",
    );
    return {
      ...step,
      reportedBefore: Math.max(reportTime(published.configuration), nudged.reportedBefore),
      current: undefined,
      reading: nudged.reading,
      clusterKey: added,
      nudged: change,
    };
  });
}
