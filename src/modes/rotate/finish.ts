// rotate's proof, and the finishing of a rotation an earlier run left after Azure had accepted its switch.
import * as core from "@actions/core";
import type { FluxConfiguration } from "@azure/arm-kubernetesconfiguration";
import { configurationReport, type Ended } from "../../report/report.ts";
import type { Run } from "../../run/run.ts";
import type { Observed } from "../../run/current-state.ts";
import { desiredConfiguration } from "../../azure/flux-configuration-body.ts";
import { waitForReconciliation } from "../../azure/reconciliation.ts";
import type { DeployKey } from "../../github/deploy-keys.ts";
import { awaitFirstUse, keyReport, removeKeys } from "../../run/deploy-keys.ts";
import { restoreTimeout } from "../../run/leftovers.ts";

/** A Compliant report made after `reportedBefore`, then GitHub's own record of the key's first use. */
export async function prove(run: Run, observed: Observed, key: DeployKey, reportedBefore: number): Promise<FluxConfiguration> {
  const { settings } = run;
  return core.group("Prove the new key is in use", async () => {
    const waited = await waitForReconciliation(run.arm, settings.flux.name, {
      expectedSha: observed.expectedSha,
      reportedBefore,
      deadline: run.deadline,
      show: run.show,
      repository: settings.git.fullName,
      label: "rotation proof",
    });
    const used = await awaitFirstUse(run, key);
    core.info(`Flux is Compliant with the key and GitHub saw it in use at ${used.lastUsed}.`);
    return waited;
  });
}

/**
 * The configuration holds a key newer than other keys of ours: an earlier rotation was stopped after Azure
 * accepted its switch (killed, cancelled, or its token expired). Finish it: prove the held key, remove the older
 * ones, put back a spec nudge it left. A new key now would be a second rotation nobody asked for.
 */
export async function finishRotation(
  run: Run,
  observed: Observed,
  configuration: FluxConfiguration,
  held: DeployKey,
  older: readonly DeployKey[],
): Promise<Ended> {
  const { report, settings } = run;
  core.info(
    `The configuration holds deploy key "${held.title}", newer than ${older.length} other key(s) of ours: finishing that rotation.`,
  );
  report.deployKey = keyReport("unchanged", held, undefined);
  const proof = await prove(run, observed, held, -1);
  report.configuration = configurationReport("unchanged", proof);
  await core.group("Remove older deploy keys", () => removeKeys(run, older, "older"));
  const body = desiredConfiguration(settings.flux, settings.git, observed.defaultBranch, observed.knownHosts.text);
  await restoreTimeout(run, configuration, body);
  report.notes.push(
    `An earlier rotation had switched to key "${held.title}" but not finished: it is now proven in use and the older key(s) removed.`,
  );
  return { outcome: "succeeded", headline: "earlier rotation finished: new key proven, older keys removed" };
}
