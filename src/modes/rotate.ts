// mode: rotate — a new key is added, switched to, and proven in use (a Compliant report Flux made after the
// switch, and GitHub's own last_used witness) before any older key of ours is removed. Never a window without a
// working key. The switch makes Flux fetch with the new key at once (see key-switch.ts).
import * as core from "@actions/core";
import { configurationReport, statusesOf } from "../report/report.ts";
import type { Run } from "../run/run.ts";
import { observe } from "../run/current-state.ts";
import { desiredConfiguration, keyChange } from "../azure/flux-configuration-body.ts";
import { patchConfiguration, reportTime } from "../azure/flux-configuration.ts";
import { waitForReconciliation } from "../azure/reconciliation.ts";
import { deleteDeployKey } from "../github/deploy-keys.ts";
import { awaitFirstUse, currentKey, keyReport, newKeyPair, registerKey, removeKeys, rotationDue } from "../run/deploy-keys.ts";
import { keySwitch } from "../azure/key-switch.ts";
import { ActionError, messageOf } from "../errors.ts";
import { formatElapsed } from "../report/progress.ts";
import { storePrivateKey } from "../github/sealed-secret.ts";
import { undoNudge } from "../run/nudge.ts";
import { clusterRotationBlock } from "../run/cluster-key.ts";

export async function rotate(run: Run): Promise<void> {
  const { settings, report, arm } = run;
  const observed = await core.group("Preflight and current state", () => observe(run));
  const configuration = observed.configuration;
  if (!configuration) {
    throw new ActionError("invalid-input", {
      title: "Nothing to rotate",
      message: `There is no flux configuration '${settings.flux.name}' on ${settings.cluster.name}. Run with \`mode: apply\` first.`,
    });
  }
  const current = currentKey(observed.ownedKeys, observed.keyInUse);
  if (!rotationDue(current, settings.key.maxAgeMs, Date.now()) && current) {
    const age = formatElapsed(Date.now() - new Date(current.createdAt).getTime());
    report.deployKey = keyReport("unchanged", current, undefined);
    report.outcome = "skipped";
    report.headline = `key is ${age} old, younger than max-key-age: not rotated`;
    core.info(`Deploy key "${current.title}" is ${age} old, younger than max-key-age: nothing to do.`);
    return;
  }
  const blocked = clusterRotationBlock(run, current);
  if (blocked) {
    if (current) report.deployKey = keyReport("unchanged", current, undefined);
    report.outcome = "skipped";
    report.headline = "cluster-made key: not rotated";
    report.notes.push(blocked);
    core.warning(blocked);
    return;
  }
  const pair = newKeyPair(run);
  const added = await core.group("Add the new deploy key", () => registerKey(run, pair));
  report.deployKey = keyReport("created", added, pair.fingerprint);
  const body = desiredConfiguration(settings.flux, settings.git, observed.defaultBranch, observed.knownHosts.text);
  const change = keySwitch(configuration, body, undefined);
  // Until Azure accepts the switch, the new key is not needed; once it has, Flux may use either key.
  let accepted = false;
  try {
    const switched = await core.group("Switch the flux configuration to the new key", () =>
      patchConfiguration(arm, settings.flux.name, change.patch, pair.privateKey, { ...run, onAccepted: () => (accepted = true) }),
    );
    report.configuration = configurationReport("updated", { id: configuration.id }, [keyChange()]);
    const proof = await core.group("Prove the new key is in use", async () => {
      const waited = await waitForReconciliation(arm, settings.flux.name, {
        expectedSha: observed.expectedSha,
        reportedBefore: Math.max(reportTime(configuration), switched.reportedBefore),
        deadline: run.deadline,
        intervalMs: run.intervalMs,
        repository: `${settings.git.owner}/${settings.git.repo}`,
        label: "rotation proof",
      });
      const used = await awaitFirstUse(run, added);
      core.info(`Flux is Compliant after the switch and GitHub saw the new key in use at ${used.lastUsed}.`);
      return waited;
    });
    report.configuration.complianceState = proof.complianceState;
    report.configuration.syncedCommit = proof.sourceSyncedCommitId;
    report.configuration.statuses = statusesOf(proof);
  } catch (error) {
    if (!accepted) {
      // The configuration still has the old key: the new one is not needed.
      await deleteDeployKey(run.octokit, settings.git, added.id).catch((cleanup: unknown) =>
        core.warning(`Could not remove the new deploy key ${added.id}: ${messageOf(cleanup)}`),
      );
      report.deployKey = keyReport("deleted", added, pair.fingerprint);
      report.notes.push("The switch failed; the old key is still in use and the new deploy key was removed.");
      throw error;
    }
    report.notes.push(
      "The new key is not proven in use, so BOTH keys were kept: Flux keeps working with whichever it has. " +
        "Check the configuration's state, then re-run rotate (it will clean up) or remove the newer key by hand.",
    );
    core.warning("Rotation not proven: both deploy keys were kept.");
    throw error;
  }
  if (settings.privateKeySecret) await storePrivateKey(run.octokit, settings.git, settings.privateKeySecret, pair.privateKey);
  await core.group("Remove older deploy keys", () =>
    removeKeys(
      run,
      observed.ownedKeys.filter((k) => k.id !== added.id),
      "older",
    ),
  );
  await undoNudge(run, change);
  report.headline = "deploy key rotated and proven in use";
}
