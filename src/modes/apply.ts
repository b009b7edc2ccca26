// mode: apply — extension, deploy key and flux configuration, then wait until Flux is healthy at the
// expected commit. A re-run of a healthy cluster writes nothing; a failure removes what the run added.
// key-source: action makes the key pair here and sends the private half with the configuration; key-source:
// cluster creates the configuration without one, then registers the public half the cluster published.
import * as core from "@actions/core";
import type { FluxConfiguration } from "@azure/arm-kubernetesconfiguration";
import { statusesOf } from "../flux-statuses.ts";
import { writing, type Run } from "../run/run.ts";
import type { Observed } from "../run/current-state.ts";
import { keyHeldBy, observe } from "../run/current-state.ts";
import { settledConfiguration } from "../run/settled.ts";
import { ensureExtension } from "../azure/extension.ts";
import { desiredConfiguration } from "../azure/flux-configuration-body.ts";
import { getConfiguration, patchConfiguration, reportTime } from "../azure/flux-configuration.ts";
import { waitForReconciliation } from "../azure/reconciliation.ts";
import { judge } from "../azure/flux-status.ts";
import { keySwitch } from "../azure/key-switch.ts";
import { clusterMadeTitle, ownsTitle, sameKey } from "../github/key-titles.ts";
import { listDeployKeys } from "../github/deploy-keys.ts";
import { keyReport, newKeyPair, registerKey } from "../run/deploy-keys.ts";
import { removeUnusedKeys } from "../run/leftovers.ts";
import { awaitClusterKey, noteClusterKey } from "../run/cluster-key.ts";
import { immutableCheck, writeConfiguration, type ConfigurationStep, type Keys } from "../run/configuration-step.ts";
import { rollBack } from "../run/roll-back.ts";
import { undoNudge } from "../run/nudge.ts";
import { enforceFindings } from "../run/repository-check.ts";
import { ActionError } from "../errors.ts";
import { checkFluxVersions } from "../run/flux-versions.ts";
import { storePrivateKey } from "../github/sealed-secret.ts";

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

export async function apply(run: Run): Promise<void> {
  const { settings, arm, report } = run;
  const observed = await core.group("Preflight, current state and the repository", async () => settledState(run, await observe(run, true)));
  enforceFindings(run, observed.repositoryCheck);
  checkFluxVersions(run, observed, true);
  const body = desired(run, observed);
  immutableCheck(run, observed.configuration, body);
  clusterSourceCheck(run, observed);
  const cluster = settings.key.source === "cluster";

  const keys: Keys = { pair: undefined, added: undefined, createdConfiguration: false, nudged: undefined };
  const addKey = async (): Promise<void> => {
    keys.pair = newKeyPair(run);
    keys.added = await registerKey(run, keys.pair);
    report.deployKey = keyReport("created", keys.added, keys.pair.fingerprint);
  };
  try {
    // The extension install (minutes on Azure) overlaps with the key work; both must succeed before the configuration.
    const extensionTask = ensureExtension(arm, settings.extension, observed.extension, writing(run)).then((result) => {
      report.extension = result;
      core.info(`flux extension '${result.name}': ${result.change}${result.version ? ` (version ${result.version})` : ""}`);
    });
    const keyTask = (async () => {
      const reuse = observed.keyInUse;
      if (!reuse) return cluster ? undefined : addKey();
      report.deployKey = keyReport("unchanged", reuse, undefined);
      core.info(`Deploy key "${reuse.title}" is in use by the configuration: keeping it.`);
    })();
    const failure = (await Promise.allSettled([extensionTask, keyTask])).find((o): o is PromiseRejectedResult => o.status === "rejected");
    if (failure) throw failure.reason;

    let step = await writeConfiguration(run, observed, body, keys, addKey);
    if (cluster) step = await registerClusterKey(run, observed, body, keys, step);
    const final = await waitOrRead(run, observed, step);
    noteState(run, final);
    const proven = settings.wait && !settings.flux.suspend;
    await removeUnusedKeys(run, observed.ownedKeys, keys.added, final, proven);
  } catch (error) {
    if (!run.gate.closed) await rollBack(run, keys.added, keys.createdConfiguration);
    throw error;
  }
  // After the key works: a failure here must not roll back a working configuration.
  await undoNudge(run, keys.nudged);
  if (cluster) noteClusterKey(run);
  const stored = keys.pair;
  if (stored && settings.privateKeySecret) await storePrivateKey(run.octokit, settings.git, settings.privateKeySecret, stored.privateKey);
}

/**
 * key-source: cluster, when no deploy key of ours is the configuration's: register the public half the cluster
 * published, then nudge the GitRepository spec so that Flux, which retries its failed fetches with a growing delay,
 * fetches with the registered key now. The wait then counts only reports made after that nudge.
 */
async function registerClusterKey(
  run: Run,
  observed: Observed,
  body: FluxConfiguration,
  keys: Keys,
  step: ConfigurationStep,
): Promise<ConfigurationStep> {
  if (observed.keyInUse && !keys.createdConfiguration) return step;
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
    keys.added = await registerKey(run, published, { clusterMade: true });
    run.report.deployKey = keyReport("created", keys.added, published.fingerprint);
    const change = keySwitch(published.configuration, body, undefined);
    const nudged = await patchConfiguration(run.arm, run.settings.flux.name, change.patch, undefined, writing(run));
    keys.nudged = change;
    core.info(
      "Flux retries a refused fetch with a growing delay; the GitRepository spec was nudged so that it fetches with the new key now.",
    );
    return {
      ...step,
      reportedBefore: Math.max(reportTime(published.configuration), nudged.reportedBefore),
      current: undefined,
      reading: nudged.reading,
    };
  });
}

/** The configuration's last known state in the report: the summary shows it, after a failure too. */
function noteState(run: Run, configuration: FluxConfiguration): void {
  const c = run.report.configuration;
  if (!c) return;
  c.complianceState = configuration.complianceState;
  c.syncedCommit = configuration.sourceSyncedCommitId;
  c.statuses = statusesOf(configuration);
  c.id ??= configuration.id;
}

/** Waits for Flux unless there is nothing to wait for (suspended, `wait: false`, or already proven). */
async function waitOrRead(run: Run, observed: Observed, step: ConfigurationStep): Promise<FluxConfiguration> {
  const { settings } = run;
  const repository = `${settings.git.owner}/${settings.git.repo}`;
  const known = step.current;
  // A suspended configuration never reconciles: there is nothing to wait for.
  if (!settings.wait || settings.flux.suspend) return known ?? (await getConfiguration(run.arm, settings.flux.name)) ?? {};
  if (known && judge(known, observed.expectedSha, true, repository).kind === "proven") return known;
  return core.group("Wait for Flux", () =>
    waitForReconciliation(run.arm, settings.flux.name, {
      // The reading that saw the write's operation end usually holds the proving report already (it comes first on Azure).
      first: step.reading,
      expectedSha: observed.expectedSha,
      reportedBefore: step.reportedBefore,
      deadline: run.deadline,
      show: run.show,
      repository,
      onReading: (configuration) => noteState(run, configuration),
    }),
  );
}
