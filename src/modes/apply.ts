// mode: apply — extension, deploy key and flux configuration, then wait until Flux is healthy at the
// expected commit. A re-run of a healthy cluster writes nothing; a failure removes what the run added.
// key-source: action makes the key pair here and sends the private half with the configuration; key-source:
// cluster creates the configuration without one, then registers the public half the cluster published.
import * as core from "@actions/core";
import type { FluxConfiguration } from "@azure/arm-kubernetesconfiguration";
import { noteState, type Ended } from "../report/report.ts";
import { writing, type Run } from "../run/run.ts";
import type { Observed } from "../run/current-state.ts";
import { keyHeldBy, observe } from "../run/current-state.ts";
import { settledConfiguration } from "../run/settled.ts";
import { immutableCheck } from "../run/create-only.ts";
import { ensureExtension } from "../azure/extension.ts";
import { desiredConfiguration } from "../azure/flux-configuration-body.ts";
import { getConfiguration } from "../azure/flux-configuration.ts";
import { waitForReconciliation } from "../azure/reconciliation.ts";
import { judge } from "../azure/flux-status.ts";
import { clusterMadeTitle } from "../github/key-titles.ts";
import { keyReport } from "../run/deploy-keys.ts";
import { removeUnusedKeys } from "../run/leftovers.ts";
import { noteClusterKey } from "../run/cluster-key.ts";
import { undoNudge } from "../run/nudge.ts";
import { enforceFindings } from "../run/repository-check.ts";
import { checkFluxVersions } from "../run/flux-versions.ts";
import { storePrivateKey } from "../github/sealed-secret.ts";
import { ActionError } from "../errors.ts";
import { writeConfiguration, type ConfigurationStep } from "./apply/configuration-step.ts";
import { registerClusterKey } from "./apply/cluster-key.ts";
import { makeKey, type NewKey } from "./apply/new-key.ts";
import { rollBack } from "./apply/roll-back.ts";

function desired(run: Run, observed: Observed): FluxConfiguration {
  return desiredConfiguration(run.settings.flux, run.settings.git, observed.defaultBranch, observed.knownHosts.text);
}

/** key-source: cluster on a configuration that holds a key the action made: the cluster cannot take over that key. */
function clusterSourceCheck(run: Run, observed: Observed): void {
  const inUse = observed.keyInUse;
  if (run.settings.key.source !== "cluster" || !inUse || clusterMadeTitle(inUse.title)) return;
  throw new ActionError("invalid-input", {
    title: "Key made by the action",
    message:
      `The flux configuration '${run.settings.flux.name}' uses a deploy key the action made ("${inUse.title}"); with key-source: cluster ` +
      "the cluster would have to make a new pair, which Azure does only when the configuration is created. Keep key-source: action, " +
      "or run mode: destroy and apply again with key-source: cluster (with prune: true, destroy removes what Flux deployed).",
  });
}

/** What was observed, once an operation under way on the configuration (a killed run's write) has ended. */
async function settledState(run: Run, observed: Observed): Promise<Observed> {
  const settled = await settledConfiguration(run, observed.configuration);
  if (settled === observed.configuration) return observed;
  return { ...observed, configuration: settled, keyInUse: keyHeldBy(settled, observed.ownedKeys) };
}

export async function apply(run: Run): Promise<Ended> {
  const { settings, arm, report } = run;
  const observed = await core.group("Preflight, current state and the repository", async () =>
    settledState(run, await observe(run, { withRepository: true })),
  );
  enforceFindings(run, observed.repositoryCheck);
  checkFluxVersions(run, observed, true);
  const body = desired(run, observed);
  immutableCheck(run, observed.configuration, body);
  clusterSourceCheck(run, observed);
  const cluster = settings.key.source === "cluster";

  let step: ConfigurationStep;
  try {
    // The extension install (minutes on Azure) overlaps with the key work; both must succeed before the configuration.
    // Its version is read once its operation has Succeeded, beside the configuration write (the report needs it).
    let extensionReported: Promise<void> = Promise.resolve();
    const extensionTask = ensureExtension(arm, settings.extension, observed.extension, writing(run)).then(({ installed, ...result }) => {
      report.extension = result;
      extensionReported = installed.then((version) => {
        report.extension = { ...result, version };
        core.info(`flux extension '${result.name}': ${result.change}${version ? ` (version ${version})` : ""}`);
      });
    });
    const keyTask = (async (): Promise<NewKey | undefined> => {
      const reuse = observed.keyInUse;
      if (!reuse) return cluster ? undefined : makeKey(run);
      report.deployKey = keyReport("unchanged", reuse, undefined);
      core.info(`Deploy key "${reuse.title}" is in use by the configuration: keeping it.`);
      return undefined;
    })();
    const [extension, key] = await Promise.allSettled([extensionTask, keyTask]);
    if (extension.status === "rejected") throw extension.reason;
    if (key.status === "rejected") throw key.reason;

    step = await writeConfiguration(run, observed, body, key.value, () => makeKey(run)).finally(() => extensionReported);
    if (cluster) step = await registerClusterKey(run, observed, body, step);
    const final = await waitOrRead(run, observed, step);
    noteState(run.report, final);
    const proven = settings.wait && !settings.flux.suspend;
    await removeUnusedKeys(run, observed.ownedKeys, step.key?.added ?? step.clusterKey, final, proven);
  } catch (error) {
    if (!run.gate.closed) await rollBack(run);
    throw error;
  }
  // After the key works: a failure here must not roll back a working configuration.
  await undoNudge(run, step.nudged);
  if (cluster) noteClusterKey(run);
  const stored = step.key?.pair;
  if (stored && settings.privateKeySecret) await storePrivateKey(run.octokit, settings.git, settings.privateKeySecret, stored.privateKey);
  return { outcome: "succeeded", headline: "done" };
}

/** Waits for Flux unless there is nothing to wait for (suspended, `wait: false`, or already proven). */
async function waitOrRead(run: Run, observed: Observed, step: ConfigurationStep): Promise<FluxConfiguration> {
  const { settings } = run;
  const repository = settings.git.fullName;
  const known = step.current;
  // A suspended configuration never reconciles: there is nothing to wait for.
  if (!settings.wait || settings.flux.suspend) return known ?? (await getConfiguration(run.arm, settings.flux.name)) ?? {};
  if (known && judge(known, { expectedSha: observed.expectedSha, fresh: true, repository }).kind === "proven") return known;
  return core.group("Wait for Flux", () =>
    waitForReconciliation(run.arm, settings.flux.name, {
      // The reading that saw the write's operation end usually holds the proving report already (it comes first on Azure).
      first: step.reading,
      expectedSha: observed.expectedSha,
      reportedBefore: step.reportedBefore,
      deadline: run.deadline,
      show: run.show,
      repository,
      onReading: (configuration) => noteState(run.report, configuration),
    }),
  );
}
