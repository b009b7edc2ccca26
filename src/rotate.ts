// mode: rotate — a new key is added, switched to, and proven in use (Flux Compliant again after the switch
// and GitHub's own last_used witness) before any older key of ours is removed. Never a window without a working key.
import { configurationReport, statusesOf } from "./report.ts";
import * as core from "@actions/core";
import type { Run } from "./context.ts";
import { observe } from "./context.ts";
import { newKeyPair, registerKey, keyReport } from "./apply.ts";
import { patchConfiguration } from "./flux-configuration.ts";
import { reportTime, waitForReconciliation } from "./reconciliation.ts";
import { deleteDeployKey, getDeployKey, type DeployKey } from "./github.ts";
import { ActionError, messageOf } from "./errors.ts";
import { sleep, startProgress, formatElapsed } from "./progress.ts";
import { storePrivateKey } from "./sealed-secret.ts";

/** The newest owned key: the one a rotation replaces and whose age max-key-age compares. */
export function currentKey(owned: readonly DeployKey[], inUse: DeployKey | undefined): DeployKey | undefined {
  return inUse ?? [...owned].sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
}

export function rotationDue(current: DeployKey | undefined, maxAgeMs: number | undefined, now: number): boolean {
  if (!current || maxAgeMs === undefined) return true;
  return now - new Date(current.createdAt).getTime() >= maxAgeMs;
}

async function awaitLastUsed(run: Run, key: DeployKey): Promise<DeployKey> {
  const progress = startProgress("rotation proof", "waiting for GitHub to record the new key's first use", run.intervalMs);
  try {
    for (;;) {
      const current = await getDeployKey(run.octokit, run.settings.git, key.id);
      if (current?.lastUsed) return current;
      progress.update("new key not used yet");
      if (performance.now() > run.deadline) {
        throw new ActionError("rotation-unproven", {
          title: "Rotation not proven",
          message: "Flux is Compliant after the switch, but GitHub has not recorded a use of the new deploy key before wait-timeout.",
        });
      }
      await sleep(2000);
    }
  } finally {
    progress.stop();
  }
}

export async function rotate(run: Run): Promise<void> {
  const { settings, report, arm } = run;
  const observed = await core.group("Preflight and current state", () => observe(run));
  if (!observed.configuration) {
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
  const pair = newKeyPair(run);
  const added = await core.group("Add the new deploy key", () => registerKey(run, pair));
  report.deployKey = keyReport("created", added, pair.fingerprint);
  let since: number;
  try {
    const switched = await core.group("Switch the flux configuration to the new key", () =>
      patchConfiguration(arm, settings.flux.name, {}, pair.privateKey, run.intervalMs),
    );
    since = reportTime(switched);
  } catch (error) {
    // The configuration still has the old key: the new one is not needed.
    await deleteDeployKey(run.octokit, settings.git, added.id).catch((cleanup: unknown) =>
      core.warning(`Could not remove the new deploy key ${added.id}: ${messageOf(cleanup)}`),
    );
    report.deployKey = keyReport("deleted", added, pair.fingerprint);
    report.notes.push("The switch failed; the old key is still in use and the new deploy key was removed.");
    throw error;
  }
  report.configuration = configurationReport("updated", { id: observed.configuration.id }, [{ field: "configurationProtectedSettings.sshPrivateKey", from: "(old key)", to: "(new key)" }]);
  try {
    const proof = await core.group("Prove the new key is in use", async () => {
      const waited = await waitForReconciliation(arm, settings.flux.name, {
        expectedSha: observed.expectedSha,
        since,
        deadline: run.deadline,
        intervalMs: run.intervalMs,
        repository: `${settings.git.owner}/${settings.git.repo}`,
        label: "rotation proof",
      });
      const used = await awaitLastUsed(run, added);
      core.info(`Flux is Compliant after the switch and GitHub saw the new key in use at ${used.lastUsed}.`);
      return waited;
    });
    report.configuration.complianceState = proof.complianceState;
    report.configuration.syncedCommit = proof.sourceSyncedCommitId;
    report.configuration.statuses = statusesOf(proof);
  } catch (error) {
    report.notes.push(
      "The new key is not proven in use, so BOTH keys were kept: Flux keeps working with whichever it has. " +
        "Check the configuration's state, then re-run rotate (it will clean up) or remove the newer key by hand.",
    );
    core.warning("Rotation not proven: both deploy keys were kept.");
    throw error;
  }
  if (settings.privateKeySecret) await storePrivateKey(run.octokit, settings.git, settings.privateKeySecret, pair.privateKey);
  await core.group("Remove older deploy keys", async () => {
    for (const old of observed.ownedKeys.filter((k) => k.id !== added.id)) {
      await deleteDeployKey(run.octokit, settings.git, old.id);
      report.removedKeys.push(keyReport("deleted", old, undefined));
      core.info(`Removed older deploy key "${old.title}".`);
    }
  });
  report.headline = "deploy key rotated and proven in use";
}
